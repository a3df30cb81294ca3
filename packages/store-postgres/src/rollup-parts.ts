/**
 * Schema version 10: what a write closes goes into the digests through `rollup_parts`, an
 * append-only table without index or key, instead of an `INSERT ... ON CONFLICT DO UPDATE` of each
 * person-day's row of `rollups` on every write. The upsert probed the key and wrote a new version of
 * the growing row for nearly every person each poll: about a quarter of a poll's write (pnpm bench
 * postgres). The parts are folded into `rollups` with the sightings log (see sightings.ts) and when
 * a writing store closes; `readRollups` reads both. Only writes with sightings (a tracker's polls)
 * append parts: one without, which would fold at once, folds what parts there are and upserts the
 * digests itself, as every write did before.
 *
 * Version 10 kept a part per closed record and UTC day (`a`, `b`: the record's start and end);
 * version 12 keeps one per statement and day (see `dayPartsMigration`).
 */
export const rollupPartsMigration = (s: string): string => `
create table ${s}.rollup_parts (
  user_id text collate "C" not null,
  day bigint not null,
  a bigint not null,
  b bigint not null,
  intervals text not null,
  sessions text not null
);
`;

/**
 * Empties version 10's `rollup_parts` into `rollups`: each person-day's parts joined in record
 * order and appended to its row, in key order. For the migration to version 12 and the tests'
 * schemas of version 10 and 11.
 */
export const foldRecordPartsSql = (schema: string) => foldRecordParts(`"${schema}"`);

/** The same, for `s` the schema's quoted name. */
const foldRecordParts = (s: string) =>
  `with parts as (delete from ${s}.rollup_parts returning *)
    insert into ${s}.rollups (user_id, day, intervals, sessions)
    select user_id, day, string_agg(intervals, '' order by a, b), string_agg(sessions, '' order by a, b)
    from parts group by user_id, day order by user_id, day
    on conflict (user_id, day) do update set intervals = ${s}.rollups.intervals || excluded.intervals,
      sessions = ${s}.rollups.sessions || excluded.sessions`;

/**
 * Schema version 12: a part is one row per statement and UTC day, in the shape of the day rows the
 * reads answer with: the day's people as an array and their texts as arrays in the same order,
 * `intervals` or `sessions` null when the statement closed none of that kind. A poll in which
 * 10,000 people change status appended 10,000 rows of parts; now one, or two across a midnight,
 * whose arrays (hundreds of KB) go out of line uncompressed (`storage external`: no compression on
 * every poll for bytes read back only by the fold and the reads before it; compressed and inline
 * storage measured no different in turns at load 9 to 10). `seq`
 * orders a person-day's parts: the order the statements ran in, which is the order the records
 * closed, as `a, b` did in version 10. The parts version 10 left are folded first.
 */
export const dayPartsMigration = (s: string): string => `
${foldRecordParts(s)};
drop table ${s}.rollup_parts;
create table ${s}.rollup_parts (
  seq bigint generated always as identity,
  day bigint not null,
  users text[] not null,
  intervals text[],
  sessions text[]
);
alter table ${s}.rollup_parts alter column users set storage external,
  alter column intervals set storage external, alter column sessions set storage external;
`;

/**
 * The parts of `source` (the table, or rows deleted from it) with a row per person: `user_id`,
 * `intervals`, `sessions` ('' for none), and the part's `seq` and `day`.
 */
export const partEntries = (source: string) =>
  `(select p.seq, p.day, u.user_id collate "C" as user_id, coalesce(u.intervals, '') as intervals,
      coalesce(u.sessions, '') as sessions
    from ${source} p cross join lateral unnest(p.users, p.intervals, p.sessions) as u(user_id, intervals, sessions))`;

/**
 * Empties `rollup_parts` into `rollups` in one statement: each person-day's parts joined in the
 * order they were appended and added to its row, in key order (so two folds at once take the rows'
 * locks in the same order).
 */
export const foldRollupPartsSql = (schema: string) => {
  const s = `"${schema}"`;
  return `with parts as (delete from ${s}.rollup_parts returning *)
    insert into ${s}.rollups (user_id, day, intervals, sessions)
    select user_id, day, string_agg(intervals, '' order by seq), string_agg(sessions, '' order by seq)
    from ${partEntries('parts')} p group by user_id, day order by user_id, day
    on conflict (user_id, day) do update set intervals = ${s}.rollups.intervals || excluded.intervals,
      sessions = ${s}.rollups.sessions || excluded.sessions`;
};
