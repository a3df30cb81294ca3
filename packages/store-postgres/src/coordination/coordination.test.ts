import {
  ConfigError,
  createTracker,
  manualClock,
  type PollWrite,
  type ShardLease,
  StoreError,
  shardOf,
  simulatedProvider,
} from '@presence-tracker/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PostgresStore, postgresStore } from '../postgres-store.ts';
import { dropSchemas, freshSchema, startTestServer, type TestServer } from '../testing/server.ts';
import { checkFence } from './fence.ts';
import { type PostgresCoordination, postgresCoordination } from './postgres-coordination.ts';

let server: TestServer;
const schemas: string[] = [];
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const c of closing.reverse()) await c.close().catch(() => {});
  if (server) {
    await dropSchemas(server.connectionString, schemas).catch(() => {});
    await server.dispose();
  }
});

const T0 = Date.UTC(2026, 2, 3, 9);
const at = (ms: number) => new Date(T0 + ms);
const TTL = 10_000;

const newSchema = () => {
  const schema = freshSchema('lease');
  schemas.push(schema);
  return schema;
};

/** Members of one group, each as its own tracker process would make it. */
const groupIn = (schema: string, shards = 8, leaseTtl = TTL) => ({
  member(owner: string): PostgresCoordination {
    const c = postgresCoordination({
      connectionString: server.connectionString,
      schema,
      owner,
      shards,
      leaseTtl,
    });
    closing.push(c);
    return c;
  },
});

const openStore = (schema: string): PostgresStore => {
  const store = postgresStore({ connectionString: server.connectionString, schema });
  closing.push(store);
  return store;
};

const shardsOf = (leases: ShardLease[]) => leases.map((l) => l.shard);

describe('heartbeat', () => {
  test('a lone tracker claims every shard, each handed out once', async () => {
    const a = groupIn(newSchema()).member('a');
    const leases = await a.heartbeat(at(0));
    expect(leases).toEqual(Array.from({ length: 8 }, (_, shard) => ({ shard, generation: 1 })));
    // Renewing keeps the same generations: nothing changed hands.
    expect(await a.heartbeat(at(1000))).toEqual(leases);
    const holders = await a.holders(at(1000));
    expect(holders.every((h) => h.owner === 'a' && h.leaseUntil?.getTime() === T0 + 1000 + TTL)).toBe(true);
  });

  test('newcomers get a fair share once the holders release their surplus, and nobody holds a shard twice', async () => {
    const group = groupIn(newSchema());
    const [a, b, c] = ['a', 'b', 'c'].map((o) => group.member(o)) as [
      PostgresCoordination,
      PostgresCoordination,
      PostgresCoordination,
    ];
    await a.heartbeat(at(0));
    // b counts from its first heartbeat, but every shard is a's until a gives some up.
    expect(await b.heartbeat(at(100))).toEqual([]);
    expect(shardsOf(await a.heartbeat(at(200)))).toEqual([0, 1, 2, 3]);
    const bLeases = await b.heartbeat(at(300));
    expect(shardsOf(bLeases)).toEqual([4, 5, 6, 7]);
    // Each shard b took changed hands twice: claimed by a, then by b.
    expect(bLeases.every((l) => l.generation === 2)).toBe(true);

    await c.heartbeat(at(400));
    let held: ShardLease[][] = [];
    for (let round = 0; round < 2; round++) {
      held = [];
      for (const [i, m] of [a, b, c].entries()) held.push(await m.heartbeat(at(500 + round * 300 + i * 100)));
    }
    const counts = held.map((l) => l.length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3); // ceil(8 / 3)
    expect(counts.reduce((x, y) => x + y)).toBe(8);
    const all = held.flatMap(shardsOf);
    expect(new Set(all).size).toBe(8);
  });

  test("a silent tracker's shards are taken over when its leases expire, not before", async () => {
    const group = groupIn(newSchema());
    const a = group.member('a');
    const b = group.member('b');
    await a.heartbeat(at(0));
    await b.heartbeat(at(0));
    const aLeases = await a.heartbeat(at(1000));
    await b.heartbeat(at(1000));
    expect(aLeases.length).toBe(4);
    // a goes silent after its heartbeat at 1000: its leases run until 1000 + TTL.
    expect((await b.heartbeat(at(1000 + TTL - 1))).length).toBe(4);
    const taken = await b.heartbeat(at(1000 + TTL));
    expect(taken.length).toBe(8);
    for (const l of aLeases) {
      expect(taken.find((t) => t.shard === l.shard)?.generation).toBe(l.generation + 1);
    }
    expect((await b.holders(at(1000 + TTL))).every((h) => h.owner === 'b')).toBe(true);
  });

  test('release hands every shard over at once and leaves the group', async () => {
    const group = groupIn(newSchema());
    const a = group.member('a');
    const b = group.member('b');
    await a.heartbeat(at(0));
    await b.heartbeat(at(0));
    await a.heartbeat(at(100));
    expect((await b.heartbeat(at(100))).length).toBe(4);
    await a.release();
    expect((await a.holders(at(100))).filter((h) => h.owner === 'a')).toEqual([]);
    // At the very same instant: a no longer counts, so b's fair share is every shard.
    expect((await b.heartbeat(at(100))).length).toBe(8);
  });

  test('a shard lost while silent is not taken back in the same heartbeat, so the tracker sees it go', async () => {
    const group = groupIn(newSchema(), 4);
    const a = group.member('a');
    const b = group.member('b');
    expect(shardsOf(await a.heartbeat(at(0)))).toEqual([0, 1, 2, 3]);
    // a stalls past its leases; b takes everything over, then stops cleanly.
    expect((await b.heartbeat(at(TTL + 1))).length).toBe(4);
    await b.release();
    // Free again, but a held these shards when it last looked: it reports them gone first...
    expect(await a.heartbeat(at(TTL + 2))).toEqual([]);
    // ...and claims them afresh next time, at a new generation.
    expect(await a.heartbeat(at(TTL + 3))).toEqual([0, 1, 2, 3].map((shard) => ({ shard, generation: 3 })));
  });

  test('trackers heartbeating at the same moment never share a shard, on a fresh schema too', async () => {
    const schema = newSchema();
    const group = groupIn(schema, 16);
    const members = Array.from({ length: 5 }, (_, i) => group.member(`m${i}`));
    const store = openStore(schema);
    let last: ShardLease[][] = [];
    for (let round = 0; round < 4; round++) {
      const beats = members.map((m) => m.heartbeat(at(round * 1000)));
      if (round === 0) await store.init();
      last = await Promise.all(beats);
      const all = last.flatMap(shardsOf);
      expect(new Set(all).size).toBe(all.length);
    }
    expect(last.flatMap(shardsOf).sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(Math.max(...last.map((l) => l.length))).toBeLessThanOrEqual(4); // ceil(16 / 5)
    const rows = await store.pool.query(`select count(*)::int as n from "${schema}".shard_leases`);
    expect(rows.rows[0].n).toBe(16);
  });

  test('trackers of one group must agree on the number of shards', async () => {
    const schema = newSchema();
    await groupIn(schema, 8).member('a').heartbeat(at(0));
    const error = await groupIn(schema, 16)
      .member('b')
      .heartbeat(at(0))
      .catch((e: unknown) => e);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: 'shards', received: '16' });
    expect((error as Error).message).toContain('use 8 shards');
  });

  test('holders answers before any tracker has coordinated', async () => {
    expect(await groupIn(newSchema()).member('cli').holders()).toEqual([]);
  });
});

