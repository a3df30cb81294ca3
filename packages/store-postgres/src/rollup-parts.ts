/**
 * Schema version 10: what a write closes goes into the digests through `rollup_parts`, an
 * append-only table without index or key, one row per closed record and UTC day it touches, instead
 * of an `INSERT ... ON CONFLICT DO UPDATE` of each person-day's row of `rollups` on every write. The
 * upsert probed the key and wrote a new version of the growing row for nearly every person each
 * poll: about a quarter of a poll's write (pnpm bench postgres). The parts are folded into `rollups`
 * with the sightings log (see sightings.ts) and when a writing store closes; `readRollups` reads
 * both. Only writes with sightings (a tracker's polls) append parts: one without, which would fold
 * at once, folds what parts there are and upserts the digests itself, as every write did before.
 *
 * `a` and `b` are the part's record's start and end (epoch ms): a fold appends each person-day's
 * parts in that order, the order the writes appended them in before, so the digests' text is the
 * same.
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
 * Empties `rollup_parts` into `rollups` in one statement: each person-day's parts joined in record
 * order and appended to its row, in key order (so two folds at once take the rows' locks in the same
 * order).
 */
export const foldRollupPartsSql = (schema: string) => {
  const s = `"${schema}"`;
  return `with parts as (delete from ${s}.rollup_parts returning *)
    insert into ${s}.rollups (user_id, day, intervals, sessions)
    select user_id, day, string_agg(intervals, '' order by a, b), string_agg(sessions, '' order by a, b)
    from parts group by user_id, day order by user_id, day
    on conflict (user_id, day) do update set intervals = ${s}.rollups.intervals || excluded.intervals,
      sessions = ${s}.rollups.sessions || excluded.sessions`;
};
