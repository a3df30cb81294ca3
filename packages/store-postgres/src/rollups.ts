import {
  dayRowPeople,
  type RangeQuery,
  ROLLUP_DAY_MS,
  type RollupBatch,
  type RollupDayRow,
  type RollupRead,
  rollupDay,
  STATUSES,
  type Status,
} from '@presence-tracker/core';
import { int8Array, textArray } from './binary-arrays.ts';
import { partEntries } from './rollup-parts.ts';

/** Epoch milliseconds of a `timestamptz`, exactly, as a bigint. */
export const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::bigint`;
const STATUS_ARRAY = `array[${STATUSES.map((s) => `'${s}'`).join(', ')}]::text[]`;

/**
 * The rollups table (a digest per person per UTC day, appended to by the write that closes the
 * records; core's `RollupBatch` makes the text), built for the records a schema already holds with
 * the same text the writes would have appended: pieces cut at each UTC midnight, in start order.
 */
export const rollupsMigration = (s: string): string => `
-- day: the UTC midnight, epoch ms. intervals: "start,end,status," pieces, milliseconds from the
-- midnight, status by its index in core's STATUSES; sessions: "start,end," epoch ms, closed sessions
-- touching the day.
create table ${s}.rollups (
  user_id text collate "C" not null,
  day bigint not null,
  intervals text not null,
  sessions text not null,
  primary key (user_id, day)
) with (fillfactor = 80);
create index rollups_day on ${s}.rollups (day);

insert into ${s}.rollups (user_id, day, intervals, sessions)
select user_id, day, string_agg(piece, '' order by started_at), ''
from (
  select i.user_id, i.started_at, d.day,
    (greatest(i.a, d.day) - d.day)::text || ',' || (least(i.b, d.day + ${ROLLUP_DAY_MS}) - d.day)::text || ','
      || (array_position(${STATUS_ARRAY}, i.status) - 1)::text || ',' as piece
  from (select user_id, status, started_at, ${epochMs('started_at')} as a, ${epochMs('ended_at')} as b
        from ${s}.intervals where ended_at is not null) i
  cross join lateral generate_series(i.a - (((i.a % ${ROLLUP_DAY_MS}) + ${ROLLUP_DAY_MS}) % ${ROLLUP_DAY_MS}),
    greatest(i.a, i.b - 1), ${ROLLUP_DAY_MS}::bigint) as d(day)
) pieces
group by user_id, day;

