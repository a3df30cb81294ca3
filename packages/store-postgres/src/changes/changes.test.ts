import type { Effect, StoreChanges } from '@presence-tracker/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PostgresStore, postgresStore } from '../postgres-store.ts';
import { dropSchemas, freshSchema, startTestServer, type TestServer } from '../testing/server.ts';
import { at } from '../testing/stores.ts';
import { backToVersion6 } from '../testing/version-6.ts';

let server: TestServer;
const schemas: string[] = [];
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  if (server) {
    await dropSchemas(server.connectionString, schemas).catch(() => {});
    await server.dispose();
  }
});

const open = (userId: string, status: 'available' | 'busy' | 'away', minute: number): Effect => ({
  type: 'interval.open',
  userId,
  status,
  startedAt: at(minute),
});
const close = (userId: string, minute: number): Effect => ({
  type: 'interval.close',
  userId,
  endedAt: at(minute),
});

const store = (options: { schema?: string; pool?: pg.Pool; readOnly?: boolean } = {}): PostgresStore => {
  const schema = options.schema ?? freshSchema('changes');
  if (!schemas.includes(schema)) schemas.push(schema);
  const s = options.pool
    ? postgresStore({ pool: options.pool, schema, readOnly: options.readOnly })
    : postgresStore({ connectionString: server.connectionString, schema, readOnly: options.readOnly });
  closers.push(() => s.close());
  return s;
};

const client = async () => {
  const c = new pg.Client({ connectionString: server.connectionString });
  await c.connect();
  closers.push(() => c.end());
  return c;
};

const intervals = (c: StoreChanges) =>
  c.intervals.map((i) => `${i.userId} ${i.status} ${i.endedAt === null ? 'open' : 'closed'}`);

/**
 * A pool whose next transaction stops before its COMMIT until released: a real store write held open
 * while another one commits.
 */
function holdingPool() {
  const pool = new pg.Pool({ connectionString: server.connectionString, max: 2 });
  closers.push(() => pool.end());
  let armed: { reached: () => void; release: Promise<void> } | null = null;
  const connect = pool.connect.bind(pool);
  pool.connect = (async () => {
    const c = await connect();
    const query = c.query.bind(c) as (...args: unknown[]) => Promise<unknown>;
    (c as unknown as { query: unknown }).query = async (...args: unknown[]) => {
      const hold = armed;
      if (args[0] === 'commit' && hold) {
        armed = null;
        hold.reached();
        await hold.release;
      }
      return query(...args);
    };
    return c;
  }) as typeof pool.connect;
  return {
    pool,
    /** Arms the hold; resolves `reached` once the next transaction waits before its COMMIT. */
    arm() {
      let release!: () => void;
      let reached!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const waiting = new Promise<void>((r) => (reached = r));
      armed = { reached, release: released };
      return { waiting, release };
    },
  };
}

