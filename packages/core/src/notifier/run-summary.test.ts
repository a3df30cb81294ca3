import { describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { resolvePolicy } from '../machine/index.ts';
import type { Run } from '../model.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import type { PresenceStore, RangeQuery } from '../store/index.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker } from '../tracker/index.ts';
import { createEvent, eventBody } from './events.ts';
import { describeEvent } from './formatters.ts';
import type { Notifier } from './notifier.ts';
import { runSummary } from './run-summary.ts';
import { type TrackerEventData, trackerEventSchema } from './schemas.ts';

const MIN = 60_000;
const MONDAY_9AM = Date.UTC(2026, 2, 2, 9);
const policy = resolvePolicy({});

/** A store that notes how many people each read of intervals and sessions asked about. */
function counting(store: PresenceStore): PresenceStore & { asked: number[] } {
  const asked: number[] = [];
  return Object.assign(Object.create(store) as PresenceStore, {
    asked,
    intervals: (query: RangeQuery) => {
      asked.push(query.userIds?.length ?? Number.POSITIVE_INFINITY);
      return store.intervals(query);
    },
    sessions: (query: RangeQuery) => {
      asked.push(query.userIds?.length ?? Number.POSITIVE_INFINITY);
      return store.sessions(query);
    },
  });
}

/** Three hours of 25 simulated people polled every 5 minutes, kept in a memory store. */
async function morning() {
  const clock = manualClock(MONDAY_9AM);
  const provider = simulatedProvider({ users: 25, seed: 11, clock });
  const store = memoryStore();
  const tracker = createTracker({ provider, store, users: 'discover', clock, pollInterval: 5 * MIN });
  let run: (Run & { endedAt: Date }) | undefined;
  tracker.on('run:end', (ended) => {
    run = ended as Run & { endedAt: Date };
  });
  for (let m = 0; m < 3 * 60; m += 5) {
    await tracker.runOnce();
    clock.advance(5 * MIN);
  }
  await tracker.stop();
  const users = await provider.discoverUsers!();
  return { store, run: run!, users: users.map((u) => ({ ...u, severity: 0 as const })) };
}

describe('runSummary', async () => {
  const { store, run, users } = await morning();

  test('reads the store a batch of people at a time and counts the same as one read of everyone', async () => {
    const whole = await runSummary(store, run, users, policy, 'stopped', { batchSize: 1_000 });
    const counted = counting(store);
    const batched = await runSummary(counted, run, users, policy, 'stopped', { batchSize: 4 });
    expect(batched).toEqual(whole);
    // 25 people in batches of 4: seven reads of each kind, none of more than 4 people.
    expect(counted.asked).toHaveLength(14);
    expect(Math.max(...counted.asked)).toBe(4);
    expect(whole.people).toBe(25);
    expect(whole.users.map((u) => u.userId)).toEqual(users.map((u) => u.id).sort());
    expect(whole.totals.observedMs).toBe(whole.users.reduce((t, u) => t + u.observedMs, 0));
    expect(whole.totals.sessions).toBeGreaterThan(0);
  });

  test('lists at most maxPeople, the first by user id, and still counts everyone in the totals', async () => {
    const whole = await runSummary(store, run, users, policy);
    const few = await runSummary(store, run, users, policy, 'stopped', { maxPeople: 3, batchSize: 10 });
    expect(few.people).toBe(25);
    expect(few.users).toEqual(whole.users.slice(0, 3));
    expect(few.totals).toEqual(whole.totals);
    const none = await runSummary(store, run, users, policy, 'stopped', { maxPeople: 0 });
    expect(none.users).toEqual([]);
    expect(none.totals).toEqual(whole.totals);
  });

  test('an event that lists fewer people than the run had parses, and its text counts everyone', async () => {
    const data = await runSummary(store, run, users, policy, 'stopped', { maxPeople: 3 });
    const event = createEvent('run.ended', run.endedAt, data);
    const wire = trackerEventSchema.parse(JSON.parse(JSON.stringify(eventBody(event))));
    expect((wire.data as TrackerEventData['run.ended']).people).toBe(25);
    const text = describeEvent(event);
    expect(text.text).toMatch(/: 25 people,/);
    expect(text.details).toHaveLength(4);
    expect(text.details.at(-1)).toEqual({ name: 'Others', value: '22 more, counted in the totals' });
    // An event of an earlier version, without `people`, counts the people it lists.
    const { people: _, ...earlier } = data;
    expect(describeEvent(createEvent('run.ended', run.endedAt, earlier)).text).toMatch(/: 3 people,/);
  });
});

test("a tracker's run.ended lists runSummaryPeople people and counts everyone", async () => {
  const clock = manualClock(MONDAY_9AM);
  const got: TrackerEventData['run.ended'][] = [];
  const notifier: Notifier = {
    name: 'recorder',
    async deliver(event) {
      if (event.type === 'run.ended') got.push(event.data as TrackerEventData['run.ended']);
    },
  };
  const tracker = createTracker({
    provider: simulatedProvider({ users: 9, seed: 2, clock }),
    store: memoryStore(),
    users: 'discover',
    clock,
    pollInterval: 5 * MIN,
    pollBatchSize: 4,
    runSummaryPeople: 2,
    notifiers: [notifier],
  });
  for (let p = 0; p < 6; p++) {
    await tracker.runOnce();
    clock.advance(5 * MIN);
  }
  await tracker.stop();
  expect(got).toHaveLength(1);
  expect(got[0]!.people).toBe(9);
  expect(got[0]!.users.map((u) => u.userId)).toEqual(['sim-0001', 'sim-0002']);
  expect(got[0]!.totals.observedMs).toBeGreaterThan(got[0]!.users.reduce((t, u) => t + u.observedMs, 0));
});

test('runSummaryPeople must be a whole number of people', () => {
  const base = {
    provider: simulatedProvider({ users: 1 }),
    store: memoryStore(),
    users: 'discover' as const,
  };
  expect(() => createTracker({ ...base, runSummaryPeople: -1 })).toThrow(/runSummaryPeople >= 0 people/);
  expect(() => createTracker({ ...base, runSummaryPeople: 1.5 })).toThrow(
    /runSummaryPeople, a whole number of people/,
  );
});
