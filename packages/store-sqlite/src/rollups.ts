import {
  type RangeQuery,
  RollupBatch,
  type RollupEntry,
  type RollupRead,
  rollupDay,
  type Status,
} from '@presence-tracker/core';
import type { Database, Statement } from 'better-sqlite3';

/**
 * The file's rollups: one row per person per UTC day in `rollups`, appended to by the same
 * transaction that closes the records (core's `RollupBatch` makes the text), so a crash, a refused
 * write or a rollback leaves them exactly as the records.
 */
export const ROLLUPS_TABLE = `
  -- A digest per person per UTC day (day: its midnight, epoch ms), appended to as records close:
  -- intervals as "start,end,status," pieces from the midnight, sessions as "start,end," instants.
  CREATE TABLE rollups (
    user_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    intervals TEXT NOT NULL,
    sessions TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX rollups_by_day ON rollups (day);
`;

type Row = unknown[];

export interface RollupStatements {
  append: Statement;
  days: Statement;
  daysFor: Statement;
  openIntervals: Statement;
  openSessions: Statement;
}

export function prepareRollups(db: Database): RollupStatements {
  const rows = (sql: string) => db.prepare(sql).raw(true);
  const forUsers = 'user_id IN (SELECT value FROM json_each(@ids))';
  // In the nested loop's order, which is day order; the report sorts what is not.
  const concatenated = `group_concat('@' || r.day || ',' || r.intervals, '') AS intervals,
    group_concat(r.sessions, '') AS sessions`;
  return {
    // One statement a write: the digests only grow, by appending text.
    append: db.prepare(
      `INSERT INTO rollups (user_id, day, intervals, sessions)
       SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
       ON CONFLICT (user_id, day) DO UPDATE SET intervals = rollups.intervals || excluded.intervals,
         sessions = rollups.sessions || excluded.sessions`,
    ),
    // One row per person, their days concatenated (each after its `@day,`, as core's RollupEntry
    // allows), read person by person through the primary key, the people found in the day index:
    // reading every row through the day index costs a primary-key search per row, three to five times
    // as much for a long range, and the planner picks it whenever the file has no statistics yet; and
    // a row per person-day costs a report four strings and an object each.
    days: db.prepare(
      `SELECT u.user_id AS userId, 0 AS day, ${concatenated}
       FROM (SELECT DISTINCT user_id FROM rollups INDEXED BY rollups_by_day WHERE day >= @from AND day < @to
             ORDER BY user_id) u
       CROSS JOIN rollups r ON r.user_id = u.user_id AND r.day >= @from AND r.day < @to
       GROUP BY u.user_id`,
    ),
    daysFor: db.prepare(
      `SELECT u.user_id AS userId, 0 AS day, ${concatenated}
       FROM (SELECT DISTINCT value AS user_id FROM json_each(@ids) ORDER BY value) u
       CROSS JOIN rollups r ON r.user_id = u.user_id AND r.day >= @from AND r.day < @to
       GROUP BY u.user_id`,
    ),
    openIntervals: rows(
      `SELECT user_id, status, started_at FROM intervals WHERE ended_at IS NULL AND started_at < @to
       AND (@ids IS NULL OR ${forUsers}) ORDER BY user_id`,
    ),
    openSessions: rows(
      `SELECT user_id, started_at FROM sessions WHERE ended_at IS NULL AND started_at < @to
       AND (@ids IS NULL OR ${forUsers}) ORDER BY user_id`,
    ),
  };
}

/** Appends a write's digests; call inside the write's transaction. */
export function appendRollups(s: RollupStatements, batch: RollupBatch): void {
  if (batch.size === 0) return;
  s.append.run(JSON.stringify(batch.entries().map((e) => [e.userId, e.day, e.intervals, e.sessions])));
}

/** The digests of the days touching the range and the open records; call inside one read transaction. */
export function readRollups(s: RollupStatements, q: RangeQuery): RollupRead {
  const from = rollupDay(q.from.getTime());
  const to = q.to.getTime();
  const ids = q.userIds === undefined ? null : JSON.stringify(q.userIds);
  return {
    days: (ids === null ? s.days.all({ from, to }) : s.daysFor.all({ from, to, ids })) as RollupEntry[],
    openIntervals: (s.openIntervals.all({ to, ids }) as Row[]).map(([userId, status, startedAt]) => ({
      userId: userId as string,
      status: status as Status,
      startedAt: new Date(startedAt as number),
    })),
    openSessions: (s.openSessions.all({ to, ids }) as Row[]).map(([userId, startedAt]) => ({
      userId: userId as string,
      startedAt: new Date(startedAt as number),
    })),
  };
}

/**
 * Builds the digests of the records a file already holds (the migration that adds rollups): every
 * closed interval and session, a few thousand a statement, in the order they were opened, which is
 * each person's time order.
 */
export function buildRollups(db: Database): void {
  const s = prepareRollups(db);
  const pages = [
    db.prepare(
      'SELECT id, user_id, status, started_at, ended_at FROM intervals WHERE id > ? AND ended_at IS NOT NULL ORDER BY id LIMIT 5000',
    ),
    db.prepare(
      "SELECT id, user_id, '', started_at, ended_at FROM sessions WHERE id > ? AND ended_at IS NOT NULL ORDER BY id LIMIT 5000",
    ),
  ].map((statement) => statement.raw(true));
  pages.forEach((page, table) => {
    let after = 0;
    for (;;) {
      const rows = page.all(after) as Row[];
      if (rows.length === 0) break;
      const batch = new RollupBatch();
      for (const [id, userId, status, startedAt, endedAt] of rows) {
        if (table === 0)
          batch.interval(userId as string, status as Status, startedAt as number, endedAt as number);
        else batch.session(userId as string, startedAt as number, endedAt as number);
        after = id as number;
      }
      appendRollups(s, batch);
    }
  });
}