describe('fencing', () => {
  const session = (userId: string, ms: number) => ({
    type: 'session.open' as const,
    userId,
    startedAt: at(ms),
  });
  /** A user in `shard` of 4. */
  const userIn = (shard: number) => {
    for (let i = 0; ; i++) if (shardOf(`user-${i}`, 4) === shard) return `user-${i}`;
  };

  const setUp = async () => {
    const schema = newSchema();
    const store = openStore(schema);
    const group = groupIn(schema, 4);
    const a = group.member('a');
    const b = group.member('b');
    const run = await store.startRun(at(0));
    const write = (ms: number, fence: PollWrite['fence'], userId = userIn(0)): PollWrite => ({
      runId: run.id,
      at: at(ms),
      samples: [],
      effects: [session(userId, ms)],
      ...(fence ? { fence } : {}),
    });
    const sessions = async () => (await store.sessions({ from: at(-1), to: at(10 * TTL) })).length;
    return { schema, store, a, b, write, sessions };
  };

  const fencedBy = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).code).toBe('STORE_FENCED');
    return (error as StoreError).message;
  };

  test('a write under leases still held goes through; after a takeover the same writer is refused whole', async () => {
    const { store, a, b, write, sessions } = await setUp();
    const leases = await a.heartbeat(at(0));
    await store.writePoll(write(10, { owner: 'a', leases }));
    expect(await sessions()).toBe(1);

    await b.heartbeat(at(TTL + 1)); // a's leases have expired; b holds every shard now
    const message = await fencedBy(store.writePoll(write(TTL + 2, { owner: 'a', leases }, userIn(1))));
    expect(message).toContain('a no longer holds shard 0: it is held by b now');
    expect(await sessions()).toBe(1);
  });

  test('a lease that expired before the write, or that changed hands and came back, fences it', async () => {
    const { store, a, b, write, sessions } = await setUp();
    const leases = await a.heartbeat(at(0));
    expect(await fencedBy(store.writePoll(write(TTL, { owner: 'a', leases })))).toContain('expired');

    await b.heartbeat(at(TTL + 1));
    await b.release();
    await a.heartbeat(at(TTL + 2)); // sees its shards gone
    const again = await a.heartbeat(at(TTL + 3));
    // Same owner and same shards, but a newer generation: the old write is refused.
    expect(await fencedBy(store.writePoll(write(TTL + 4, { owner: 'a', leases })))).toContain(
      'changed hands',
    );
    await store.writePoll(write(TTL + 4, { owner: 'a', leases: again }));
    expect(await sessions()).toBe(1);
  });

  test("a write about a user outside the writer's shards is refused", async () => {
    const { store, a, b, write, sessions } = await setUp();
    await a.heartbeat(at(0));
    await b.heartbeat(at(0));
    const mine = await a.heartbeat(at(1));
    const theirs = [0, 1, 2, 3].find((s) => !shardsOf(mine).includes(s))!;
    const message = await fencedBy(store.writePoll(write(2, { owner: 'a', leases: mine }, userIn(theirs))));
    expect(message).toContain(`shard ${theirs}, the shard of user`);
    expect(await fencedBy(store.writePoll(write(2, { owner: 'a', leases: [] })))).toContain('any shard');
    // Without a fence (no coordination) the store writes as always.
    await store.writePoll(write(2, undefined, userIn(theirs)));
    expect(await sessions()).toBe(1);
  });

  test('a takeover cannot slip between the fence check and the commit', async () => {
    const { schema, store, a, b } = await setUp();
    const leases = await a.heartbeat(at(0));
    const client = await store.pool.connect();
    try {
      await client.query('begin');
      await checkFence(client, schema, {
        runId: '1',
        at: at(TTL - 1),
        samples: [],
        effects: [],
        fence: { owner: 'a', leases },
      });
      // The write still holds the lease rows: b, free to take over by now, skips them.
      expect(await b.heartbeat(at(TTL + 1))).toEqual([]);
      await client.query('commit');
    } finally {
      client.release();
    }
    expect((await b.heartbeat(at(TTL + 2))).length).toBe(4);
  });

  test('a malformed fence is refused naming the field', async () => {
    const { store, write } = await setUp();
    const bad = write(0, { owner: 'a', leases: [{ shard: 0.5, generation: 1 }] });
    const error = await store.writePoll(bad).catch((e: unknown) => e);
    expect((error as StoreError).code).toBe('STORE_INVALID');
    expect((error as Error).message).toContain('fence.leases[0].shard');
  });
});

