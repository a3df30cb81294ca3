import { expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker } from '../tracker/index.ts';
import { memoryCoordination, shardOf } from './coordination.ts';

const MIN = 60_000;

// FNV-1a 32-bit reference values from the published FNV test vectors (offset basis 0x811c9dc5, prime
// 0x01000193); another process or language hashing the same id must land on the same shard.
const FNV1A_32: [string, number][] = [
  ['', 0x811c9dc5],
  ['a', 0xe40c292c],
  ['b', 0xe70c2de5],
  ['foo', 0xa9f37ed7],
  ['foobar', 0xbf9cf968],
  ['chongo was here!\n', 0xd49930d5],
];

test('shardOf is the FNV-1a 32-bit hash of the id, modulo the number of shards', () => {
  for (const [id, hash] of FNV1A_32) {
    // With 2^32 shards the modulo keeps the whole hash.
    expect(shardOf(id, 2 ** 32), id).toBe(hash);
    expect(shardOf(id, 64), id).toBe(hash % 64);
    expect(shardOf(id, 7), id).toBe(hash % 7);
  }
  expect([shardOf('foobar', 64), shardOf('a', 64), shardOf('', 7)]).toEqual([40, 44, 2]);
});

test('shardOf is stable and spreads users', () => {
  expect(shardOf('user-1', 16)).toBe(shardOf('user-1', 16));
  const counts = new Array(16).fill(0);
  for (let i = 0; i < 1600; i++) counts[shardOf(`user-${i}`, 16)]++;
  expect(Math.min(...counts)).toBeGreaterThan(60);
});

test('two trackers split the users, and one takes over when the other dies', async () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const provider = simulatedProvider({ users: 40, seed: 4, clock });
  const group = memoryCoordination({ shards: 8, leaseTtl: 3 * MIN });
  const store = memoryStore({ fencing: group });
  const make = (owner: string) =>
    createTracker({
      provider,
      store,
      users: 'discover',
      clock,
      pollInterval: MIN,
      coordination: group.member(owner),
    });
  const a = make('a');
  const b = make('b');
  const polled = new Map<string, Set<string>>([
    ['a', new Set()],
    ['b', new Set()],
  ]);
  a.on('sample', (s) => polled.get('a')!.add(s.userId));
  b.on('sample', (s) => polled.get('b')!.add(s.userId));

  for (let m = 0; m < 5; m++) {
    await a.runOnce();
    await b.runOnce();
    clock.advance(MIN);
  }
  // Both hold a fair share once b has joined, and no user is polled by both in the same minute.
  expect(a.shards.length).toBe(4);
  expect(b.shards.length).toBe(4);
  const overlap = [...polled.get('a')!].filter(
    (u) => a.shards.includes(shardOf(u, 8)) && b.shards.includes(shardOf(u, 8)),
  );
  expect(overlap).toEqual([]);

  // b dies: it stops polling without a word. After leaseTtl, a holds every shard and tracks everyone.
  const died = clock.now();
  for (let m = 0; m < 6; m++) {
    await a.runOnce();
    clock.advance(MIN);
  }
  expect(a.shards.length).toBe(8);
  expect(group.holders(clock.now()).every((h) => h === 'a')).toBe(true);
  await a.stop();

  // b's users' sessions were closed as recovered at their last sighting, before the takeover.
  const sessions = await store.sessions({ from: new Date(0), to: clock.now() });
  const recovered = sessions.filter((s) => s.endReason === 'recovered');
  expect(recovered.length).toBeGreaterThan(0);
  for (const s of recovered) expect(s.endedAt!.getTime()).toBeLessThan(died.getTime());
  // Nobody ever has two sessions at once.
  const byUser = Map.groupBy(sessions, (s) => s.userId);
  for (const list of byUser.values()) {
    list.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
    for (let i = 1; i < list.length; i++) expect(list[i]!.startedAt >= list[i - 1]!.endedAt!).toBe(true);
  }
  expect(await store.openState()).toMatchObject({ intervals: [], sessions: [] });
});