insert into ${s}.rollups (user_id, day, intervals, sessions)
select user_id, day, '', string_agg(a::text || ',' || b::text || ',', '' order by a)
from (
  select x.user_id, x.a, x.b, d.day
  from (select user_id, ${epochMs('started_at')} as a, ${epochMs('ended_at')} as b
        from ${s}.sessions where ended_at is not null) x
  cross join lateral generate_series(x.a - (((x.a % ${ROLLUP_DAY_MS}) + ${ROLLUP_DAY_MS}) % ${ROLLUP_DAY_MS}),
    greatest(x.a, x.b - 1), ${ROLLUP_DAY_MS}::bigint) as d(day)
) touched
group by user_id, day
on conflict (user_id, day) do update set sessions = excluded.sessions;
`;

/** The UTC midnights (epoch ms) a closed record `[a, b)` touches, one of no length on its instant's day. */
const daysTouched = (a: string, b: string) =>
  `generate_series(${a} - (((${a} % ${ROLLUP_DAY_MS}) + ${ROLLUP_DAY_MS}) % ${ROLLUP_DAY_MS}), greatest(${a}, ${b} - 1), ${ROLLUP_DAY_MS}::bigint)`;

/**
 * Where a write's closes go: `parts`, the rows of `rollup_parts` a later fold appends to the digests
 * (a write with sightings, schema version 10), or `digests`, appended to `rollups` at once by an
 * upsert (a write without sightings, which would fold at once).
 */
export type RollupTarget = 'parts' | 'digests';

/**
 * An INSERT that appends to the digests the intervals of `source` (a query or CTE name with
 * `user_id`, `status`, and `a`, `b` as epoch milliseconds): the same text core's `RollupBatch`
 * makes, built by the server inside the statement that closes them, so the closed rows never travel
 * to the client and back. For a data-modifying CTE of the closing DELETE. As parts, a row per UTC
 * day, the people and their pieces aggregated in the same pass, so in the same order; as digests,
 * a person-day's pieces joined in start order and upserted.
 */
export function appendClosedIntervalsSql(schema: string, source: string, into: RollupTarget): string {
  const piece = `(greatest(c.a, d.day) - d.day)::text || ',' || (least(c.b, d.day + ${ROLLUP_DAY_MS}) - d.day)::text || ','
        || (array_position(${STATUS_ARRAY}, c.status) - 1)::text || ','`;
  const touched = `${source} c cross join lateral ${daysTouched('c.a', 'c.b')} as d(day)`;
  if (into === 'parts') {
    return `insert into "${schema}".rollup_parts (day, users, intervals)
    select d.day, array_agg(c.user_id), array_agg(${piece}) from ${touched} group by d.day`;
  }
  const table = `"${schema}".rollups`;
  return `insert into ${table} (user_id, day, intervals, sessions)
    select user_id, day, string_agg(piece, '' order by a), ''
    from (select c.user_id, c.a, d.day, ${piece} as piece from ${touched}) pieces
    group by user_id, day
    on conflict (user_id, day) do update set intervals = ${table}.intervals || excluded.intervals`;
}

/** The same for sessions (`user_id`, `a`, `b`): each whole on every day it touches. */
export function appendClosedSessionsSql(schema: string, source: string, into: RollupTarget): string {
  const touched = `${source} c cross join lateral ${daysTouched('c.a', 'c.b')} as d(day)`;
  if (into === 'parts') {
    return `insert into "${schema}".rollup_parts (day, users, sessions)
    select d.day, array_agg(c.user_id), array_agg(c.a::text || ',' || c.b::text || ',') from ${touched} group by d.day`;
  }
  const table = `"${schema}".rollups`;
  return `insert into ${table} (user_id, day, intervals, sessions)
    select user_id, day, '', string_agg(a::text || ',' || b::text || ',', '' order by a)
    from (select c.user_id, c.a, c.b, d.day from ${touched}) touched
    group by user_id, day
    on conflict (user_id, day) do update set sessions = ${table}.sessions || excluded.sessions`;
}

/**
 * Appends a batch of digests in one statement, sent by `send` (inside the write's transaction); for
 * records a write both opens and closes, which never pass through a closing DELETE. As parts, a
 * row per UTC day with the day's entries in the batch's order (see rollup-parts.ts).
 *
 * As digests, the person-days of a UTC day no digest holds yet (one look in the `day` index per day)
 * are inserted plainly; only the others go through `ON CONFLICT DO UPDATE`, whose look in the key
 * before each row cost the server about half as much again as the insert itself (1,000 new
 * person-days: 15 against 10 ms of a backend's CPU, PostgreSQL 18). A writer that adds the same
 * person-day meanwhile makes the plain insert fail on the key: the write is then run again whole
 * with `upsertAll` (see `isDigestRace`), and appends to what that writer left.
 */
export function appendRollups(
  send: (sql: string, params: unknown[]) => Promise<unknown>,
  schema: string,
  batch: RollupBatch,
  into: RollupTarget,
  upsertAll = false,
): void {
  if (batch.size === 0) return;
  const entries = batch.entries();
  const columns = [
    textArray(entries.map((e) => e.userId)),
    int8Array(entries.map((e) => e.day)),
    textArray(entries.map((e) => e.intervals)),
    textArray(entries.map((e) => e.sessions)),
  ];
  if (into === 'parts') {
    void send(
      `insert into "${schema}".rollup_parts (day, users, intervals, sessions)
     select d, array_agg(u order by n), array_agg(i order by n), array_agg(s order by n)
     from unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) with ordinality as v(u, d, i, s, n)
     group by d`,
      columns,
    );
    return;
  }
  const table = `"${schema}".rollups`;
  const batchRows = `v as (select * from unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) as v(u, d, i, s))`;
  const upsert = (where: string) => `insert into ${table} (user_id, day, intervals, sessions)
     select u, d, i, s from v${where}
     on conflict (user_id, day) do update set intervals = ${table}.intervals || excluded.intervals,
       sessions = ${table}.sessions || excluded.sessions`;
  void send(
    upsertAll
      ? `with ${batchRows} ${upsert('')}`
      : `with ${batchRows},
     fresh as (select x.d from (select distinct d from v) x
       where not exists (select 1 from ${table} r where r.day = x.d)),
     added as (insert into ${table} (user_id, day, intervals, sessions)
       select u, d, i, s from v where d in (select d from fresh))
     ${upsert(' where d not in (select d from fresh)')}`,
    columns,
  );
}

export interface RollupRow {
  /** 0: a person's digests; 1: an open interval; 2: an open session; 3: a UTC day's digests of everyone. */
  kind: 0 | 1 | 2 | 3;
  /** The person; null on a day's row. */
  user_id: string | null;
  /**
   * 0 for a person's digests (their text names the days), an open record's start (epoch ms), or a
   * day row's UTC midnight (epoch ms): a bigint, which pg hands over as text.
   */
  at: string;
  /** A day row's people as a JSON array, in the order of its texts (text, so that pg leaves it unparsed). */
  users: string | null;
  intervals: string | null;
  sessions: string | null;
}

/**
 * The digests of the days touching the range and the records still open, in one statement, so one
 * snapshot: a write's commit is in all of them or in none.
 *
 * Read for everyone, the digests come as one row per UTC day (core's `RollupDayRow`): the day's
 * people as a JSON array and their texts joined by `;`, each day found through the `day` index with
 * an equality, so nothing is sorted or hashed, whatever the table's statistics. The days run from
 * the range's first to its last, bounded by those the table holds (none while it holds none:
 * `greatest` passes over a null, so the empty table's null first day becomes the range's end). A row per person, their days
 * joined in day order, had the server sort the range's digests by person (on disk at the default
 * `work_mem`, on a table not analysed yet) or visit the heap once per digest along the primary key
 * (the rows lie in the order they were written, day by day); grouping by day made it hash them.
 *
 * Read for some people, a row per person, their days joined in day order along the primary key,
 * each after its `@day,` (as core's `RollupEntry` allows). The parts not yet folded (schema version
 * 10; a row per statement and day since 12, unnested here) come as a second row for the people they
 * name, the same way.
 */
export async function readRollups(
  run: (sql: string, params: unknown[]) => Promise<{ rows: RollupRow[] }>,
  schema: string,
  q: RangeQuery,
): Promise<RollupRead> {
  const s = `"${schema}"`;
  const only = q.userIds === undefined ? '' : 'and user_id = any($4::text[])';
  const params: unknown[] = [rollupDay(q.from.getTime()), q.to.getTime(), q.to];
  if (q.userIds !== undefined) params.push(q.userIds);
  const digests =
    q.userIds === undefined
      ? `select 3 as kind, null as user_id, d.day as at, r.users, r.intervals, r.sessions
         from generate_series(greatest($1, coalesce((select min(day) from ${s}.rollups), $2)),
           least($2, (select max(day) from ${s}.rollups) + 1) - 1, ${ROLLUP_DAY_MS}::bigint) as d (day)
         cross join lateral (
           select json_agg(user_id)::text as users, string_agg(intervals, ';') as intervals,
             string_agg(sessions, ';') as sessions
           from ${s}.rollups where day = d.day) as r
         where r.users is not null`
      : `select 0 as kind, user_id, 0::bigint as at, null::text as users,
           string_agg('@' || day || ',' || intervals, '' order by day) as intervals,
           string_agg(sessions, '' order by day) as sessions
         from ${s}.rollups where day >= $1 and day < $2 ${only} group by user_id`;
  const { rows } = await run(
    `(${digests})
     union all
     (select 0, user_id, 0::bigint, null,
        string_agg('@' || day || ',' || intervals, '' order by day, seq),
        string_agg(sessions, '' order by day, seq)
      from ${partEntries(`${s}.rollup_parts`)} p where day >= $1 and day < $2 ${only} group by user_id)
     union all
     select 1, user_id, ${epochMs('started_at')}, null, status, null from ${s}.open_intervals
       where started_at < $3 ${only}
     union all
     select 2, user_id, ${epochMs('started_at')}, null, null, null from ${s}.open_sessions
       where started_at < $3 ${only}`,
    params,
  );
  const read: RollupRead = { days: [], openIntervals: [], openSessions: [] };
  const dayRows: RollupDayRow[] = [];
  const people = dayRowPeople();
  for (const r of rows) {
    const at = Number(r.at);
    if (r.kind === 3) {
      // The texts as bytes, as core's day rows take them: digests are ASCII, so this is a copy.
      dayRows.push({
        day: at,
        userIds: people(r.users!),
        intervals: Buffer.from(r.intervals!, 'utf8'),
        sessions: Buffer.from(r.sessions!, 'utf8'),
      });
    } else if (r.kind === 0) {
      read.days.push({ userId: r.user_id!, day: at, intervals: r.intervals!, sessions: r.sessions! });
    } else if (r.kind === 1) {
      read.openIntervals.push({ userId: r.user_id!, status: r.intervals as Status, startedAt: new Date(at) });
    } else read.openSessions.push({ userId: r.user_id!, startedAt: new Date(at) });
  }
  if (q.userIds === undefined) read.dayRows = dayRows;
  return read;
}
