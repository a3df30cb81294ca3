import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Interval } from '@presence-tracker/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type PostgresStore, postgresStore } from '../postgres-store.ts';
import { dropSchemas, freshSchema, startTestServer, type TestServer } from '../testing/server.ts';
import type { LogLine, ProcessConfig } from './__fixtures__/tracker-process.ts';

const SCRIPT = join(import.meta.dirname, '__fixtures__', 'tracker-process.ts');
const SHARDS = 16;
const USERS = 300;
const POLL = 200;
const TTL = 3_000;
/** What a loaded two-core machine may add to a heartbeat or a poll. */
const SLACK = 1_500;

let server: TestServer;
let store: PostgresStore;
const schema = freshSchema('procs');
const dir = mkdtempSync(join(tmpdir(), 'presence-tracker-leases-'));
const children = new Map<string, ChildProcess>();

beforeAll(async () => {
  server = await startTestServer();
  store = postgresStore({ connectionString: server.connectionString, schema });
  await store.init();
});

afterAll(async () => {
  for (const child of children.values())
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await store?.close();
  if (server) {
    await dropSchemas(server.connectionString, [schema]).catch(() => {});
    await server.dispose();
  }
  rmSync(dir, { recursive: true, force: true });
});

const logOf = (owner: string) => join(dir, `${owner}.jsonl`);

function launch(owner: string) {
  const config: ProcessConfig = {
    connectionString: server.connectionString,
    schema,
    owner,
    users: USERS,
    shards: SHARDS,
    leaseTtl: TTL,
    pollInterval: POLL,
    log: logOf(owner),
  };
  const stderr: string[] = [];
  const child = spawn(
    process.execPath,
    ['--conditions=@presence-tracker/source', SCRIPT, JSON.stringify(config)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL')
      console.error(`tracker ${owner} exited ${code ?? signal}: ${stderr.join('')}`);
  });
  children.set(owner, child);
}

function lines(owner: string): LogLine[] {
  if (!existsSync(logOf(owner))) return [];
  return readFileSync(logOf(owner), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogLine);
}
const all = () => [...children.keys()].flatMap(lines);
const beats = (owner: string) => lines(owner).filter((l) => l.kind === 'beat');
const polls = (owner: string) => lines(owner).filter((l) => l.kind === 'poll');
const lastShards = (owner: string) =>
  beats(owner)
    .at(-1)
    ?.leases.map((l) => l.shard) ?? [];