test('a clean stop hands the shards over at once', async () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const provider = simulatedProvider({ users: 10, clock });
  const group = memoryCoordination({ shards: 4, leaseTtl: 10 * MIN });
  const store = memoryStore({ fencing: group });
  const a = createTracker({ provider, store, users: 'discover', clock, coordination: group.member('a') });
  const b = createTracker({ provider, store, users: 'discover', clock, coordination: group.member('b') });
  // A newcomer gets its share once the holder has given up the surplus at its next heartbeat.
  await a.runOnce();
  await b.runOnce();
  await a.runOnce();
  await b.runOnce();
  expect([a.shards.length, b.shards.length]).toEqual([2, 2]);
  await a.stop();
  clock.advance(MIN);
  await b.runOnce();
  expect(b.shards.length).toBe(4);
  await b.stop();
});

test('shards gained while users cannot be resolved are recovered once they can', async () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const provider = simulatedProvider({ users: 12, seed: 2, clock });
  const group = memoryCoordination({ shards: 4, leaseTtl: 2 * MIN });
  const store = memoryStore({ fencing: group });
  let failing = true;
  const flaky = {
    ...provider,
    discoverUsers: async () => {
      if (failing) throw new Error('directory unavailable');
      return provider.discoverUsers!();
    },
  };
  const a = createTracker({ provider, store, users: 'discover', clock, coordination: group.member('a') });
  const b = createTracker({
    provider: flaky,
    store,
    users: 'discover',
    clock,
    coordination: group.member('b'),
  });
  const errors: Error[] = [];
  b.on('error', (e) => errors.push(e));
  await a.runOnce();
  await b.runOnce(); // b joins; a still holds every shard until its next heartbeat
  await a.runOnce();
  await b.runOnce();
  expect(b.shards.length).toBeGreaterThan(0);
  // a dies holding the rest, with sessions open; b takes its shards while it still knows no users.
  clock.advance(3 * MIN);
  expect((await b.runOnce()).skipped).toBe('no-users');
  expect(b.shards.length).toBe(4);
  failing = false;
  clock.advance(MIN);
  await b.runOnce();
  clock.advance(MIN);
  await b.runOnce();
  await b.stop();
  expect(errors.map((e) => e.message).filter((m) => !m.includes('directory'))).toEqual([]);
  const sessions = await store.sessions({ from: new Date(0), to: clock.now() });
  expect(sessions.some((s) => s.endReason === 'recovered')).toBe(true);
  expect(await store.openState()).toMatchObject({ intervals: [], sessions: [] });
});

test('a tracker refuses coordination with a store that cannot fence writes', () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const provider = simulatedProvider({ users: 4, clock });
  const group = memoryCoordination({ shards: 4 });
  const make = (store: ReturnType<typeof memoryStore>) =>
    createTracker({ provider, store, users: 'discover', clock, coordination: group.member('a') });
  expect(() => make(memoryStore())).toThrow(/coordination: expected a store that fences writes/);
  expect(make(memoryStore({ fencing: group }))).toBeDefined();
});

test('the memory store fences a write whose writer lost its lease', async () => {
  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const group = memoryCoordination({ shards: 1, leaseTtl: MIN });
  const store = memoryStore({ fencing: group });
  const run = await store.startRun(clock.now());
  const [lease] = await group.member('a').heartbeat(clock.now());
  const write = (owner: string, at: Date) =>
    store.writePoll({
      runId: run.id,
      at,
      samples: [],
      effects: [{ type: 'seen', userId: 'u1', at, present: true }],
      fence: { owner, leases: [lease!] },
    });
  await write('a', clock.now());
  clock.advance(2 * MIN);
  await group.member('b').heartbeat(clock.now());
  await expect(write('a', clock.now())).rejects.toMatchObject({ code: 'STORE_FENCED' });
});
