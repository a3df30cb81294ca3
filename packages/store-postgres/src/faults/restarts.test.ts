import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTracker,
  manualClock,
  memoryStore,
  type PresenceStore,
  simulatedProvider,
  type Tracker,
} from '@presence-tracker/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { postgresStore } from '../postgres-store.ts';
import { freshSchema, startTestServer, type TestServer } from '../testing/server.ts';
import type { FromTracker, ToTracker, TrackerProcessConfig } from './__fixtures__/polling-tracker.ts';

// Stops and starts the server, so it always runs its own, even when DATABASE_URL is set.
let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'presence-tracker-faults-'));
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startTestServer({ embedded: true });
}, 180_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

const SCRIPT = join(import.meta.dirname, '__fixtures__', 'polling-tracker.ts');
const DAY = Date.UTC(2026, 2, 4); // a Wednesday
const POLL = 5 * 60_000;
const USERS = 40;
const SEED = 23;

/**
 * A tracker in a child process, polled in lockstep; its death by anything but our SIGKILL fails the
 * test. It is started before it is needed, since loading takes seconds on a busy machine.
 */
function trackerProcess() {
  const stderr: string[] = [];
  const child = fork(SCRIPT, [], {
    execArgv: ['--conditions=@presence-tracker/source'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const ask = async (message: ToTracker): Promise<FromTracker> => {
    child.send(message);
    return Promise.race([
      once(child, 'message').then(([m]) => m as FromTracker),
      exited.then(([code, signal]) => {
        throw new Error(`the tracker process died (${code ?? signal}): ${stderr.join('')}`);
      }),
    ]);
  };
  return {
    configure: (config: TrackerProcessConfig) => child.send(config),
    poll: async (at: number) => (await ask({ type: 'poll', at })) as Extract<FromTracker, { type: 'polled' }>,
    stop: async () => {
      await ask({ type: 'stop' });
      const [code] = await exited;
      expect({ code, stderr: stderr.join('') }).toEqual({ code: 0, stderr: '' });
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
const first = trackerProcess();
const standby = trackerProcess();

test('a tracker polling through a dozen server restarts, killed during an outage, ends with every reading in the store', async () => {
  const schema = freshSchema('faults');
  const config: TrackerProcessConfig = {
    connectionString: server.connectionString,
    schema,
    spool: join(dir, 'writes.spool'),
    users: USERS,
    seed: SEED,
    pollInterval: POLL,
    mergeGap: 2 * POLL,
    startAt: DAY + 7 * 3_600_000,
  };
  // The same polls against a memory store, never faulted except for the same kill.
  const reference = memoryStore();
  const clock = manualClock(config.startAt);
  const referenceTracker = () =>
    createTracker({
      provider: simulatedProvider({ users: USERS, seed: SEED, clock }),
      store: reference,
      users: 'discover',
      clock,
      pollInterval: POLL,
      policy: { mergeGap: 2 * POLL },
    });

  let at = config.startAt;
  let tracker = first;
  tracker.configure(config);
  let inMemory: Tracker = referenceTracker();
  const held: string[] = [];
  /** One poll on both; the real one may be racing a restart. */
  const poll = async () => {
    clock.set(at);
    await inMemory.runOnce();
    const result = await tracker.poll(at);
    at += POLL;
    return result;
  };
  const polls = async (n: number) => {
    for (let i = 0; i < n; i++) await poll();
  };

  await polls(5);
  for (let restart = 0; restart < 12; restart++) {
    if (restart % 3 === 2) {
      // An outage across polls: their writes are held (and spooled), then written once it is back.
      await server.stop(restart % 2 === 0 ? 'fast' : 'immediate');
      for (let i = 0; i < 2; i++) held.push(...(await poll()).errors);
      if (restart === 5) {
        // Killed while writes are held: only the spool still has them.
        await tracker.kill();
        // The reference tracker is abandoned as the process was: the next one recovers what it left.
        inMemory = referenceTracker();
        await server.start();
        tracker = standby;
        tracker.configure({ ...config, startAt: at });
      } else await server.start();
    } else {
      // A fast restart under a poll in flight, stopping at a different moment of the write each time.
      const pending = poll();
      await new Promise((r) => setTimeout(r, restart * 7));
      await server.stop(restart % 2 === 0 ? 'fast' : 'immediate');
      await server.start();
      await pending;
    }
    await polls(4);
  }
  await inMemory.stop();
  await tracker.stop();

  // The outages were real: writes were held.
  expect(held.length).toBeGreaterThan(0);
  expect(held.every((m) => /could not be reached/.test(m))).toBe(true);

  const store = postgresStore({ connectionString: server.connectionString, schema });
  const range = { from: new Date(DAY), to: new Date(DAY + 86_400_000) };
  const samples = async (s: PresenceStore) =>
    (await s.samples(range)).map((x) => `${x.userId} ${x.observedAt.toISOString()} ${x.status}`).sort();
  const intervals = async (s: PresenceStore) =>
    (await s.intervals(range)).map((i) => [i.userId, i.status, i.startedAt.getTime(), i.endedAt?.getTime()]);
  const sessions = async (s: PresenceStore) =>
    (await s.sessions(range)).map((x) => [
      x.userId,
      x.startedAt.getTime(),
      x.endedAt?.getTime(),
      x.lastSeenAt.getTime(),
      x.endReason,
    ]);
  try {
    const expected = await samples(reference);
    expect(expected.length).toBe(USERS * ((at - config.startAt) / POLL));
    expect(await samples(store)).toEqual(expected);
    expect(await intervals(store)).toEqual(await intervals(reference));
    const expectedSessions = await sessions(reference);
    // The kill left sessions open that the next tracker closed at their last sighting.
    expect(expectedSessions.filter((x) => x[4] === 'recovered').length).toBeGreaterThan(0);
    expect(await sessions(store)).toEqual(expectedSessions);
    expect((await store.runs(range)).length).toBe(2);
    expect(await store.openState()).toEqual({ runs: [], intervals: [], sessions: [] });
  } finally {
    await store.close();
  }
}, 180_000);
