import { sampleEvents, startWebhookReceiver } from '@presence-tracker/core/testing';
import { describe, expect, test } from 'vitest';
import { mattermostFormat, mattermostWebhook } from './webhook.ts';

const sample = sampleEvents();

describe('Mattermost messages', () => {
  test("Markdown text; a run's end lists the people", () => {
    expect(mattermostFormat(sample['session.ended'])).toEqual({
      text: 'Ada Novak was present for 1 h 40 min until 2026-03-02 09:40 UTC (went offline).',
    });
    expect(mattermostFormat(sample['run.ended'])).toEqual({
      text:
        'Tracking ended at 2026-03-02 09:40 UTC after 2 h 40 min (run 7): 1 person, 2 h 00 min available, 30 min unavailable, 2 sessions.\n' +
        '- Ada Novak: 2 h 00 min available, 30 min unavailable (longest 20 min), 2 sessions',
    });
  });

  test('the `mattermost` notifier posts them to the incoming webhook', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const notifier = await mattermostWebhook.create(
        { url: `${receiver.url}/hooks/xxx` },
        {
          name: 'town-square',
          baseDir: '.',
          env: {},
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          clock: { now: () => new Date() },
        },
      );
      expect(notifier.name).toBe('town-square');
      await notifier.deliver(sample['unavailable.long'], { attempt: 1, signal: AbortSignal.timeout(5000) });
      expect(receiver.requests[0]!.headers['content-type']).toContain('application/json');
      expect(receiver.bodies()).toEqual([
        { text: 'Ada Novak has been away for 10 min, since 2026-03-02 09:30 UTC.' },
      ]);
    } finally {
      await receiver.close();
    }
  });
});