describe('Postgres changes()', () => {
  test('two writes committing out of the order of their transaction ids: none is lost, none is told twice', async () => {
    const held = holdingPool();
    const first = store({ pool: held.pool });
    const second = store({ schema: first.schema });
    const reader = store({ schema: first.schema, readOnly: true });
    const runA = await first.startRun(at(0));
    const runB = await second.startRun(at(0));
    const start = await reader.changes!({ after: null });

    // The first write takes its transaction id first and stays open; the second commits past it.
    const hold = held.arm();
    const slow = first.writePoll({ runId: runA.id, at: at(1), samples: [], effects: [open('a', 'busy', 1)] });
    await hold.waiting;
    await second.writePoll({ runId: runB.id, at: at(1), samples: [], effects: [open('b', 'away', 1)] });
    const ids = await (await client()).query<{ user_id: string; changed: string }>(
      `select user_id, changed::text from "${first.schema}".open_intervals order by user_id`,
    );
    // Only b is visible yet; the open transaction's id is below b's.
    expect(ids.rows.map((r) => r.user_id)).toEqual(['b']);

    const during = await reader.changes!({ after: start.cursor });
    // The cursor stays below the open write, so b waits for it rather than being passed over with it.
    expect(intervals(during)).toEqual([]);
    expect(BigInt(during.cursor)).toBeLessThanOrEqual(BigInt(ids.rows[0]!.changed));

    hold.release();
    await slow;
    const afterwards = await reader.changes!({ after: during.cursor });
    expect(intervals(afterwards)).toEqual(['a busy open', 'b away open']);
    const next = await reader.changes!({ after: afterwards.cursor });
    expect(intervals(next)).toEqual([]);
  });

  test('a cursor is never answered with a lower one, even while a write below it is open', async () => {
    const held = holdingPool();
    const writer = store({ pool: held.pool });
    const reader = store({ schema: writer.schema, readOnly: true });
    const run = await writer.startRun(at(0));
    const hold = held.arm();
    const open = writer.writePoll({ runId: run.id, at: at(1), samples: [], effects: [] });
    await hold.waiting;
    try {
      // A later transaction ends, so the open write's id is below the snapshot's next one.
      await store({ schema: writer.schema }).startRun(at(1));
      const bound = (await reader.changes!({ after: null })).cursor;
      // Above this read's bound, yet a cursor the server could have given: as one given just before a
      // transaction that was no writer ended between a read's snapshot and its status check.
      const above = String(BigInt(bound) + 1n);
      const answer = await reader.changes!({ after: above });
      expect(answer.cursor).toBe(above);
      expect(intervals(answer)).toEqual([]);
    } finally {
      hold.release();
      await open;
    }
  });

  test('a transaction open elsewhere on the server, even one that wrote, holds nothing back', async () => {
    const writer = store();
    const reader = store({ schema: writer.schema, readOnly: true });
    const run = await writer.startRun(at(0));
    const start = await reader.changes!({ after: null });
    // Another schema's write, with a transaction id older than the store's next write, left open.
    const other = await client();
    await other.query('begin');
    await other.query('create temporary table elsewhere (x int); insert into elsewhere values (1)');
    try {
      const { rows } = await other.query<{ xid: string }>('select pg_current_xact_id()::text as xid');
      await writer.writePoll({
        runId: run.id,
        at: at(1),
        samples: [],
        effects: [open('u1', 'available', 1)],
      });
      const found = await reader.changes!({ after: start.cursor });
      expect(intervals(found)).toEqual(['u1 available open']);
      expect(BigInt(found.cursor)).toBeGreaterThan(BigInt(rows[0]!.xid));
    } finally {
      await other.query('rollback');
    }
  });

  test('a run opened, heartbeaten and closed is told when it opens and when it closes, not at each poll', async () => {
    const writer = store();
    const start = await writer.changes!({ after: null });
    const run = await writer.startRun(at(0));
    const opened = await writer.changes!({ after: start.cursor });
    expect(opened.runs).toEqual([{ id: run.id, startedAt: at(0), endedAt: null }]);
    await writer.writePoll({ runId: run.id, at: at(1), samples: [], effects: [] });
    expect((await writer.changes!({ after: opened.cursor })).runs).toEqual([]);
    await writer.endRun(run.id, at(2));
    const closed = await writer.changes!({ after: opened.cursor });
    expect(closed.runs).toEqual([{ id: run.id, startedAt: at(0), endedAt: at(2) }]);
  });

  test('a purged person is told of no more, and the others still are', async () => {
    const writer = store();
    const run = await writer.startRun(at(0));
    const start = await writer.changes!({ after: null });
    await writer.writePoll({
      runId: run.id,
      at: at(1),
      samples: [],
      effects: [open('u1', 'available', 1), open('u2', 'busy', 1)],
    });
    const before = await writer.changes!({ after: start.cursor });
    expect(intervals(before)).toEqual(['u1 available open', 'u2 busy open']);
    await writer.writePoll({
      runId: run.id,
      at: at(2),
      samples: [],
      effects: [close('u1', 2), close('u2', 2), open('u1', 'away', 2)],
    });
    await writer.purgeUser('u2');
    const found = await writer.changes!({ after: before.cursor });
    expect(intervals(found)).toEqual(['u1 available closed', 'u1 away open']);
    expect(intervals(await writer.changes!({ after: start.cursor }))).toEqual([
      'u1 available closed',
      'u1 away open',
    ]);
  });

  test('records kept before schema version 4 are never told; what is written after the migration is', async () => {
    const old = store();
    const run = await old.startRun(at(0));
    await old.writePoll({ runId: run.id, at: at(1), samples: [], effects: [open('u1', 'available', 1)] });
    await old.close();
    // The schema as version 3 left it: no change columns, no counters (version 5), open records among
    // the closed ones (version 7).
    const admin = await client();
    await admin.query(backToVersion6(old.schema));
    await admin.query(
      `drop table "${old.schema}".run_counters;
       alter table "${old.schema}".intervals drop column changed;
       alter table "${old.schema}".sessions drop column changed;
       alter table "${old.schema}".runs drop column changed;
       delete from "${old.schema}".schema_migrations where version > 3`,
    );
    const migrated = store({ schema: old.schema });
    await migrated.init();
    // u1's interval is still open: since version 7, a row of the open table.
    const kept = await admin.query<{ changed: string }>(
      `select changed::text from "${old.schema}".open_intervals`,
    );
    expect(kept.rows).toEqual([{ changed: '0' }]);
    const start = await migrated.changes!({ after: null });
    expect(intervals(await migrated.changes!({ after: start.cursor }))).toEqual([]);
    await migrated.writePoll({ runId: run.id, at: at(2), samples: [], effects: [close('u1', 2)] });
    const found = await migrated.changes!({ after: start.cursor });
    expect(intervals(found)).toEqual(['u1 available closed']);
    expect(found.runs).toEqual([]);
  });

  test('needs no privilege beyond SELECT on the tables: what else it calls, PUBLIC may', async () => {
    const { rows } = await (await client()).query<Record<string, boolean>>(
      `select has_function_privilege('public', 'pg_current_snapshot()', 'execute') as snapshot,
         has_function_privilege('public', 'pg_snapshot_xip(pg_snapshot)', 'execute') as xip,
         has_function_privilege('public', 'pg_snapshot_xmax(pg_snapshot)', 'execute') as xmax,
         has_function_privilege('public', 'pg_xact_status(xid8)', 'execute') as status,
         has_table_privilege('public', 'pg_catalog.pg_locks', 'select') as locks,
         has_function_privilege('public', 'pg_advisory_xact_lock_shared(int4, int4)', 'execute') as mark`,
    );
    expect(rows[0]).toEqual({ snapshot: true, xip: true, xmax: true, status: true, locks: true, mark: true });
  });

  test('a cursor ahead of the server, or not a transaction id, is refused naming the field', async () => {
    const s = store();
    await s.init();
    const now = await s.changes!({ after: null });
    for (const after of [String(BigInt(now.cursor) + 1_000_000n), '18446744073709551616', '-1', '1e3']) {
      await expect(s.changes!({ after })).rejects.toMatchObject({
        code: 'STORE_INVALID',
        message: expect.stringContaining('after'),
      });
    }
  });
});
