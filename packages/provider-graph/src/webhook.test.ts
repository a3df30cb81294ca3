import { sampleEvents, startWebhookReceiver } from '@presence-tracker/core/testing';
import { createEvent, type TrackerEventData } from '@presence-tracker/core/webhook';
import { describe, expect, test } from 'vitest';
import { teamsFormat, teamsWebhook } from './webhook.ts';

const sample = sampleEvents();

describe('Teams message cards', () => {
  test('a card whose colour follows severity, people as facts under a run’s end, 30 at most', () => {
    const card = teamsFormat(sample['run.ended']) as Record<string, unknown>;
    expect(card).toMatchObject({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: 'Tracking ended',
      title: 'Tracking ended',
      sections: [{ facts: [{ name: 'Ada Novak', value: expect.stringContaining('2 h 00 min available') }] }],
    });
    const loud = teamsFormat(sample['unavailable.long']) as Record<string, unknown>;
    const quiet = teamsFormat(sample['session.started']) as Record<string, unknown>;
    expect(loud.themeColor).toBe('D13438');
    expect(quiet.themeColor).toBe('0076D7');
    expect(loud.sections).toBeUndefined();

    const ended = sample['run.ended'].data as TrackerEventData['run.ended'];
    const users = Array.from({ length: 35 }, (_, i) => ({
      ...ended.users[0]!,
      userId: `u${i}`,
      displayName: `P${i}`,
    }));
    const big = teamsFormat(createEvent('run.ended', sample['run.ended'].timestamp, { ...ended, users })) as {
      sections: { facts: { name: string; value: string }[] }[];
    };
    expect(big.sections[0]!.facts).toHaveLength(31);
    expect(big.sections[0]!.facts.at(-1)).toEqual({ name: 'and', value: '5 more' });
  });

  test('the `teams` notifier posts cards to the incoming webhook and names itself by its host', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const options = { url: `${receiver.url}/webhookb2/abc` };
      expect(teamsWebhook.describe!(options, { baseDir: '.' })).toBe(`teams 127.0.0.1:${receiver.port}`);
      const notifier = await teamsWebhook.create(options, {
        name: 'teams-channel',
        baseDir: '.',
        env: {},
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        clock: { now: () => new Date() },
      });
      await notifier.deliver(sample['tracker.error'], { attempt: 1, signal: AbortSignal.timeout(5000) });
      expect(receiver.bodies()).toEqual([
        {
          '@type': 'MessageCard',
          '@context': 'https://schema.org/extensions',
          summary: 'Tracker error',
          themeColor: 'E3711A',
          title: 'Tracker error',
          text: 'Tracker error (provider): platform down',
        },
      ]);
    } finally {
      await receiver.close();
    }
  });
});