describe('options', () => {
  test('wrong options are refused naming each field, and never echo a connection string', async () => {
    const pool = new pg.Pool({ connectionString: server.connectionString });
    closing.push({ close: () => pool.end() });
    const error = (() => {
      try {
        postgresCoordination({
          pool,
          connectionString: 'postgres://app:s3cret-pw@db.example:5432/presence',
          shards: 0,
          leaseTtl: -1,
          owner: '',
        } as never);
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'store',
      'shards',
      'leaseTtl',
      'owner',
    ]);
    expect((error as Error).message).not.toContain('s3cret');

    const store = openStore(newSchema());
    expect(() => postgresCoordination({ store, schema: 'elsewhere' })).toThrow(
      /schema: expected the store's schema/,
    );
    const c = postgresCoordination({ store });
    expect([c.schema, c.shards, c.leaseTtl]).toEqual([store.schema, 64, 30_000]);
    expect(c.owner).toMatch(new RegExp(`-${process.pid}-`));
  });
});

describe('trackers', () => {
  test('two trackers on one Postgres split the users; when one dies the other recovers and takes over', async () => {
    const MIN = 60_000;
    const schema = newSchema();
    const clock = manualClock(Date.UTC(2026, 2, 3, 9));
    const provider = simulatedProvider({ users: 40, seed: 4, clock });
    const store = openStore(schema);
    const group = groupIn(schema, 8, 3 * MIN);
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
    const errors: Error[] = [];
    for (const t of [a, b]) t.on('error', (e) => errors.push(e));

    for (let m = 0; m < 5; m++) {
      await a.runOnce();
      await b.runOnce();
      clock.advance(MIN);
    }
    expect([a.shards.length, b.shards.length]).toEqual([4, 4]);
    expect(a.shards.filter((s) => b.shards.includes(s))).toEqual([]);

    const died = clock.now();
    for (let m = 0; m < 6; m++) {
      await a.runOnce();
      clock.advance(MIN);
    }
    expect(a.shards.length).toBe(8);
    await a.stop();
    expect(errors).toEqual([]);

    const sessions = await store.sessions({ from: new Date(0), to: clock.now() });
    const recovered = sessions.filter((s) => s.endReason === 'recovered');
    expect(recovered.length).toBeGreaterThan(0);
    for (const s of recovered) expect(s.endedAt!.getTime()).toBeLessThan(died.getTime());
    expect(await store.openState()).toMatchObject({ intervals: [], sessions: [] });
    expect((await group.member('cli').holders(clock.now())).every((h) => h.owner === null)).toBe(true);
  });
});