async function until(what: string, ok: () => boolean, timeout = 30_000) {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first time, after `since`, that each of `shards` was polled by one of `owners`. */
function firstPolledAfter(since: number, shards: number[], owners: string[]): Map<number, number> {
  const first = new Map<number, number>();
  for (const p of owners.flatMap(polls).sort((x, y) => x.start - y.start)) {
    if (p.start < since) continue;
    for (const s of p.shards) if (shards.includes(s) && !first.has(s)) first.set(s, p.start);
  }
  return first;
}

const exited = (owner: string) =>
  new Promise<void>((resolve) => {
    const child = children.get(owner)!;
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

test('three tracker processes share the users: one holder at a time, takeover within the lease, clean handover at once', async () => {
  for (const owner of ['a', 'b', 'c']) launch(owner);
  const fair = Math.ceil(SHARDS / 3);
  // Starting a process that loads the library from source takes seconds on a busy machine.
  await until(
    'the three trackers hold fair shares',
    () => {
      const held = ['a', 'b', 'c'].map(lastShards);
      return held.every((h) => h.length > 0 && h.length <= fair) && held.flat().length === SHARDS;
    },
    180_000,
  );
  await new Promise((r) => setTimeout(r, 1_500));

  // c dies without a word.
  const cShards = lastShards('c');
  const cLastBeat = beats('c').at(-1)!.now;
  const killedAt = Date.now();
  children.get('c')!.kill('SIGKILL');
  await exited('c');
  await until(
    'c’s shards are polled by the others',
    () => firstPolledAfter(killedAt, cShards, ['a', 'b']).size === cShards.length,
  );
  const takenOver = firstPolledAfter(killedAt, cShards, ['a', 'b']);
  const takeover = Math.max(...takenOver.values()) - killedAt;
  console.log(`takeover after SIGKILL: ${takeover} ms (lease ${TTL} ms, poll ${POLL} ms)`);
  // Not before c's leases ran out, and not much after.
  for (const at of takenOver.values()) expect(at).toBeGreaterThanOrEqual(cLastBeat + TTL);
  expect(takeover).toBeLessThanOrEqual(TTL + POLL + SLACK);

  await until('a and b hold every shard', () => lastShards('a').length + lastShards('b').length === SHARDS);
  await new Promise((r) => setTimeout(r, 1_000));

  // b stops cleanly: its shards go to a at a's next heartbeat, long before b's leases would expire.
  const bShards = lastShards('b');
  const bLastBeat = () => beats('b').at(-1)!.now;
  const stopAt = Date.now();
  children.get('b')!.kill('SIGTERM');
  await exited('b');
  expect(children.get('b')!.exitCode).toBe(0);
  await until('a polls b’s shards', () => firstPolledAfter(stopAt, bShards, ['a']).size === bShards.length);
  const handedOver = firstPolledAfter(stopAt, bShards, ['a']);
  const handover = Math.max(...handedOver.values()) - stopAt;
  console.log(`handover after a clean stop: ${handover} ms`);
  for (const at of handedOver.values()) expect(at).toBeLessThan(bLastBeat() + TTL);

  await new Promise((r) => setTimeout(r, 500));
  children.get('a')!.kill('SIGTERM');
  await exited('a');
  const endedAt = Date.now();

  // Nothing went wrong in any tracker: no fenced write, no failed heartbeat, a clean exit.
  expect(all().filter((l) => l.kind === 'error')).toEqual([]);
  expect(children.get('a')!.exitCode).toBe(0);

  // Every poll asked only for users of shards its tracker held, and each hand of a shard (its
  // generation) belonged to one tracker, whose polls ended before the next hand's began.
  type Hand = { owner: string; from: number; lastPoll: number };
  const hands = new Map<string, Hand>();
  for (const owner of children.keys()) {
    let held = new Set<number>();
    let leases: { shard: number; generation: number }[] = [];
    for (const l of lines(owner)) {
      if (l.kind === 'beat') {
        held = new Set(l.leases.map((x) => x.shard));
        leases = l.leases;
        for (const x of l.leases) {
          const key = `${x.shard}/${x.generation}`;
          const hand = hands.get(key);
          if (hand) expect(hand.owner).toBe(owner);
          else hands.set(key, { owner, from: l.got, lastPoll: l.got });
        }
      } else if (l.kind === 'poll') {
        for (const s of l.shards) expect(held.has(s)).toBe(true);
        for (const x of leases) hands.get(`${x.shard}/${x.generation}`)!.lastPoll = l.end;
      }
    }
  }
  for (let shard = 0; shard < SHARDS; shard++) {
    const ofShard = [...hands.entries()]
      .filter(([key]) => key.startsWith(`${shard}/`))
      .map(([key, hand]) => ({ generation: Number(key.split('/')[1]), ...hand }))
      .sort((x, y) => x.generation - y.generation);
    for (let i = 1; i < ofShard.length; i++) {
      if (ofShard[i]!.owner !== ofShard[i - 1]!.owner)
        expect(ofShard[i - 1]!.lastPoll).toBeLessThanOrEqual(ofShard[i]!.from);
    }
  }

  // The store agrees: no user ever had two sessions or two intervals at once, nothing is left open,
  // and no user's observed time has a hole longer than the lease (plus a poll and some slack).
  const from = new Date(0);
  const to = new Date(endedAt + 1_000);
  const sessions = await store.sessions({ from, to });
  const intervals = await store.intervals({ from, to });
  expect(intervals.length).toBeGreaterThan(USERS);
  const periods: { userId: string; startedAt: Date; endedAt: Date | null }[][] = [sessions, intervals];
  for (const list of periods) {
    for (const mine of Map.groupBy(list, (x) => x.userId).values()) {
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.startedAt >= mine[i - 1]!.endedAt!).toBe(true);
    }
  }
  expect(await store.openState()).toMatchObject({ intervals: [], sessions: [] });
  const worstGap = (users: (id: string) => boolean) => {
    let worst = 0;
    for (const mine of Map.groupBy(intervals, (x: Interval) => x.userId).entries()) {
      if (!users(mine[0])) continue;
      const list = mine[1];
      for (let i = 1; i < list.length; i++) {
        worst = Math.max(worst, list[i]!.startedAt.getTime() - list[i - 1]!.endedAt!.getTime());
      }
    }
    return worst;
  };
  const users = await store.users();
  expect(users.length).toBe(USERS);
  const { shardOf } = await import('@presence-tracker/core');
  const wasCs = (id: string) => cShards.includes(shardOf(id, SHARDS));
  const killedGap = worstGap(wasCs);
  const otherGap = worstGap((id) => !wasCs(id));
  console.log(`longest unobserved gap: ${killedGap} ms for c's users, ${otherGap} ms for the others`);
  expect(killedGap).toBeLessThanOrEqual(TTL + POLL + SLACK);
  // Users who only ever moved by clean handovers and rebalancing lost far less than a lease.
  expect(otherGap).toBeLessThan(TTL);
  // c's users' sessions open at the kill were closed as recovered, at or before the kill.
  for (const s of sessions.filter((x) => x.endReason === 'recovered')) {
    expect(s.endedAt!.getTime()).toBeLessThanOrEqual(killedAt);
  }
}, 180_000);
