import type { Effect } from '@presence-tracker/core';
import type { Database } from 'better-sqlite3';

/** The people of one write seen at one instant, present (`presentAt` set) or not. */
export interface SightingGroup {
  at: number;
  presentAt: number | null;
  /** A plain JSON array of ids: SQLite reads that far faster than an array of tuples. */
  ids: string;
  /** The same ids, as the write's effects named them. */
  list: readonly string[];
  /** How many ids. */
  size: number;
}

/**
 * Schema version 7: sightings are kept as a log of groups, one row per instant and presence with
 * the people's ids as one JSON array, instead of rewriting every person's `last_seen` row on every
 * poll. Every poll sees nearly everyone, and rewriting 10,000 rows dirtied every page of `last_seen`
 * each time, much of what a poll's commit wrote. The log is folded into `last_seen` once it holds
 * `FOLD_IDS` ids or `FOLD_AFTER` groups, when a person is purged, and when the writer closes the
 * file; readers (`SightingOverlay`) read both. Times only grow: a person's last sighting is the
 * latest of their `last_seen` row and every group naming them.
 */
export const SIGHTINGS_LOG = `
  CREATE TABLE sightings (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    -- at, when the group's people were seen present; NULL when not
    present_at INTEGER,
    -- a JSON array of user ids
    ids TEXT NOT NULL
  ) STRICT;
`;

/**
 * How many groups the log holds before a write folds it into `last_seen`, whatever the number of ids.
 * A write makes one group per instant and presence, and real providers stamp readings at many
 * instants (Microsoft Graph one per page of 650 people, so 16 to 32 groups a poll of 10,000;
 * providers combined, up to one per person), so folds are decided by ids (`FOLD_IDS`); this bound
 * only keeps the rows a fold or a reader parses near a thousand (ten polls of 32 pages, present and
 * not, stay under it), and folds at once a write of more instants than that (as every write was
 * folded before the log) instead of growing the log by thousands of rows.
 */
export const FOLD_AFTER = 1024;

/**
 * How many ids the log holds before a write folds it: about every ten polls of 10,000 people,
 * however many instants each poll's readings carry. What a fold or a reader parses, and the memory it
 * takes, stays that of about ten such polls, however many people one write names (a write of
 * 1,000,000 folds at once, as every write did before the log).
 */
export const FOLD_IDS = 100_000;

/**
 * A write's effects apart from its sightings. Nearly every effect of a poll is a `seen` (one per
 * person), and only those of people whose records the write opens or closes date anything but the
 * sightings, so only they go to core's planning; the rest become a few groups, one per instant and
 * presence.
 */
export function splitSightings(effects: readonly Effect[]): {
  planned: readonly Effect[];
  groups: SightingGroup[];
} {
  // A write without sightings (a run's first poll opens a record for everyone) needs no set.
  if (!effects.some((e) => e.type === 'seen')) return { planned: effects, groups: [] };
  const recorded = new Set<string>();
  for (const e of effects) if (e.type !== 'seen' && e.type !== 'unavailable.long') recorded.add(e.userId);
  const planned: Effect[] = [];
  const groups: { at: number; presentAt: number | null; ids: string[] }[] = [];
  let group: (typeof groups)[number] | undefined;
  for (const e of effects) {
    if (e.type !== 'seen') {
      planned.push(e);
      continue;
    }
    if (recorded.has(e.userId)) planned.push(e);
    const at = e.at.getTime();
    const presentAt = e.present ? at : null;
    if (group?.at !== at || group.presentAt !== presentAt) {
      group = groups.find((g) => g.at === at && g.presentAt === presentAt);
      if (!group) {
        group = { at, presentAt, ids: [] };
        groups.push(group);
      }
    }
    group.ids.push(e.userId);
  }
  return {
    planned,
    groups: groups.map((g) => ({
      at: g.at,
      presentAt: g.presentAt,
      ids: JSON.stringify(g.ids),
      list: g.ids,
      size: g.ids.length,
    })),
  };
}

/** The writer's side of the log; call each inside the write's transaction. */
export interface SightingWriter {
  /** Appends a write's groups, and folds the log once it holds `FOLD_IDS` ids or `FOLD_AFTER` groups. */
  append(groups: readonly SightingGroup[]): void;
  /** Folds every group into `last_seen` and empties the log. */
  fold(): void;
}

