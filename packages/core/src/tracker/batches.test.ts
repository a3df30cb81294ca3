import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { manualClock } from '../clock.ts';
import { memoryCoordination } from '../coordination/index.ts';
import { ConfigError, PresenceTrackerError, StoreError } from '../errors.ts';
import type { PresenceSample } from '../model.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import type { PollWrite, PresenceStore } from '../store/index.ts';
import { memoryStore } from '../store/memory.ts';
import { Batches, DEFAULT_POLL_BATCH_SIZE, pollBatchSize } from './batches.ts';
import { createTracker, type PollResult } from './index.ts';

/** Every batch, in order. */
const inBatches = <T>(items: readonly T[], size: number): T[][] => {
  const batches = new Batches(items, size);
  return Array.from({ length: batches.count }, (_, n) => batches.at(n));
};

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9);
const all = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
const USERS = ['a', 'b', 'c', 'd', 'e', 'f'];
const dir = mkdtempSync(join(tmpdir(), 'presence-tracker-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A provider of `USERS` that answers every one it is asked about as available at the clock's instant,
 * records what each call asked, and fails a call that asks about someone in `failing`.
 */
function recordingProvider(clock: { now(): Date }, extra: Partial<PresenceProvider> = {}) {
  const provider = {
    name: 'recording',
    calls: [] as string[][],
    failing: new Set<string>(),
    async resolveUsers(keys: string[]) {
      return { resolved: keys.map((key) => ({ key, id: `id-${key}` })), unresolved: [] };
    },
    async getPresence(ids: string[]): Promise<PresenceSample[]> {
      provider.calls.push(ids);
      if (ids.some((id) => provider.failing.has(id))) throw new Error(`cannot read ${ids.join(' ')}`);
      return ids.map((userId) => ({ userId, status: 'available' as const, observedAt: clock.now() }));
    },
    ...extra,
  };
  return provider;
}

/** A memory store that records every write it is given, and refuses them while `down` is set. */
function recordingStore(real: PresenceStore = memoryStore()) {
  const store: PresenceStore & { writes: PollWrite[]; tried: number; down: boolean } = {
    ...real,
    writes: [],
    tried: 0,
    down: false,
    async writePoll(write) {
      store.tried++;
      if (store.down) throw new StoreError('memory', 'connection lost');
      await real.writePoll(write);
      store.writes.push(write);
    },
  };
  return store;
}

const userIds = (write: PollWrite) => [...new Set(write.samples.map((s) => s.userId))];

describe('batch sizes', () => {
  test('people are split as evenly as the size allows, in their order', () => {
    const ids = Array.from({ length: 10_001 }, (_, n) => n);
    expect(inBatches(ids, 10_000).map((b) => b.length)).toEqual([5001, 5000]);
    expect(inBatches(ids, 10_000).flat()).toEqual(ids);
    expect(inBatches([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([
      [1, 2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(inBatches([1, 2], Number.POSITIVE_INFINITY)).toEqual([[1, 2]]);
    expect(inBatches([], 5)).toEqual([]);
  });

  test("the tracker's option, else the provider's, else the default; a provider's Infinity always", () => {
    const provider = { name: 'p' } as PresenceProvider;
    expect(pollBatchSize({ provider })).toBe(DEFAULT_POLL_BATCH_SIZE);
    expect(pollBatchSize({ provider: { ...provider, pollBatchSize: 650 } })).toBe(650);
    expect(pollBatchSize({ provider: { ...provider, pollBatchSize: 650 }, pollBatchSize: 100 })).toBe(100);
    const whole = { ...provider, pollBatchSize: Number.POSITIVE_INFINITY };
    expect(pollBatchSize({ provider: whole, pollBatchSize: 100 })).toBe(Number.POSITIVE_INFINITY);
  });

  test('a size that is not a whole number of people is refused, naming the field', () => {
    const clock = manualClock(T0);
    const options = { provider: recordingProvider(clock), store: memoryStore(), users: USERS };
    for (const bad of [0, -5, 2.5]) {
      expect(() => createTracker({ ...options, pollBatchSize: bad })).toThrow(ConfigError);
      expect(() => createTracker({ ...options, pollBatchSize: bad })).toThrow(/pollBatchSize/);
    }
    expect(() => createTracker({ ...options, pollBatchSize: '100' as unknown as number })).toThrow(
      /pollBatchSize: expected a whole number of people > 0, or Infinity for everyone at once/,
    );
    const odd = recordingProvider(clock, { pollBatchSize: 0 } as Partial<PresenceProvider>);
    expect(() => createTracker({ ...options, provider: odd })).toThrow(PresenceTrackerError);
    expect(() => createTracker({ ...options, provider: odd })).toThrow(
      /provider recording: pollBatchSize: expected a whole number of people > 0, or Infinity, received 0/,
    );
  });
});

describe('a poll in batches', () => {
  test('writes each batch on its own, in order, reading the next while it is written; one poll outside', async () => {
    const clock = manualClock(T0);
    const provider = recordingProvider(clock);
    const store = recordingStore();
    // Batch n's write lands only once batch n + 1 is being read: a poll that read and wrote in turn
    // would wait here for ever.
    const readsBegun: (() => void)[] = [];
    const begun = Array.from({ length: 4 }, (_, n) => new Promise<void>((r) => (readsBegun[n] = r)));
    let reading = 0;
    let writing = 0;
    let most = { reading: 0, writing: 0 };
    const note = () => {
      most = { reading: Math.max(most.reading, reading), writing: Math.max(most.writing, writing) };
    };
    const read = provider.getPresence;
    provider.getPresence = async (ids) => {
      reading++;
      note();
      readsBegun[provider.calls.length]?.();
      try {
        return await read(ids);
      } finally {
        reading--;
      }
    };
    const write = store.writePoll;
    const tracker = createTracker({ provider, store, users: USERS, clock, pollBatchSize: 2 });
    await tracker.runOnce(); // the first poll opens everyone's records
    store.writes.length = 0;
    provider.calls.length = 0;
    clock.advance(MIN);
    store.writePoll = async (w) => {
      writing++;
      note();
      const batch = store.writes.length;
      if (batch < 2) await begun[batch + 1];
      try {
        return await write(w);
      } finally {
        writing--;
      }
    };
    const polls: PollResult[] = [];
    tracker.on('poll', (r) => polls.push(r));

    const result = await tracker.runOnce();
    expect(provider.calls).toEqual([
      ['id-a', 'id-b'],
      ['id-c', 'id-d'],
      ['id-e', 'id-f'],
    ]);
    expect(store.writes.map(userIds)).toEqual(provider.calls);
    expect(most).toEqual({ reading: 1, writing: 1 });
    expect(polls).toEqual([result]);
    expect(result).toMatchObject({
      samples: 6,
      effects: store.writes.reduce((n, w) => n + w.effects.length, 0),
    });
    expect(result.effects).toBe(6); // a sighting each
    expect(result.skipped).toBeUndefined();
    expect(result.unread).toBeUndefined();
    // The counters hear of two polls, not of four.
    expect((await store.counters!())['polls.ok']).toBe(2);
    expect((await store.counters!()).samples).toBe(12);
    await tracker.stop();
  });

  test("a batch the provider fails is a failed poll for its people alone: they go stale, the others don't", async () => {
    const clock = manualClock(T0);
    const provider = recordingProvider(clock);
    const store = memoryStore();
    const tracker = createTracker({
      provider,
      store,
      users: USERS,
      clock,
      pollBatchSize: 2,
      pollInterval: MIN,
    });
    const errors: Error[] = [];
    tracker.on('error', (e) => errors.push(e));
    await tracker.runOnce();
    provider.failing.add('id-c');
    const results: PollResult[] = [];
    for (let n = 0; n < 4; n++) {
      clock.advance(MIN);
      results.push(await tracker.runOnce());
    }
    expect(results.map((r) => [r.skipped, r.samples, r.unread])).toEqual(Array(4).fill([undefined, 4, 2]));
    expect(errors.map((e) => e.message)).toEqual(Array(4).fill('cannot read id-c id-d'));
    // Three minutes without a reading (staleAfter, 3 polls): c and d end at their last sighting.
    const open = await store.openState();
    expect(open.intervals.map((i) => i.userId).sort()).toEqual(['id-a', 'id-b', 'id-e', 'id-f']);
    const stale = (await store.sessions(all)).filter((s) => s.endReason === 'stale');
    expect(stale.map((s) => [s.userId, s.endedAt!.getTime()])).toEqual([
      ['id-c', T0],
      ['id-d', T0],
    ]);

    provider.failing.add('id-a');
    provider.failing.add('id-e');
    clock.advance(MIN);
    const none = await tracker.runOnce();
    expect(none).toMatchObject({ skipped: 'provider-error', samples: 0 });
    expect(none.unread).toBeUndefined();
    // One error a poll, however many of its batches failed.
    expect(errors).toHaveLength(5);
    expect((await store.counters!())['polls.provider-error']).toBe(1);
    await tracker.stop();
  });

  test('a stop during a poll reads no further batch; the stop closes everyone', async () => {
    const clock = manualClock(T0);
    const provider = recordingProvider(clock);
    const store = memoryStore();
    const tracker = createTracker({ provider, store, users: USERS, clock, pollBatchSize: 2 });
    await tracker.runOnce();
    clock.advance(MIN);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let secondBegun!: () => void;
    const second = new Promise<void>((r) => (secondBegun = r));
    const read = provider.getPresence;
    provider.getPresence = async (ids) => {
      if (ids[0] === 'id-c') {
        secondBegun();
        await held;
      }
      return read(ids);
    };
    provider.calls.length = 0;
    const polled = tracker.runOnce();
    await second;
    const stopped = tracker.stop();
    await vi.waitFor(() => expect(tracker.state).toBe('stopping'));
    release();
    const result = await polled;
    await stopped;

    expect(provider.calls).toEqual([
      ['id-a', 'id-b'],
      ['id-c', 'id-d'],
    ]);
    expect(result).toMatchObject({ samples: 4, unread: 2 });
    expect(await store.openState()).toEqual({ runs: [], intervals: [], sessions: [] });
    const sessions = await store.sessions(all);
    expect(sessions.map((s) => [s.userId, s.endReason, s.lastSeenAt.getTime()])).toEqual([
      ['id-a', 'stopped', T0 + MIN],
      ['id-b', 'stopped', T0 + MIN],
      ['id-c', 'stopped', T0 + MIN],
      ['id-d', 'stopped', T0 + MIN],
      ['id-e', 'stopped', T0],
      ['id-f', 'stopped', T0],
    ]);
  });

  test("a window's end and a stop close everyone a batch at a time, each batch its own write", async () => {
    const clock = manualClock(T0);
    const provider = recordingProvider(clock);
    const store = recordingStore();
    const schedule = { timeZone: 'UTC', windows: [{ days: [1], start: '09:00', end: '09:30' }] };
    const tracker = createTracker({
      ...{ provider, store, users: USERS, clock, pollBatchSize: 4, schedule },
      pollInterval: 30 * MIN,
    });
    await tracker.runOnce();
    store.writes.length = 0;
    clock.advance(45 * MIN);
    const closed = await tracker.runOnce();
    const closing = (w: PollWrite) => [...new Set(w.effects.map((e) => e.userId))];
    // Six people in batches of three: an interval and a session closed for each, at the window's end.
    expect(store.writes.map(closing)).toEqual([
      ['id-a', 'id-b', 'id-c'],
      ['id-d', 'id-e', 'id-f'],
    ]);
    const ends = store.writes.flatMap((w) => w.effects).filter((e) => e.type === 'session.close');
    expect(ends.map((e) => [e.reason, e.endedAt.getTime()])).toEqual(
      Array(6).fill(['window', T0 + 30 * MIN]),
    );
    expect(closed).toMatchObject({ skipped: 'outside-window', samples: 0, effects: 12 });

    clock.set(new Date(T0 + 7 * 24 * 60 * MIN)); // the next Monday's window
    await tracker.runOnce();
    store.writes.length = 0;
    await tracker.stop();
    expect(store.writes.map(closing)).toEqual([
      ['id-a', 'id-b', 'id-c'],
      ['id-d', 'id-e', 'id-f'],
    ]);
    expect(await store.openState()).toEqual({ runs: [], intervals: [], sessions: [] });
  });

  test('while the store is away the batches are spooled, the store tried once a poll, and they land in order', async () => {
    const clock = manualClock(T0);
    const spool = join(dir, 'away.jsonl');
    const provider = recordingProvider(clock);
    const store = recordingStore();
    const make = () =>
      createTracker({ provider, store, users: USERS, clock, pollBatchSize: 2, spool: { path: spool } });
    const first = make();
    const errors: Error[] = [];
    first.on('error', (e) => errors.push(e));
    await first.runOnce();
    store.down = true;
    store.tried = 0;
    clock.advance(MIN);
    const result = await first.runOnce();
    expect(result).toMatchObject({ samples: 6 });
    expect(store.tried).toBe(1);
    expect(errors.map((e) => e.message)).toEqual(['connection lost']);
    const spooled = readFileSync(spool, 'utf8').trim().split('\n');
    expect(spooled).toHaveLength(3);

    // The store comes back: the next poll writes the three batches first, in order, then its own.
    store.down = false;
    store.writes.length = 0;
    clock.advance(MIN);
    await first.runOnce();
    expect(store.writes.map((w) => [w.at.getTime(), userIds(w)])).toEqual([
      [T0 + MIN, ['id-a', 'id-b']],
      [T0 + MIN, ['id-c', 'id-d']],
      [T0 + MIN, ['id-e', 'id-f']],
      [T0 + 2 * MIN, ['id-a', 'id-b']],
      [T0 + 2 * MIN, ['id-c', 'id-d']],
      [T0 + 2 * MIN, ['id-e', 'id-f']],
    ]);
    expect(readFileSync(spool, 'utf8')).toBe('');
    const samples = await store.samples!(all);
    expect(samples.filter((s) => s.observedAt.getTime() === T0 + MIN)).toHaveLength(6);
    await first.stop();
  });

  test('trackers sharing people renew their leases once a poll, and fence every batch they write', async () => {
    const clock = manualClock(T0);
    const provider = simulatedProvider({ users: 40, seed: 3, clock });
    const group = memoryCoordination({ shards: 8, leaseTtl: 3 * MIN });
    const store = recordingStore(memoryStore({ fencing: group }));
    const beats = new Map<string, number>();
    const member = (owner: string) => {
      const m = group.member(owner);
      return {
        ...m,
        owner: m.owner,
        shards: m.shards,
        heartbeat: (at: Date) => {
          beats.set(owner, (beats.get(owner) ?? 0) + 1);
          return m.heartbeat(at);
        },
      };
    };
    const make = (owner: string) =>
      createTracker({
        provider,
        store,
        users: 'discover',
        clock,
        pollInterval: MIN,
        pollBatchSize: 3,
        coordination: member(owner),
      });
    const a = make('a');
    const b = make('b');
    await a.runOnce();
    await b.runOnce();
    beats.clear();
    store.writes.length = 0;
    for (let n = 0; n < 3; n++) {
      clock.advance(MIN);
      await a.runOnce();
      await b.runOnce();
    }
    expect(Object.fromEntries(beats)).toEqual({ a: 3, b: 3 });
    const byOwner = new Map<string, Set<string>>([
      ['a', new Set()],
      ['b', new Set()],
    ]);
    for (const w of store.writes) {
      expect(w.fence).toBeDefined();
      for (const id of userIds(w)) byOwner.get(w.fence!.owner)!.add(id);
      expect(userIds(w).length).toBeLessThanOrEqual(3);
    }
    const [ofA, ofB] = [[...byOwner.get('a')!], [...byOwner.get('b')!]];
    expect(ofA.filter((id) => byOwner.get('b')!.has(id))).toEqual([]);
    expect(ofA.length + ofB.length).toBe(40);
    expect(store.writes.length).toBeGreaterThan(6);
    await a.stop();
    await b.stop();
  });
});
