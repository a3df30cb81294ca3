import { describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { memoryCoordination } from '../coordination/index.ts';
import type { Status } from '../model.ts';
import type { TrackerEvent } from '../notifier/index.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker } from './index.ts';

const SEC = 1_000;
const T0 = Date.UTC(2026, 2, 2, 9);
const at = (s: number) => new Date(T0 + s * SEC);
const all = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };

/** One `--once` start of a cron job: start, one poll, stop, each at `now`, with these statuses. */
async function cronRun(
  store: ReturnType<typeof memoryStore>,
  now: Date,
  statuses: Record<string, Status>,
  events: TrackerEvent[] = [],
) {
  const clock = manualClock(now);
  const tracker = createTracker({
    provider: {
      name: 'scripted',
      async resolveUsers(keys) {
        return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
      },
      async getPresence(ids) {
        return ids.flatMap((userId) =>
          statuses[userId] ? [{ userId, status: statuses[userId]!, observedAt: clock.now() }] : [],
        );
      },
    },
    store,
    users: Object.keys(statuses),
    clock,
    pollInterval: 10 * SEC,
    continueRun: true,
    notifiers: [
      {
        name: 'recorder',
        async deliver(e) {
          events.push(e);
        },
      },
    ],
  });
  await tracker.runOnce();
  await tracker.stop();
  return tracker;
}

describe('continueRun', () => {
  test('a start within staleAfter of the last poll continues the run: intervals and sessions hold across', async () => {
    const store = memoryStore();
    const events: TrackerEvent[] = [];
    await cronRun(store, at(0), { ada: 'available', ben: 'busy' }, events);
    await cronRun(store, at(7), { ada: 'available', ben: 'away' }, events);
    await cronRun(store, at(14), { ada: 'available', ben: 'away' }, events);

    expect(await store.runs(all)).toEqual([expect.objectContaining({ startedAt: at(0), endedAt: null })]);
    const intervals = await store.intervals(all);
    expect(intervals.map((i) => [i.userId, i.status, i.startedAt, i.endedAt])).toEqual([
      ['ada', 'available', at(0), null],
      ['ben', 'busy', at(0), at(7)],
      ['ben', 'away', at(7), null],
    ]);
    const sessions = await store.sessions(all);
    expect(sessions.map((s) => [s.userId, s.startedAt, s.endedAt, s.lastSeenAt])).toEqual([
      ['ada', at(0), null, at(14)],
      ['ben', at(0), null, at(14)],
    ]);
    // One run.started for the three starts, one session.started each.
    expect(events.map((e) => e.type).sort()).toEqual(['run.started', 'session.started', 'session.started']);
  });

  test('a start later than staleAfter recovers the run and ends it at its last poll, with run.ended', async () => {
    const store = memoryStore();
    await cronRun(store, at(0), { ada: 'available' });
    await cronRun(store, at(7), { ada: 'available' });
    const events: TrackerEvent[] = [];
    await cronRun(store, at(7 + 31), { ada: 'available' }, events);
    const runs = await store.runs(all);
    expect(runs.map((r) => [r.startedAt, r.endedAt])).toEqual([
      [at(0), at(7)],
      [at(38), null],
    ]);
    const [first] = await store.sessions(all);
    expect(first).toMatchObject({ startedAt: at(0), endedAt: at(7), endReason: 'recovered' });
    const ended = events.find((e) => e.type === 'run.ended')!;
    expect(ended.data).toMatchObject({
      reason: 'recovered',
      durationMs: 7 * SEC,
      totals: { observedMs: 7 * SEC },
    });
  });

  test('people no longer configured when a run continues are closed at their last sighting', async () => {
    const store = memoryStore();
    await cronRun(store, at(0), { ada: 'available', ben: 'available' });
    await cronRun(store, at(5), { ada: 'available', ben: 'available' });
    await cronRun(store, at(10), { ada: 'available' });
    const ben = (await store.sessions(all)).find((s) => s.userId === 'ben');
    expect(ben).toMatchObject({ endedAt: at(5), endReason: 'recovered' });
    const ada = (await store.sessions(all)).find((s) => s.userId === 'ada');
    expect(ada).toMatchObject({ endedAt: null, lastSeenAt: at(10) });
  });

  test('a long unavailability is announced once across continued starts', async () => {
    const store = memoryStore();
    const events: TrackerEvent[] = [];
    // Severity 0's default threshold is an hour: one start every 10 s for 70 minutes.
    for (let s = 0; s <= 70 * 60; s += 10) await cronRun(store, at(s), { ada: 'busy' }, events);
    expect(events.filter((e) => e.type === 'unavailable.long')).toHaveLength(1);
    expect(await store.runs(all)).toHaveLength(1);
  });

  test('is refused together with coordination', () => {
    expect(() =>
      createTracker({
        provider: {
          name: 'x',
          resolveUsers: async () => ({ resolved: [], unresolved: [] }),
          getPresence: async () => [],
        },
        store: memoryStore(),
        users: ['ada'],
        continueRun: true,
        coordination: memoryCoordination().member('a'),
      }),
    ).toThrow(/continueRun: expected continueRun without coordination/);
  });
});
