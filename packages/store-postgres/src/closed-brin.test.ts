import { type Effect, memoryStore, type PresenceStore, type RangeQuery } from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATEST_VERSION } from './migrations.ts';
import { aroundT0, at, everything, testStores } from './testing/stores.ts';
import { backToVersion12 } from './testing/version-12.ts';

const { start, stop, open, sql } = testStores('brin');
beforeAll(start);
afterAll(stop);

/**
 * u1 changes status at 10 and 20; u2 is seen once at 5 and goes stale (an interval and a session of
 * no length), then comes back at 30; u3 opens at 20 and stays open.
 */
const history: Effect[][] = [
  [
    { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
    { type: 'session.open', userId: 'u1', startedAt: at(0) },
  ],
  [
    { type: 'interval.open', userId: 'u2', status: 'busy', startedAt: at(5) },
    { type: 'session.open', userId: 'u2', startedAt: at(5) },
    { type: 'interval.close', userId: 'u2', endedAt: at(5) },
    {
      type: 'session.close',
      userId: 'u2',
      startedAt: at(5),
      endedAt: at(5),
      lastSeenAt: at(5),
      reason: 'stale',
    },
  ],
  [
    { type: 'interval.close', userId: 'u1', endedAt: at(10) },
    { type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(10) },
  ],
  [
    { type: 'interval.close', userId: 'u1', endedAt: at(20) },
    { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(20) },
    { type: 'interval.open', userId: 'u3', status: 'dnd', startedAt: at(20) },
  ],
  [
    { type: 'interval.open', userId: 'u2', status: 'available', startedAt: at(30) },
    { type: 'session.open', userId: 'u2', startedAt: at(30) },
  ],
];
const minutes = [0, 5, 10, 20, 30];

/** Ranges on both sides of each instant of the history, the row of no length's own included. */
const ranges: RangeQuery[] = [
  aroundT0,
  { from: at(5), to: at(5) },
  { from: at(4), to: at(6) },
  { from: at(5), to: at(10) },
  { from: at(0), to: at(5) },
  { from: at(10), to: at(20) },
  { from: at(12), to: at(15) },
  { from: at(20), to: at(21) },
  { from: at(-5), to: at(0) },
  { from: at(4), to: at(6), userIds: ['u2'] },
  { from: at(0), to: at(40), userIds: ['u1', 'u3'] },
  { from: at(0), to: at(40), userIds: [] },
  { from: at(4), to: at(5) },
  { from: at(5), to: at(6) },
  { from: at(7), to: at(7) },
  { from: at(12), to: at(3) },
  { from: at(100), to: at(200) },
];

const read = async (store: PresenceStore) => {
  const answers = [];
  for (const range of ranges)
    answers.push({ intervals: await store.intervals(range), sessions: await store.sessions(range) });
  return answers;
};

/** The views' rows, `period` as the server prints it. */
const views = (schema: string) =>
  sql(
    `select 'interval' as kind, id::text, user_id, started_at, ended_at, period::text, changed::text from "${schema}".intervals
     union all
     select 'session', id::text, user_id, started_at, ended_at, period::text, changed::text from "${schema}".sessions
     order by 1, 2`,
  );

describe('closed records found by a BRIN index of their start and end (schema version 13)', () => {
  test('range queries answer as the reference store does, rows of no length included', async () => {
    const store = open();
    const reference = memoryStore();
    for (const each of [store, reference]) {
      const run = await each.startRun(at(0));
      for (const [i, effects] of history.entries())
        await each.writePoll({ runId: run.id, at: at(minutes[i]!), samples: [], effects });
    }
    const answers = await read(store);
    // Every range as the reference store answers it; the ones below spelled out besides.
    expect(answers).toEqual(await read(reference));
    const shape = (a: (typeof answers)[number]) => ({
      intervals: a.intervals.map((x) => `${x.userId} ${x.status} ${x.startedAt.getTime()}`),
      sessions: a.sessions.map((x) => `${x.userId} ${x.startedAt.getTime()}`),
    });
    const i = (userId: string, status: string, minute: number) =>
      `${userId} ${status} ${at(minute).getTime()}`;
    const s = (userId: string, minute: number) => `${userId} ${at(minute).getTime()}`;
    // An instant's range holds what runs across it; the row of no length at 5 lies in a range only
    // strictly inside.
    expect(shape(answers[1]!)).toEqual({ intervals: [i('u1', 'available', 0)], sessions: [s('u1', 0)] });
    expect(shape(answers[2]!)).toEqual({
      intervals: [i('u1', 'available', 0), i('u2', 'busy', 5)],
      sessions: [s('u1', 0), s('u2', 5)],
    });
    expect(shape(answers[3]!)).toEqual({ intervals: [i('u1', 'available', 0)], sessions: [s('u1', 0)] });
    expect(shape(answers[4]!)).toEqual({ intervals: [i('u1', 'available', 0)], sessions: [s('u1', 0)] });
    expect(shape(answers[6]!).intervals).toEqual([i('u1', 'away', 10)]);
    expect(shape(answers[8]!)).toEqual({ intervals: [], sessions: [] });
    expect(shape(answers[9]!)).toEqual({ intervals: [i('u2', 'busy', 5)], sessions: [s('u2', 5)] });
    expect(answers[11]).toEqual({ intervals: [], sessions: [] });
    // The views compute the period the stored column held: empty for a row of no length.
    const rows = await views(store.schema);
    expect(rows.filter((r) => r.user_id === 'u2').map((r) => [r.kind, r.period === 'empty'])).toEqual([
      ['interval', true],
      ['interval', false],
      ['session', true],
      ['session', false],
    ]);
    expect(
      rows.filter((r) => r.ended_at === null).every((r) => String(r.period).endsWith(',infinity)')),
    ).toBe(true);
  });

  test('a schema of version 12 migrates with every reader and the views answering as before', async () => {
    const writer = open();
    const { cursor } = await writer.changes!({ after: null });
    const run = await writer.startRun(at(0));
    for (const [i, effects] of history.slice(0, 4).entries())
      await writer.writePoll({ runId: run.id, at: at(minutes[i]!), samples: [], effects });
    const before = { all: await everything(writer, aroundT0, cursor), ranges: await read(writer) };
    await writer.close();
    await sql(backToVersion12(writer.schema));
    const s = `"${writer.schema}"`;
    const indexes = `select indexname from pg_indexes where schemaname = $1
      and tablename in ('closed_intervals', 'closed_sessions') order by indexname`;
    expect(await sql(indexes, [writer.schema])).toEqual(
      ['intervals_instant', 'intervals_period', 'intervals_pkey', 'sessions_instant', 'sessions_period']
        .concat(['sessions_pkey', 'intervals_changed', 'sessions_changed'])
        .sort()
        .map((indexname) => ({ indexname })),
    );
    const viewsBefore = await views(writer.schema);
    // What a deployment may have added on the views: a grant, and a view of its own built on them.
    await sql(`grant select on ${s}.intervals to public`);
    await sql(`create view ${s}.own as select user_id, period from ${s}.intervals`);
    const own = await sql(`select user_id, period::text from ${s}.own order by 1, 2`);

    const migrated = open(writer.schema);
    const after = await everything(migrated, aroundT0, cursor);
    expect(after.intervals).toEqual(before.all.intervals);
    expect(after.sessions).toEqual(before.all.sessions);
    expect(after.open).toEqual(before.all.open);
    expect(after.changes.intervals).toEqual(before.all.changes.intervals);
    expect(after.changes.sessions).toEqual(before.all.changes.sessions);
    expect(after.rollups).toEqual(before.all.rollups);
    expect(await read(migrated)).toEqual(before.ranges);
    expect(await views(writer.schema)).toEqual(viewsBefore);
    expect(await sql(`select user_id, period::text from ${s}.own order by 1, 2`)).toEqual(own);
    expect(
      await sql(
        `select privilege_type from information_schema.table_privileges where table_schema = $1
         and table_name = 'intervals' and grantee = 'PUBLIC'`,
        [writer.schema],
      ),
    ).toEqual([{ privilege_type: 'SELECT' }]);
    expect(await sql(`select max(version) as v from ${s}.schema_migrations`)).toEqual([
      { v: LATEST_VERSION },
    ]);
    expect(await sql(indexes, [writer.schema])).toEqual(
      ['intervals_changed', 'intervals_pkey', 'intervals_time', 'sessions_changed', 'sessions_pkey']
        .concat(['sessions_time'])
        .map((indexname) => ({ indexname })),
    );
    expect(
      await sql(
        `select count(*)::int as n from information_schema.columns where table_schema = $1
         and table_name in ('closed_intervals', 'closed_sessions') and column_name = 'period'`,
        [writer.schema],
      ),
    ).toEqual([{ n: 0 }]);
    // Writes go on, and the records they close are found by time.
    await migrated.writePoll({ runId: run.id, at: at(30), samples: [], effects: history[4]! });
    await migrated.writePoll({
      runId: run.id,
      at: at(40),
      samples: [],
      effects: [{ type: 'interval.close', userId: 'u3', endedAt: at(40) }],
    });
    expect(
      (await migrated.intervals({ from: at(35), to: at(36) })).map((x) => [x.userId, x.status, x.endedAt]),
    ).toEqual([
      ['u1', 'busy', null],
      ['u3', 'dnd', at(40)],
      ['u2', 'available', null],
    ]);
  });

  test('records are found in summarized block ranges and past them, a long record closed late among short ones', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    const s = `"${store.schema}"`;
    // Enough closed rows to fill several block ranges; 'long' stays open from 0 until 19.
    const people = Array.from({ length: 300 }, (_, k) => `p${k}`);
    for (let minute = 0; minute < 20; minute++) {
      const effects: Effect[] = people.flatMap((userId): Effect[] => [
        ...(minute > 0 ? [{ type: 'interval.close', userId, endedAt: at(minute) } as const] : []),
        { type: 'interval.open', userId, status: minute % 2 ? 'busy' : 'available', startedAt: at(minute) },
      ]);
      if (minute === 0)
        effects.push({ type: 'interval.open', userId: 'long', status: 'dnd', startedAt: at(0) });
      if (minute === 19) effects.push({ type: 'interval.close', userId: 'long', endedAt: at(19) });
      await store.writePoll({ runId: run.id, at: at(minute), samples: [], effects });
      // The ranges so far summarized, as autovacuum or a VACUUM would; the later ones are not.
      if (minute === 10) await sql(`select brin_summarize_new_values('${s}.intervals_time'::regclass)`);
    }
    const pages = await sql<{ n: number }>(
      `select pg_relation_size('${s}.closed_intervals')::int / 8192 as n`,
    );
    expect(pages[0]!.n).toBeGreaterThan(64);
    const closedIn = async (from: number, to: number) =>
      (await store.intervals({ from: at(from), to: at(to) }))
        .filter((x) => x.endedAt !== null)
        .map((x) => x.userId);
    const early = await closedIn(3, 4);
    expect(early).toHaveLength(people.length + 1);
    expect(early).toContain('long');
    const late = await closedIn(18, 19);
    expect(late).toHaveLength(people.length + 1);
    expect(late).toContain('long');
    // Every range summarized now, the long record's among them: the same answers.
    await sql(`select brin_summarize_new_values('${s}.intervals_time'::regclass)`);
    expect(await closedIn(3, 4)).toEqual(early);
    expect(await closedIn(18, 19)).toEqual(late);
    expect(
      (await store.intervals({ from: at(18), to: at(19), userIds: ['p7'] })).map((x) => x.startedAt),
    ).toEqual([at(18)]);
  });
});
