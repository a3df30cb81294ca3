import { sampleEvents, startWebhookReceiver } from '@presence-tracker/core/testing';
import { createEvent, type TrackerEventData } from '@presence-tracker/core/webhook';
import { describe, expect, test } from 'vitest';
import { slackFormat, slackWebhook } from './webhook.ts';

const sample = sampleEvents();

describe('Slack messages', () => {
  test("one readable line; a run's end lists the people, 30 at most", () => {
    expect(slackFormat(sample['unavailable.long'])).toEqual({
      text: 'Ada Novak has been away for 10 min, since 2026-03-02 09:30 UTC.',
    });
    expect(slackFormat(sample['run.ended'])).toEqual({
      text:
        'Tracking ended at 2026-03-02 09:40 UTC after 2 h 40 min (run 7): 1 person, 2 h 00 min available, 30 min unavailable, 2 sessions.\n' +
        '- Ada Novak: 2 h 00 min available, 30 min unavailable (longest 20 min), 2 sessions',
    });
    expect(slackFormat(sample['run.started'], { timeZone: 'Europe/Berlin' })).toEqual({
      text: 'Tracking started at 2026-03-02 10:40 GMT+1 (run 7).',
    });
    const ended = sample['run.ended'].data as TrackerEventData['run.ended'];
    const users = Array.from({ length: 35 }, (_, i) => ({
      ...ended.users[0]!,
      userId: `u${i}`,
      displayName: `P${i}`,
    }));
    const { text } = slackFormat(
      createEvent('run.ended', sample['run.ended'].timestamp, { ...ended, users }),
    ) as { text: string };
    expect(text.split('\n')).toHaveLength(1 + 30 + 1);
    expect(text.endsWith('- and 5 more')).toBe(true);
  });

  test('the `slack` notifier posts them to the incoming webhook, in the configured time zone', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const notifier = await slackWebhook.create(
        { url: `${receiver.url}/services/T0/B0/x`, events: ['run.started'] },
        {
          name: 'ops',
          baseDir: '.',
          env: {},
          timeZone: 'Europe/Berlin',
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          clock: { now: () => new Date() },
        },
      );
      expect(notifier.events).toEqual(['run.started']);
      await notifier.deliver(sample['run.started'], { attempt: 1, signal: AbortSignal.timeout(5000) });
      expect(receiver.requests[0]!.url).toBe('/services/T0/B0/x');
      expect(receiver.bodies()).toEqual([{ text: 'Tracking started at 2026-03-02 10:40 GMT+1 (run 7).' }]);
    } finally {
      await receiver.close();
    }
  });
});
