import { afterEach, describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import type { PresenceStore } from '../store/index.ts';
import { memoryStore } from '../store/memory.ts';
import {
  type WebhookReceiver as Receiver,
  type Reply,
  startWebhookReceiver as startReceiver,
} from '../testing/webhook-receiver.ts';
import { createTracker } from '../tracker/index.ts';
import type { TrackerEvent } from './events.ts';
import type { Notifier } from './notifier.ts';
import { webhookNotifier } from './webhook.ts';

const MIN = 60_000;
const MONDAY_8AM = Date.UTC(2026, 2, 2, 8);

let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function receiver(reply?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(reply);
  receivers.push(r);
  return r;
}

function recorder(name: string, durable = false): Notifier & { got: TrackerEvent[] } {
  const got: TrackerEvent[] = [];
  return {
    name,
    durable,
    got,
    async deliver(event) {
      got.push(event);
    },
  };
}

/** Runs `minutes` polls of a simulated morning, one a minute. */
async function track(
  notifiers: Notifier[],
  options: {
    store?: PresenceStore;
    minutes?: number;
    stopTimeout?: number;
    start?: number;
    logger?: Logger;
  } = {},
) {
  const clock = manualClock(options.start ?? MONDAY_8AM);
  const provider = simulatedProvider({ users: 8, seed: 3, clock });
  const store = options.store ?? memoryStore();
  const tracker = createTracker({
    provider,
    store,
    users: 'discover',
    clock,
    pollInterval: MIN,
    notifiers,
    policy: { unavailableAfter: [20 * MIN, 10 * MIN, 5 * MIN, 2 * MIN] },
    ...(options.stopTimeout === undefined ? {} : { stopTimeout: options.stopTimeout }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const errors: Error[] = [];
  tracker.on('error', (e) => errors.push(e));
  let samples = 0;
  for (let m = 0; m < (options.minutes ?? 90); m++) {
    samples += (await tracker.runOnce()).samples;
    clock.advance(MIN);
  }
  return { tracker, store, errors, samples, clock };
}

describe('a notifier never stops tracking', () => {
  test('one that throws, one that rejects and one that hangs: every poll still runs, stop() still returns', async () => {
    const throwing: Notifier = {
      name: 'throws',
      deliver() {
        throw new Error('boom');
      },
    };
    const rejecting: Notifier = {
      name: 'rejects',
      durable: true,
      deliver: async () => Promise.reject(new Error('no')),
    };
    const hanging: Notifier = { name: 'hangs', durable: true, deliver: () => new Promise<void>(() => {}) };
    const hangingDirect: Notifier = { name: 'hangs-direct', deliver: () => new Promise<void>(() => {}) };
    const good = recorder('good');
    const { tracker, store, errors, samples } = await track(
      [throwing, rejecting, hanging, hangingDirect, good],
      {
        stopTimeout: 200,
      },
    );
    expect(samples).toBe(8 * 90);

    // stop() returns although two deliveries never settle: it gives up on them after stopTimeout.
    await tracker.stop();
    expect(tracker.state).toBe('stopped');

    const types = new Set(good.got.map((e) => e.type));
    expect(types).toEqual(
      new Set(['run.started', 'session.started', 'unavailable.long', 'session.ended', 'run.ended']),
    );
    expect(errors.some((e) => e.message === 'boom')).toBe(true);
    expect(errors.some((e) => e.message === 'no')).toBe(true);
    // The hanging durable notifier still has its events, all but the one in flight untouched.
    const left = await store.outboxPending({ notifier: 'hangs', limit: 10_000 });
    expect(left.length).toBe(good.got.length);
    expect(left.map((e) => e.event.id)).toEqual(good.got.map((e) => e.id));
  });
});

describe('a stop that waits for an endpoint', () => {
  test('says so after a second, with how many notifications are pending and how long it waits at most', async () => {
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const note = (fields: Record<string, unknown>, message?: string) => {
      lines.push({ fields, message: message ?? '' });
    };
    const logger: Logger = { debug: () => {}, info: note, warn: () => {}, error: () => {} };
    const hanging: Notifier = {
      name: 'slow-hook',
      durable: true,
      deliver: () => new Promise<void>(() => {}),
    };
    const { tracker, store } = await track([hanging], { minutes: 5, stopTimeout: 1_500, logger });
    await tracker.stop();
    const pending = (await store.outboxPending({ notifier: 'slow-hook', limit: 1_000 })).length;
    expect(pending).toBeGreaterThan(1);
    const waiting = lines.filter((l) => /^waiting up to/.test(l.message));
    expect(waiting).toEqual([
      {
        fields: { pending, notifiers: ['slow-hook'], timeoutMs: 1_500 },
        message: `waiting up to 1.5 s for ${pending} undelivered notification(s); what is left stays in the outbox for the next start`,
      },
    ]);
  });

  test('says nothing when the deliveries finish at once', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: (_f, m) => {
        lines.push(m ?? '');
      },
      warn: () => {},
      error: () => {},
    };
    const { tracker } = await track([recorder('quick', true)], { minutes: 5, logger });
    await tracker.stop();
    expect(lines.filter((m) => m.startsWith('waiting'))).toEqual([]);
  });
});

describe('the outbox across runs', () => {
  test('what an unreachable endpoint left pending goes out, same ids, in order, when the tracker starts again', async () => {
    // Each run posts to its own path, under one notifier name (the outbox is filed by name). The
    // endpoint refuses the first run's path and accepts the second's, so a request of the stopped run
    // that reaches the server late (sent before stop() aborted it) is never taken for a delivery.
    const r = await receiver((q): Reply => ({ status: q.url === '/second' ? 200 : 503 }));
    const hook = (path: string) =>
      webhookNotifier({ name: 'hook', url: `${r.url}${path}`, retry: { schedule: [20, 20], jitter: 0 } });
    const store = memoryStore();
    const first = await track([hook('/first')], { store, minutes: 30, stopTimeout: 100 });
    await first.tracker.stop();
    const pending = await store.outboxPending({ notifier: 'hook', limit: 10_000 });
    expect(pending.length).toBeGreaterThan(3);
    expect(pending.at(-1)!.event.type).toBe('run.ended');

    const second = await track([hook('/second')], { store, minutes: 1, start: MONDAY_8AM + 60 * MIN });
    await second.tracker.stop();
    expect(await store.outboxPending({ notifier: 'hook' })).toEqual([]);

    const delivered = r.requests.filter((q) => q.url === '/second' && q.headers['webhook-id']);
    const ids = delivered.map((q) => String(q.headers['webhook-id']));
    expect(ids.slice(0, pending.length)).toEqual(pending.map((p) => p.event.id));
    // Exactly once each after recovery; the new run's events follow the old ones.
    expect(new Set(ids).size).toBe(ids.length);
    const types = delivered.slice(pending.length).map((q) => JSON.parse(q.raw.toString()).type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.ended');
  });

  test('stop() waits for deliveries in flight, and for retries due within stopTimeout', async () => {
    let calls = 0;
    const r = await receiver(() => {
      calls++;
      return calls === 1 ? { status: 503 } : { delayMs: 150 };
    });
    const hook = webhookNotifier({
      url: r.url,
      events: ['run.ended'],
      retry: { schedule: [100], jitter: 0 },
    });
    const { tracker, store } = await track([hook], { minutes: 5 });
    await tracker.stop();
    expect(r.requests).toHaveLength(2);
    expect(await store.outboxPending({ notifier: hook.name })).toEqual([]);
  });

  test('stop() does not wait for a retry due after stopTimeout; the event stays for the next start', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const hook = webhookNotifier({
      url: r.url,
      events: ['run.ended'],
      retry: { schedule: [3_600_000], jitter: 0 },
    });
    // Both far beyond the test's own time limit: a stop() that waited for the retry, or for
    // stopTimeout, fails the test by running out of time, with no clock read here.
    const { tracker, store } = await track([hook], { minutes: 2, stopTimeout: 600_000 });
    await tracker.stop();
    expect(r.requests).toHaveLength(1);
    const [left] = await store.outboxPending({ notifier: hook.name });
    expect(left).toMatchObject({ attempts: 1, lastError: expect.stringContaining('HTTP 500') });
  });
});
