import type { Sighting } from '@presence-tracker/core';
import { textArray } from './binary-arrays.ts';

/**
 * Schema version 9: a write's sightings are kept as a log of groups, one row per instant and
 * presence with the people's ids as one array, instead of upserting every person's `user_seen` row
 * on every poll. A poll sees nearly everyone, and the upsert found and rewrote 10,000 rows of
 * `user_seen` (and their key's entries) each time: about a fifth of a poll's write (pnpm bench
 * postgres). The log is folded into `user_seen` once it holds `FOLD_IDS` ids or `FOLD_AFTER` groups,
 * before a person is purged, and when a writing store closes; readers take the latest of a person's
 * `user_seen` row and every group naming them (`latestSightingsSql`). Times only grow, as the upsert
 * kept them.
 *
 * The log has no index: it is only ever read whole and emptied whole.
 */
export const sightingsMigration = (s: string): string => `
create table ${s}.sightings (
  at timestamptz not null,
  -- at, when the group's people were seen present; null when not
  present_at timestamptz,
  -- how many ids, so the log's size is known without reading the arrays
  size integer not null check (size = cardinality(ids)),
  ids text[] collate "C" not null
);
`;

/**
 * How many groups the log holds before a write folds it, whatever the number of ids. A write makes
 * one group per instant and presence, and real providers stamp readings at many instants (Microsoft
 * Graph one per page of 650 people, so 16 to 32 groups a poll of 10,000; providers combined, up to
 * one per person), so folds are decided by ids (`FOLD_IDS`); this bound only keeps the rows a fold or
 * a reader goes through near a thousand (ten polls of 32 pages, present and not, stay under it), and
 * folds at once a write of more instants than that (as every write was folded before the log)
 * instead of growing the log by thousands of rows.
 */
export const FOLD_AFTER = 1024;

/**
 * How many ids the log holds before a write folds it: about every ten polls of 10,000 people,
 * however many instants each poll's readings carry. What a fold or a reader aggregates stays that of
 * about ten such polls, however many people one write names.
 */
export const FOLD_IDS = 100_000;

/** The people of one write seen at one instant, present or not. */
export interface SightingGroup {
  at: Date;
  presentAt: Date | null;
  ids: string[];
}

/** A write's sightings grouped by instant and presence: two for a poll read at one instant. */
export function sightingGroups(sightings: readonly Sighting[]): SightingGroup[] {
  const groups = new Map<string, SightingGroup>();
  for (const x of sightings) {
    const key = `${x.at.getTime()} ${x.presentAt?.getTime() ?? ''}`;
    const group = groups.get(key);
    if (group) group.ids.push(x.userId);
    else groups.set(key, { at: x.at, presentAt: x.presentAt, ids: [x.userId] });
  }
  return [...groups.values()];
}

/** The INSERT of one group into the log, and its parameters. */
export function appendSightingSql(schema: string, group: SightingGroup): [string, unknown[]] {
  return [
    `insert into "${schema}".sightings (at, present_at, size, ids) values ($1, $2, $3, $4::text[])`,
    [group.at, group.presentAt, group.ids.length, textArray(group.ids)],
  ];
}

/** The log's size: `groups` and `ids`. */
export const logSizeSql = (schema: string) =>
  `select count(*)::int as groups, coalesce(sum(size), 0)::int as ids from "${schema}".sightings`;

/** Whether a log of this size is folded. */
export const foldDue = (size: { groups: number; ids: number }) =>
  size.groups >= FOLD_AFTER || size.ids >= FOLD_IDS;

/**
 * Empties the log into `user_seen` in one statement: each person's latest sighting and latest
 * present one, merged into their row by `greatest`. The rows go in person order, so two folds at once
 * take the rows' locks in the same order. A fold that runs beside another only moves the groups it
 * deleted; the other's wait for the same groups and then finds them gone.
 */
export const foldSightingsSql = (schema: string) => {
  const s = `"${schema}"`;
  return `with log as (delete from ${s}.sightings returning at, present_at, ids)
    insert into ${s}.user_seen (user_id, seen_at, present_at)
    select l.user_id, max(g.at), max(g.present_at)
    from log g cross join unnest(g.ids) as l(user_id)
    group by l.user_id order by l.user_id
    on conflict (user_id) do update set seen_at = greatest(${s}.user_seen.seen_at, excluded.seen_at),
      present_at = greatest(${s}.user_seen.present_at, excluded.present_at)`;
};

/**
 * A subquery of the sightings still in the log: `user_id`, `seen_at` and `present_at` (null when
 * the log never saw the person present), one row per person the log names. Readers join it beside
 * `user_seen` and take the greatest of both.
 */
export const latestSightingsSql = (schema: string) =>
  `(select l.user_id, max(g.at) as seen_at, max(g.present_at) as present_at
    from "${schema}".sightings g cross join unnest(g.ids) as l(user_id) group by l.user_id)`;
