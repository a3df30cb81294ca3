import { type Effect, RollupBatch, StoreError } from '@presence-tracker/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATEST_VERSION } from './migrations.ts';
import { postgresStore } from './postgres-store.ts';
import { aroundT0, at, everything as readAll, testStores } from './testing/stores.ts';
import { backToVersion10 } from './testing/version-10.ts';

const { start, stop, open, sql, connectionString, blockedBy } = testStores('inplace');
beforeAll(start);
afterAll(stop);

const range = aroundT0;
const everything = (store: Parameters<typeof readAll>[0], after: string) => readAll(store, range, after);

/** u1 changes status twice, u2 once and then goes offline (closed, not reopened), u3 opens late. */
const history: Effect[][] = [
  [
    { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
    { type: 'session.open', userId: 'u1', startedAt: at(0) },
    { type: 'interval.open', userId: 'u2', status: 'busy', startedAt: at(0) },
  ],
  [
    { type: 'interval.close', userId: 'u1', endedAt: at(10) },
    { type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(10), raw: { status: 'away' } },
    { type: 'interval.close', userId: 'u2', endedAt: at(10) },
    { type: 'interval.open', userId: 'u2', status: 'dnd', startedAt: at(10) },
  ],
  [
    // u1: the open interval closed, one opened and closed within the write, and the next left open.
    { type: 'interval.close', userId: 'u1', endedAt: at(20) },
    { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(20) },
    { type: 'interval.close', userId: 'u1', endedAt: at(25) },
    { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(25) },
    { type: 'interval.close', userId: 'u2', endedAt: at(20) },
    { type: 'interval.open', userId: 'u3', status: 'busy', startedAt: at(20) },
  ],
];

const write = async (store: ReturnType<typeof open>, runId: string, effects: Effect[], minute: number) =>
  store.writePoll({ runId, at: at(minute), samples: [], effects });

describe('open intervals rewritten in place (schema version 11)', () => {
  test('a close and the next open rewrite the person’s open row; readers see what delete and insert left', async () => {
    const store = open();
    const { cursor } = await store.changes!({ after: null });
    const run = await store.startRun(at(0));
    const s = `"${store.schema}"`;
    await write(store, run.id, history[0]!, 0);
    const first = await sql<{ id: string }>(`select id::text from ${s}.open_intervals where user_id = 'u1'`);
    await write(store, run.id, history[1]!, 10);
    const read = await everything(store, cursor);
    expect(read.intervals.map((i) => [i.userId, i.status, i.endedAt?.getTime() ?? null, i.raw])).toEqual([
      ['u1', 'available', at(10).getTime(), undefined],
      ['u2', 'busy', at(10).getTime(), undefined],
      ['u1', 'away', null, { status: 'away' }],
      ['u2', 'dnd', null, undefined],
    ]);
    expect(read.open.intervals.map((i) => [i.userId, i.status, i.startedAt])).toEqual([
      ['u1', 'away', at(10)],
      ['u2', 'dnd', at(10)],
    ]);
    // The closed record keeps the id it had while open; the new open record draws a new, greater one.
    const closed = await sql<{ id: string }>(
      `select id::text from ${s}.closed_intervals where user_id = 'u1'`,
    );
    expect(closed).toEqual(first);
    const reopened = await sql<{ id: string }>(
      `select id::text from ${s}.open_intervals where user_id = 'u1'`,
    );
    expect(BigInt(reopened[0]!.id)).toBeGreaterThan(BigInt(first[0]!.id));
    // changes() after the first write tells of the closes and of the rewritten rows, by their new mark.
    const { cursor: after } = await store.changes!({ after: null });
    await write(store, run.id, history[2]!, 20);
    const told = await store.changes!({ after });
    // In id order: the closed records' ids, then the records the write drew ids for, in the order it wrote them.
    expect(told.intervals.map((i) => `${i.userId} ${i.status} ${i.endedAt?.getTime() ?? 'open'}`)).toEqual([
      `u1 away ${at(20).getTime()}`,
      `u2 dnd ${at(20).getTime()}`,
      `u1 busy ${at(25).getTime()}`,
      'u1 available open',
      'u3 busy open',
    ]);
    expect(await sql(`select user_id, status from ${s}.open_intervals order by user_id`)).toEqual([
      { user_id: 'u1', status: 'available' },
      { user_id: 'u3', status: 'busy' },
    ]);
    // The digests are what core makes of every closed record, in the order they closed.
    const batch = new RollupBatch();
    for (const [userId, status, from, to] of [
      ['u1', 'available', 0, 10],
      ['u2', 'busy', 0, 10],
      ['u1', 'away', 10, 20],
      ['u1', 'busy', 20, 25],
      ['u2', 'dnd', 10, 20],
    ] as const)
      batch.interval(userId, status, at(from).getTime(), at(to).getTime());
    expect(await sql(`select user_id, day::text, intervals from ${s}.rollups order by user_id, day`)).toEqual(
      batch.entries().map((e) => ({ user_id: e.userId, day: String(e.day), intervals: e.intervals })),
    );
    const rollups = await store.rollups!(range);
    expect(rollups.openIntervals.map((x) => x.userId)).toEqual(['u1', 'u3']);
  });

  test.each([
    ['closes and reopens', history[1]!],
    ['only closes', [{ type: 'interval.close', userId: 'u1', endedAt: at(10) } satisfies Effect]],
  ])(
    'an open row another writer rewrote after it was read is not closed: a write that %s is refused as a race',
    async (_, effects) => {
      const store = postgresStore({
        connectionString: connectionString(),
        schema: open().schema,
        retry: false,
      });
      const run = await store.startRun(at(0));
      await write(store, run.id, history[0]!, 0);
      const s = `"${store.schema}"`;
      // Another writer's poll, holding u1's rewritten open row uncommitted.
      const other = new pg.Client({ connectionString: connectionString() });
      await other.connect();
      try {
        await other.query('begin');
        const pid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        await other.query(
          `update ${s}.open_intervals set id = default, status = 'dnd', started_at = $1, changed = default where user_id = 'u1'`,
          [at(5)],
        );
        const ours = write(store, run.id, effects, 10).catch((error: unknown) => error);
        await blockedBy(pid);
        await other.query('commit');
        const error = await ours;
        expect(StoreError.isInstance(error)).toBe(true);
        expect((error as StoreError).code).toBe('STORE_CONFLICT');
      } finally {
        await other.end();
      }
      // Nothing of the refused write: the other writer's open row as it left it, nothing closed.
      expect(await sql(`select user_id, status from ${s}.open_intervals order by user_id`)).toEqual([
        { user_id: 'u1', status: 'dnd' },
        { user_id: 'u2', status: 'busy' },
      ]);
      expect(await sql(`select count(*)::int as n from ${s}.closed_intervals`)).toEqual([{ n: 0 }]);
      await store.close();
    },
  );

  test('a schema of version 10 migrates with every reader answering as before', async () => {
    const writer = open();
    const { cursor } = await writer.changes!({ after: null });
    const run = await writer.startRun(at(0));
    await write(writer, run.id, history[0]!, 0);
    await write(writer, run.id, history[1]!, 10);
    const before = await everything(writer, cursor);
    await writer.close();
    await sql(backToVersion10(writer.schema));
    const s = `"${writer.schema}"`;
    const index = `select count(*)::int as n from pg_indexes where schemaname = $1 and indexname = 'open_intervals_changed'`;
    expect(await sql(index, [writer.schema])).toEqual([{ n: 1 }]);

    const migrated = open(writer.schema);
    const after = await everything(migrated, cursor);
    expect(after.intervals).toEqual(before.intervals);
    expect(after.sessions).toEqual(before.sessions);
    expect(after.open).toEqual(before.open);
    expect(after.changes.intervals).toEqual(before.changes.intervals);
    expect(after.rollups).toEqual(before.rollups);
    expect(await sql(`select max(version) as v from ${s}.schema_migrations`)).toEqual([
      { v: LATEST_VERSION },
    ]);
    expect(await sql(index, [writer.schema])).toEqual([{ n: 0 }]);
    expect(await sql(`select reloptions from pg_class where oid = '${s}.open_intervals'::regclass`)).toEqual([
      { reloptions: ['fillfactor=50'] },
    ]);
    // Writes go on: a migrated open row is closed and rewritten in place.
    await write(migrated, run.id, history[2]!, 20);
    expect((await migrated.openState()).intervals.map((i) => [i.userId, i.status])).toEqual([
      ['u1', 'available'],
      ['u3', 'busy'],
    ]);
    expect((await migrated.intervals(range)).filter((i) => i.endedAt !== null)).toHaveLength(5);
  });
});