export function prepareSightings(
  db: Database,
  limits: { groups: number; ids: number } = { groups: FOLD_AFTER, ids: FOLD_IDS },
): SightingWriter {
  const insert = db.prepare('INSERT INTO sightings (at, present_at, ids) VALUES (@at, @presentAt, @ids)');
  const count = db.prepare('SELECT count(*) FROM sightings').pluck();
  const countIds = db.prepare('SELECT coalesce(sum(json_array_length(ids)), 0) FROM sightings').pluck();
  // The ids in the log, counted from the file at the first append and at the first after each fold
  // (a log just emptied, so a cheap count), then as groups go in. A write rolled back leaves it too
  // high, which only folds sooner; a fold rolled back leaves it to be counted again, never too low.
  let ids: number | null = null;
  // The groups this writer appended since its last fold, by row id, as the effects named their
  // people: a fold takes a group's ids from here instead of parsing its row again, which was most of
  // a fold's work. Only the file says which groups are in the log: a group whose write was rolled
  // back is not there (or its row id went to a later group, which replaced it here), and one this
  // writer did not append (a log left by a process that stopped without folding) is read from its row.
  const appended = new Map<number, SightingGroup>();
  const groups = db.prepare('SELECT id, at, present_at FROM sightings ORDER BY at DESC, id DESC').raw(true);
  const idsOf = db.prepare('SELECT ids FROM sightings WHERE id = ?').pluck();
  // A row's times never move back: a last_seen row may be newer than the log (a file written
  // before the log, or sightings out of order).
  const merge = db.prepare(
    `INSERT INTO last_seen (user_id, interval_at, session_at)
     SELECT value, @at, @presentAt FROM json_each(@ids) WHERE true
     ON CONFLICT (user_id) DO UPDATE SET
       interval_at = max(coalesce(last_seen.interval_at, excluded.interval_at), excluded.interval_at),
       session_at = CASE WHEN excluded.session_at IS NULL THEN last_seen.session_at
         ELSE max(coalesce(last_seen.session_at, excluded.session_at), excluded.session_at) END`,
  );
  const empty = db.prepare('DELETE FROM sightings');
  const fold = () => {
    const rows = (groups.all() as [id: number, at: number, presentAt: number | null][]).map(
      ([id, at, presentAt]): GroupRow => {
        const g = appended.get(id);
        const kept = g !== undefined && g.at === at && g.presentAt === presentAt;
        return [at, presentAt, kept ? g.list : (JSON.parse(idsOf.get(id) as string) as string[])];
      },
    );
    appended.clear();
    ids = null;
    if (rows.length === 0) return;
    // Everyone's latest pair, grouped again by pair: SQLite reads a plain array of ids far faster
    // than an array of tuples, and most people share the newest pair.
    const latest = latestSightings(rows);
    const byPair = new Map<number, string[]>();
    latest.slots.forEach((slot, userId) => {
      const key = latest.latest[slot]! * (rows.length + 1) + latest.present[slot]! + 1;
      const group = byPair.get(key);
      if (group) group.push(userId);
      else byPair.set(key, [userId]);
    });
    for (const [key, people] of byPair) {
      const present = (key % (rows.length + 1)) - 1;
      merge.run({
        at: rows[Math.floor(key / (rows.length + 1))]![0],
        presentAt: present === -1 ? null : rows[present]![1],
        ids: JSON.stringify(people),
      });
    }
    empty.run();
  };
  return {
    append(list) {
      if (list.length === 0) return;
      ids ??= countIds.get() as number;
      for (const g of list) {
        const { lastInsertRowid } = insert.run({ at: g.at, presentAt: g.presentAt, ids: g.ids });
        appended.set(Number(lastInsertRowid), g);
        ids += g.size;
      }
      if (ids >= limits.ids || (count.get() as number) >= limits.groups) fold();
    },
    fold,
  };
}

/** A group of the log: its instant, its presence and its people's ids. */
type GroupRow = [at: number, presentAt: number | null, ids: readonly string[]];

/**
 * Each person's latest sighting and latest present sighting among `rows`, as indexes into `rows`
 * (`present` -1 where none), by the person's slot. The rows come newest first, so a person's first
 * group is their latest sighting and their first present group their latest present one. Indexes in
 * two arrays rather than a pair per person: a fold visits every id of the log, and most of them only
 * to find the person already complete.
 */
interface LatestSightings {
  slots: Map<string, number>;
  latest: number[];
  present: number[];
}

function latestSightings(rows: readonly GroupRow[]): LatestSightings {
  const slots = new Map<string, number>();
  const latest: number[] = [];
  const present: number[] = [];
  for (let g = 0; g < rows.length; g++) {
    const [, presentAt, ids] = rows[g]!;
    const isPresent = presentAt !== null;
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n]!;
      const slot = slots.get(id);
      if (slot === undefined) {
        slots.set(id, latest.length);
        latest.push(g);
        present.push(isPresent ? g : -1);
      } else if (isPresent && present[slot] === -1) present[slot] = g;
    }
  }
  return { slots, latest, present };
}

/**
 * What readers add to `last_seen`: the latest sightings still in the log. The log is read at the
 * first question, which must come inside the same read transaction as the records it completes;
 * a read that meets no open record never reads it.
 */
export interface SightingOverlay {
  /** The latest sighting of `userId` in the log, or 0. */
  at(userId: string): number;
  /** The latest present sighting of `userId` in the log, or 0. */
  presentAt(userId: string): number;
}

export function prepareOverlay(db: Database): () => SightingOverlay {
  const groups = db.prepare('SELECT at, present_at, ids FROM sightings ORDER BY at DESC, id DESC').raw(true);
  return () => {
    let rows: GroupRow[] | null = null;
    let latest: LatestSightings | null = null;
    const read = () => {
      rows ??= (groups.all() as [number, number | null, string][]).map(
        ([at, presentAt, ids]): GroupRow => [at, presentAt, JSON.parse(ids) as string[]],
      );
      latest ??= latestSightings(rows);
      return { rows, latest };
    };
    return {
      at(userId) {
        const { rows, latest } = read();
        const slot = latest.slots.get(userId);
        return slot === undefined ? 0 : rows[latest.latest[slot]!]![0];
      },
      presentAt(userId) {
        const { rows, latest } = read();
        const slot = latest.slots.get(userId);
        const g = slot === undefined ? -1 : latest.present[slot]!;
        return g === -1 ? 0 : rows[g]![1]!;
      },
    };
  };
}
