import type { Effect } from '@presence-tracker/core';
import type { Database } from 'better-sqlite3';

/** The people of one write seen at one instant, present (`presentAt` set) or not. */
export interface SightingGroup {
  at: number;
  presentAt: number | null;
  /** A plain JSON array of ids: SQLite reads that far faster than an array of tuples. */
  ids: string;
}

/**
 * A write's effects apart from its sightings. Nearly every effect of a poll is a `seen` (one per
 * person), and only those of people whose records the write opens or closes date anything but
 * `last_seen`, so only they go to core's planning; the rest become a few groups, one per instant,
 * each written to `last_seen` by one statement, in the order of their instants (so a person seen
 * twice in one write ends at the later sighting, as the planning would have it).
 */
export function splitSightings(effects: readonly Effect[]): {
  planned: readonly Effect[];
  groups: SightingGroup[];
} {
  const recorded = new Set<string>();
  let sightings = 0;
  for (const e of effects) {
    if (e.type === 'seen') sightings++;
    else if (e.type !== 'unavailable.long') recorded.add(e.userId);
  }
  if (sightings === 0) return { planned: effects, groups: [] };
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
  groups.sort((x, y) => x.at - y.at);
  return { planned, groups: groups.map((g) => ({ ...g, ids: JSON.stringify(g.ids) })) };
}

/**
 * Writes the groups to `last_seen`. A present sighting replaces the person's row outright, the
 * cheapest write SQLite has (about two thirds of an upsert's cost); one that is not present keeps
 * the row's session time. Call inside the write's transaction.
 */
export function prepareSightings(db: Database): (groups: readonly SightingGroup[]) => void {
  const present = db.prepare(
    `INSERT OR REPLACE INTO last_seen (user_id, interval_at, session_at)
     SELECT value, @at, @presentAt FROM json_each(@ids)`,
  );
  const absent = db.prepare(
    `INSERT INTO last_seen (user_id, interval_at, session_at)
     SELECT value, @at, NULL FROM json_each(@ids) WHERE true
     ON CONFLICT (user_id) DO UPDATE SET interval_at = excluded.interval_at`,
  );
  return (groups) => {
    for (const g of groups) {
      if (g.presentAt === null) absent.run({ at: g.at, ids: g.ids });
      else present.run(g);
    }
  };
}
