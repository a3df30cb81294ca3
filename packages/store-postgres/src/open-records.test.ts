import type { Effect } from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATEST_VERSION } from './migrations.ts';
import { aroundT0, at, everything as readAll, testStores } from './testing/stores.ts';
import { backToVersion6 } from './testing/version-6.ts';

const { start, stop, open, sql } = testStores('open');
beforeAll(start);
afterAll(stop);

const range = aroundT0;

const everything = (store: Parameters<typeof readAll>[0], after: string) => readAll(store, range, after);

/** u1 and u2 change status across midnight, u3 is seen once (a record of no length); u1 and u3 stay open. */
const history: Effect[][] = [
  [
    { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
    { type: 'session.open', userId: 'u1', startedAt: at(0) },
    { type: 'interval.open', userId: 'u2', status: 'busy', startedAt: at(0) },
    { type: 'session.open', userId: 'u2', startedAt: at(0) },
  ],
  [
    { type: 'interval.close', userId: 'u1', endedAt: at(900) },
    { type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(900) },
    { type: 'interval.close', userId: 'u2', endedAt: at(960) },
    {
      type: 'session.close',
      userId: 'u2',
      startedAt: at(0),
      endedAt: at(960),
      lastSeenAt: at(955),
      reason: 'stale',
    },
    { type: 'interval.open', userId: 'u3', status: 'dnd', startedAt: at(960) },
    { type: 'interval.close', userId: 'u3', endedAt: at(960) },
    { type: 'interval.open', userId: 'u4', status: 'busy', startedAt: at(960) },
  ],
];

describe('open records in tables of their own (schema version 7)', () => {
  test('a schema of version 6 with open and closed records migrates with every reader answering as before', async () => {
    const writer = open();
    const { cursor: start } = await writer.changes!({ after: null });
    const run = await writer.startRun(at(0));
    for (const [i, effects] of history.entries()) {
      await writer.writePoll({ runId: run.id, at: at(i * 960), samples: [], effects });
    }
    const before = await everything(writer, start);
    expect(before.open.intervals.map((i) => i.userId)).toEqual(['u1', 'u4']);
    expect(before.open.sessions.map((s) => s.userId)).toEqual(['u1']);
    expect(before.intervals).toHaveLength(5);
    await writer.close();

    // The schema as version 6 left it: open records are rows of intervals and sessions with no end.
    await sql(backToVersion6(writer.schema));
    const s = `"${writer.schema}"`;
    expect(await sql(`select user_id from ${s}.intervals where ended_at is null order by user_id`)).toEqual([
      { user_id: 'u1' },
      { user_id: 'u4' },
    ]);

    const migrated = open(writer.schema);
    const after = await everything(migrated, start);
    expect(after.intervals).toEqual(before.intervals);
    expect(after.sessions).toEqual(before.sessions);
    expect(after.open).toEqual(before.open);
    expect(after.changes.intervals).toEqual(before.changes.intervals);
    expect(after.changes.sessions).toEqual(before.changes.sessions);
    expect(after.rollups).toEqual(before.rollups);
    expect(await sql(`select max(version) as v from ${s}.schema_migrations`)).toEqual([
      { v: LATEST_VERSION },
    ]);
    expect(await sql(`select count(*)::int as n from ${s}.open_intervals`)).toEqual([{ n: 2 }]);
    expect(await sql(`select count(*)::int as n from ${s}.closed_intervals`)).toEqual([{ n: 3 }]);

    // Closing a migrated open session keeps its id; what opens next draws a new one.
    const openSession = before.sessions.find((x) => x.endedAt === null)!;
    await migrated.writePoll({
      runId: run.id,
      at: at(1000),
      samples: [],
      effects: [
        { type: 'interval.close', userId: 'u1', endedAt: at(1000) },
        {
          type: 'session.close',
          userId: 'u1',
          startedAt: at(0),
          endedAt: at(1000),
          lastSeenAt: at(1000),
          reason: 'offline',
        },
        { type: 'session.open', userId: 'u4', startedAt: at(1000) },
      ],
    });
    const told = await migrated.changes!({ after: after.changes.cursor });
    expect(told.intervals.map((i) => `${i.userId} ${i.status} ${i.endedAt?.getTime() ?? 'open'}`)).toEqual([
      `u1 away ${at(1000).getTime()}`,
    ]);
    expect(told.sessions.map((x) => [x.id, x.userId, x.endedAt])).toEqual([
      [openSession.id, 'u1', at(1000)],
      [expect.any(String), 'u4', null],
    ]);
    expect(BigInt(told.sessions[1]!.id)).toBeGreaterThan(BigInt(openSession.id));
  });

  test('a status change writes the closed record once, and the open table holds one row per person', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    const s = `"${store.schema}"`;
    for (const [i, status] of (['available', 'busy', 'away'] as const).entries()) {
      const effects: Effect[] = [{ type: 'interval.open', userId: 'u1', status, startedAt: at(i) }];
      if (i > 0) effects.unshift({ type: 'interval.close', userId: 'u1', endedAt: at(i) });
      await store.writePoll({ runId: run.id, at: at(i), samples: [], effects });
    }
    // Each closed record is one row version: the first two slots of the table's first page, none
    // left behind by an update.
    expect(await sql(`select ctid::text, status from ${s}.closed_intervals order by ctid`)).toEqual([
      { ctid: '(0,1)', status: 'available' },
      { ctid: '(0,2)', status: 'busy' },
    ]);
    expect(await sql(`select user_id, status from ${s}.open_intervals`)).toEqual([
      { user_id: 'u1', status: 'away' },
    ]);
    // The view shows both tables as the one table of before.
    expect(
      await sql(
        `select status, ended_at is null as open, upper(period) = 'infinity' as endless from ${s}.intervals order by started_at`,
      ),
    ).toEqual([
      { status: 'available', open: false, endless: false },
      { status: 'busy', open: false, endless: false },
      { status: 'away', open: true, endless: true },
    ]);
  });
});
