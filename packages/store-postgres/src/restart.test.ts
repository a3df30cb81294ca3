import {
  createTracker,
  manualClock,
  memoryStore,
  type PresenceStore,
  silentLogger,
  simulatedProvider,
  type Tracker,
} from '@presence-tracker/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { postgresStore } from './postgres-store.ts';
import { freshSchema, startTestServer, type TestServer } from './testing/server.ts';

// This test stops and starts the server, so it always runs its own, even when DATABASE_URL is set.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ embedded: true });
});

afterAll(async () => {
  await server?.dispose();
});

const DAY = Date.UTC(2026, 2, 3); // a Tuesday
const POLL = 5 * 60_000;

test('a server restart in the middle of a run loses nothing the tracker handed the store', async () => {
  const clock = manualClock(DAY + 7 * 3_600_000);
  const retries: string[] = [];
  const track = (store: PresenceStore) =>
    createTracker({
      provider: simulatedProvider({ users: 25, seed: 11, clock }),
      store,
      users: 'discover',
      clock,
      pollInterval: POLL,
      policy: { mergeGap: 2 * POLL },
    });
  // The store's waits go through this sleep: while `gate` is shut they last until the test opens it
  // (the server is back), so no window of wall-clock time has to outlast a restart on a busy machine.
  let gate: Promise<void> = Promise.resolve();
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    await gate;
  };
  let retried: (() => void) | undefined;
  const pg = postgresStore({
    connectionString: server.connectionString,
    schema: freshSchema('restart'),
    sleep,
    logger: {
      ...silentLogger,
      warn: (_fields, message) => {
        retries.push(message ?? '');
        if (message === 'database unreachable, retrying') retried?.();
      },
    },
  });
  const reference = memoryStore();
  const onPostgres = track(pg);
  const inMemory = track(reference);
  const errors: Error[] = [];
  onPostgres.on('error', (e) => errors.push(e));

  const poll = async (tracker: Tracker) => {
    const result = await tracker.runOnce();
    expect(result.skipped).toBeUndefined();
  };
  const both = async () => {
    await poll(inMemory);
    await poll(onPostgres);
    clock.advance(POLL);
  };

  for (let i = 0; i < 30; i++) await both();

  // The server goes away under a poll and comes back while the store is still trying.
  await server.stop();
  let open = () => {};
  gate = new Promise((resolve) => (open = resolve));
  const firstRetry = new Promise<void>((resolve) => (retried = resolve));
  const pending = onPostgres.runOnce();
  await firstRetry;
  await server.start();
  open();
  expect((await pending).skipped).toBeUndefined();
  await poll(inMemory);
  clock.advance(POLL);
  expect(errors).toEqual([]);
  expect(retries).toContain('database unreachable, retrying');

  for (let i = 0; i < 30; i++) await both();

  // Down for longer than the store waits (its waits pass at once now): the polls fail, the runtime
  // keeps their writes, and the first poll after the server is back writes them all.
  await server.stop();
  waits.length = 0;
  for (let i = 0; i < 2; i++) {
    await onPostgres.runOnce();
    await poll(inMemory);
    clock.advance(POLL);
  }
  expect(errors.length).toBeGreaterThanOrEqual(2);
  expect(errors.every((e) => /could not be reached after 10 attempts/.test(e.message))).toBe(true);
  // Each failed call waited out the default schedule: 9 waits from 250 ms doubling to 5 s, jittered.
  expect(waits.length % 9).toBe(0);
  expect(waits.length).toBeGreaterThanOrEqual(18);
  await server.start();

  for (let i = 0; i < 90; i++) await both();
  await inMemory.stop();
  await onPostgres.stop();

  const range = { from: new Date(DAY), to: new Date(DAY + 86_400_000) };
  const intervals = async (store: PresenceStore) =>
    (await store.intervals(range)).map((i) => [
      i.userId,
      i.status,
      i.startedAt.getTime(),
      i.endedAt?.getTime(),
      i.raw,
    ]);
  const sessions = async (store: PresenceStore) =>
    (await store.sessions(range)).map((s) => [
      s.userId,
      s.startedAt.getTime(),
      s.endedAt?.getTime(),
      s.lastSeenAt.getTime(),
      s.endReason,
    ]);
  const expectedIntervals = await intervals(reference);
  const expectedSessions = await sessions(reference);
  expect(expectedSessions.length).toBeGreaterThan(20);
  expect(await intervals(pg)).toEqual(expectedIntervals);
  expect(await sessions(pg)).toEqual(expectedSessions);
  expect((await pg.samples(range)).length).toBe((await reference.samples(range)).length);
  expect(await pg.openState()).toEqual({ runs: [], intervals: [], sessions: [] });
  await pg.close();
});
