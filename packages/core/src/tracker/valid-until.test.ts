import { describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { memoryCoordination } from '../coordination/index.ts';
import type { PresenceSample } from '../model.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker, type TrackerOptions } from './index.ts';

const MIN = 60_000;
const NINE = Date.UTC(2026, 2, 2, 9, 0);
const all = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };

/** A calendar-like provider: each person's status and until when it holds, minutes from 09:00. */
function calendarProvider(clock: { now(): Date }) {
  let readings: Record<string, { status: PresenceSample['status']; until?: number }> | Error = {};
  const provider: PresenceProvider & { set(r: typeof readings): void } = {
    name: 'calendar-like',
    async resolveUsers(keys) {
      return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
    },
    async getPresence(ids) {
      if (readings instanceof Error) throw readings;
      const r = readings;
      return ids.map((userId) => ({
        userId,
        status: r[userId]!.status,
        observedAt: clock.now(),
        ...(r[userId]!.until === undefined ? {} : { validUntil: new Date(NINE + r[userId]!.until! * MIN) }),
      }));
    },
    set(r) {
      readings = r;
    },
  };
  return provider;
}

function setup(options: Partial<TrackerOptions> = {}) {
  const clock = manualClock(NINE);
  const provider = calendarProvider(clock);
  const store = memoryStore();
  const t = createTracker({ provider, store, users: ['ada', 'ben'], clock, pollInterval: MIN, ...options });
  const minute = (d: Date) => (d.getTime() - NINE) / MIN;
  return { clock, provider, store, t, minute };
}

describe('readings that say how long they hold', () => {
  test('the next poll is due at the earliest validUntil, within pollInterval and maxPollInterval', async () => {
    const { provider, t, clock, minute } = setup({ maxPollInterval: 30 * MIN });
    provider.set({ ada: { status: 'busy', until: 12 }, ben: { status: 'available', until: 20 } });
    expect(minute((await t.runOnce()).nextPollAt)).toBe(12);
    clock.set(NINE + MIN);
    provider.set({ ada: { status: 'busy', until: 90 }, ben: { status: 'available', until: 120 } });
    expect(minute((await t.runOnce()).nextPollAt)).toBe(31);
    // One person whose reading says nothing keeps everyone on the usual interval.
    clock.set(NINE + 30 * MIN);
    provider.set({ ada: { status: 'busy', until: 90 }, ben: { status: 'available' } });
    expect(minute((await t.runOnce()).nextPollAt)).toBe(31);
    await t.stop();
  });

  test('without maxPollInterval polls stretch at most 15 minutes', async () => {
    const { provider, t, minute } = setup();
    provider.set({ ada: { status: 'busy', until: 240 }, ben: { status: 'busy', until: 240 } });
    expect(minute((await t.runOnce()).nextPollAt)).toBe(15);
    await t.stop();
  });

  test('trackers that share users keep the usual interval, since leases are renewed at each poll', async () => {
    const group = memoryCoordination();
    const { provider, t, minute } = setup({
      store: memoryStore({ fencing: group }),
      coordination: group.member('a'),
    });
    provider.set({ ada: { status: 'busy', until: 240 }, ben: { status: 'busy', until: 240 } });
    expect(minute((await t.runOnce()).nextPollAt)).toBe(1);
    await t.stop();
  });

  test('a person stays observed until validUntil through an outage, and goes stale from there', async () => {
    const { provider, t, clock, store, minute } = setup({ policy: { staleAfter: 3 * MIN } });
    provider.set({ ada: { status: 'busy', until: 60 }, ben: { status: 'available' } });
    await t.runOnce();
    provider.set(new Error('calendar unreachable'));
    for (let m = 1; m <= 70; m++) {
      clock.set(NINE + m * MIN);
      await t.runOnce();
    }
    const sessions = await store.sessions(all);
    const end = (id: string) => sessions.find((s) => s.userId === id)!;
    // Ben's reading said nothing: stale from his last sighting. Ada's held until 10:00.
    expect([minute(end('ben').endedAt!), end('ben').endReason]).toEqual([0, 'stale']);
    expect([minute(end('ada').endedAt!), end('ada').endReason]).toEqual([60, 'stale']);
    const busy = (await store.intervals(all)).find((i) => i.userId === 'ada')!;
    expect([busy.status, minute(busy.startedAt), minute(busy.endedAt!)]).toEqual(['busy', 0, 60]);
    await t.stop();
  });

  test('start() waits for the earliest validUntil before polling again', async () => {
    const provider: PresenceProvider = {
      name: 'holding',
      async resolveUsers(keys) {
        return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
      },
      async getPresence(ids) {
        const now = Date.now();
        return ids.map((userId) => ({
          userId,
          status: 'busy' as const,
          observedAt: new Date(now),
          validUntil: new Date(now + 300),
        }));
      },
    };
    const t = createTracker({
      provider,
      store: memoryStore(),
      users: ['ada'],
      pollInterval: 10,
      maxPollInterval: 5000,
    });
    const at: number[] = [];
    const second = new Promise<void>((resolve) =>
      t.on('poll', (p) => {
        at.push(p.at.getTime());
        if (at.length === 2) resolve();
      }),
    );
    await t.start();
    await second;
    await t.stop();
    // A lower bound only: the wait is at least what the reading said, however loaded the machine.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(300);
  });
});
