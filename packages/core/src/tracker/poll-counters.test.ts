import { describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { ProviderError, StoreError } from '../errors.ts';
import type { PresenceSample } from '../model.ts';
import type { PresenceProvider } from '../provider/index.ts';
import type { PresenceStore } from '../store/index.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker } from './index.ts';
import { POLL_COUNTERS, pollTotals } from './poll-counters.ts';

const MIN = 60_000;
const MONDAY_8 = Date.UTC(2026, 2, 2, 8); // 2026-03-02, a Monday, 08:00 UTC

/**
 * Two people; each poll answers what `next` says, after taking `takes` ms of the manual clock, so
 * a poll's duration is known exactly.
 */
function provider(clock: ReturnType<typeof manualClock>) {
  const p: PresenceProvider & { next: 'ok' | Error; takes: number } = {
    name: 'scripted',
    next: 'ok',
    takes: 0,
    async resolveUsers(keys) {
      return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
    },
    async getPresence(ids): Promise<PresenceSample[]> {
      clock.advance(p.takes);
      if (p.next instanceof Error) throw p.next;
      return ids.map((userId) => ({ userId, status: 'available', observedAt: clock.now() }));
    },
  };
  return p;
}

describe("the tracker's counters in the store", () => {
  test('count polls by outcome, samples, errors and durations, summed over runs', async () => {
    const clock = manualClock(MONDAY_8);
    const store = memoryStore();
    const schedule = {
      timeZone: 'UTC',
      windows: [{ days: [1, 2, 3, 4, 5], start: '08:00', end: '09:00' }],
    };
    const p = provider(clock);
    const first = createTracker({ provider: p, store, users: ['ada', 'ben'], clock, schedule });
    p.takes = 30; // 0.03 s: the first bucket
    await first.runOnce();
    clock.advance(MIN);
    p.takes = 300; // 0.3 s: the 0.5 s bucket
    p.next = new ProviderError('scripted', 'HTTP 503', { status: 503 });
    await first.runOnce();
    clock.advance(MIN);
    p.next = new Error('not a provider error');
    p.takes = 90_000; // beyond every bound
    await first.runOnce();
    await first.stop();

    clock.set(new Date(MONDAY_8 + 2 * 60 * MIN)); // 10:00, outside the window
    const second = createTracker({ provider: p, store, users: ['ada', 'ben'], clock, schedule });
    p.next = 'ok';
    p.takes = 0;
    await second.runOnce();
    clock.advance(MIN);
    await second.runOnce();
    await second.stop();

    const counters = await store.counters!();
    expect(counters[POLL_COUNTERS.bucket(0.05)]).toBe(3);
    const totals = pollTotals(counters);
    expect(totals.polls).toEqual({ ok: 1, 'provider-error': 2, 'outside-window': 2 });
    expect(totals.samples).toBe(2);
    expect(totals.errors).toBe(2);
    expect(totals.providerErrors).toBe(1);
    expect(totals.seconds.count).toBe(5);
    expect(totals.seconds.sum).toBeCloseTo(0.03 + 0.3 + 90, 6);
    expect(totals.seconds.buckets.find((b) => b.le === 0.05)?.count).toBe(3);
    expect(totals.seconds.buckets.find((b) => b.le === 0.5)?.count).toBe(4);
    expect(totals.seconds.buckets.find((b) => b.le === 60)?.count).toBe(4);
    // One row of counts per run: the second run's polls are its own.
    expect((await store.runs({ from: new Date(0), to: new Date(MONDAY_8 + 86_400_000) })).length).toBe(2);
  });

  test('counts a store refused are kept and added by the next poll', async () => {
    const clock = manualClock(MONDAY_8);
    const inner = memoryStore();
    let refuse = false;
    const store: PresenceStore = {
      ...inner,
      capabilities: inner.capabilities,
      async addCounters(add) {
        if (refuse) throw new StoreError('memory', 'the store is away');
        return inner.addCounters!(add);
      },
    };
    const t = createTracker({ provider: provider(clock), store, users: ['ada'], clock });
    await t.runOnce();
    refuse = true;
    clock.advance(MIN);
    await t.runOnce();
    expect(pollTotals(await inner.counters!()).polls).toEqual({ ok: 1 });
    refuse = false;
    clock.advance(MIN);
    await t.runOnce();
    const totals = pollTotals(await inner.counters!());
    expect(totals.polls).toEqual({ ok: 3 });
    expect(totals.samples).toBe(3);
    await t.stop();
  });
});
