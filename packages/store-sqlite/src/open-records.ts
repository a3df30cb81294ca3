import type { Database } from 'better-sqlite3';

/**
 * Schema version 8: records still open live in tables of their own, one row per person, and a
 * record is written to `intervals` or `sessions` once, as the finished row, when it closes. Before,
 * a status change updated the closed row in place (a random page of the table, of the unique index
 * on open records and of the change-number index) and inserted the new open row into the table and
 * its four indexes; now it replaces one narrow row keyed by the person and appends the finished
 * row at the end of the table. A person's one open record is the primary key, so a second one is
 * refused by the file as the unique index refused it. A record keeps the id it was given at its
 * opening (from `record_ids`, one counter per kind), in `opened` once it is closed: a session's id
 * and the order of a write's records in `changes()` stay what they were, while the finished row
 * takes the next row id, at the end. Rows closed before version 8 have no `opened`: their id is
 * their row's. Readers take the open rows from here and the closed ones from the record tables.
 *
 * The open tables have no change-number index. An open row's number is that of the write that opened
 * it and never changes while it is open, yet each status change would delete an entry at a random
 * place in such an index: about a tenth of the pages a poll wrote, and with them one checkpoint in two
 * of 20 polls of 10,000 people (55.2 MB written against 42.8). `changes()` reads the open tables
 * whole when something was written since its cursor (a few milliseconds for 10,000 open records) and
 * not at all when nothing was.
 */
export const OPEN_RECORDS = `
  CREATE TABLE open_intervals (
    user_id TEXT PRIMARY KEY,
    id INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    raw TEXT,
    changed INTEGER
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE open_sessions (
    user_id TEXT PRIMARY KEY,
    id INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    -- as of the opening; see last_seen and the sightings log
    last_seen_at INTEGER NOT NULL,
    changed INTEGER
  ) STRICT, WITHOUT ROWID;

  -- The last id given to an interval and to a session, open or closed.
  CREATE TABLE record_ids (
    name TEXT PRIMARY KEY,
    last INTEGER NOT NULL
  ) STRICT;
  INSERT INTO record_ids (name, last) VALUES
    ('intervals', (SELECT coalesce(max(id), 0) FROM intervals)),
    ('sessions', (SELECT coalesce(max(id), 0) FROM sessions));

  -- A record's id as given at its opening, for records closed from version 8 on; NULL: the row's id.
  ALTER TABLE intervals ADD COLUMN opened INTEGER;
  ALTER TABLE sessions ADD COLUMN opened INTEGER;

  INSERT INTO open_intervals (user_id, id, status, started_at, raw, changed)
    SELECT user_id, id, status, started_at, raw, changed FROM intervals WHERE ended_at IS NULL ORDER BY user_id;
  INSERT INTO open_sessions (user_id, id, started_at, last_seen_at, changed)
    SELECT user_id, id, started_at, last_seen_at, changed FROM sessions WHERE ended_at IS NULL ORDER BY user_id;
  DELETE FROM intervals WHERE ended_at IS NULL;
  DELETE FROM sessions WHERE ended_at IS NULL;
  DROP INDEX intervals_open;
  DROP INDEX sessions_open;
`;

/**
 * Takes `count` ids of `kind` from `record_ids` and answers the first; call inside the write's
 * transaction.
 */
export function recordIds(db: Database): (kind: 'intervals' | 'sessions', count: number) => number {
  const take = db.prepare('UPDATE record_ids SET last = last + ? WHERE name = ? RETURNING last').pluck();
  return (kind, count) => (take.get(count, kind) as number) - count + 1;
}

type Row = unknown[];

/**
 * Two lists of rows, each already in order, as one list in that order; on a tie the row of `first`
 * comes first. Open and closed records are read from their own tables, each by its index. The
 * second list is the short one (open records, or the few a change read found): each of its rows is
 * placed by a binary search in the first, and the runs of the first between them are copied whole.
 */
function mergeOrdered(
  first: readonly Row[],
  second: readonly Row[],
  before: (x: Row, y: Row) => boolean,
): Row[] {
  if (first.length === 0) return second as Row[];
  if (second.length === 0) return first as Row[];
  const merged: Row[] = [];
  let from = 0;
  for (const row of second) {
    // The first row of `first`, from `from` on, that `row` goes before.
    let low = from;
    let high = first.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(row, first[mid]!)) high = mid;
      else low = mid + 1;
    }
    for (; from < low; from++) merged.push(first[from]!);
    merged.push(row);
  }
  for (; from < first.length; from++) merged.push(first[from]!);
  return merged;
}

/**
 * Closed and open rows, each ordered by start and person, as one list in that order. `start` is the
 * start's column, the person's the first; on a tie the closed row comes first, as the older record
 * (SQLite ordered such ties by id).
 */
export function byStart(closed: readonly Row[], open: readonly Row[], start: number): Row[] {
  return mergeOrdered(closed, open, (x, y) => {
    const dx = x[start] as number;
    const dy = y[start] as number;
    return dx < dy || (dx === dy && (x[0] as string) < (y[0] as string));
  });
}

/**
 * Closed and open rows, each ordered by change number (column `changed`) and then by the id given at
 * opening (column `changed + 1`), as one list in that order: `changes()`.
 */
export function byChange(closed: readonly Row[], open: readonly Row[], changed: number): Row[] {
  return mergeOrdered(closed, open, (x, y) => {
    const cx = x[changed] as number;
    const cy = y[changed] as number;
    return cx < cy || (cx === cy && (x[changed + 1] as number) < (y[changed + 1] as number));
  });
}
