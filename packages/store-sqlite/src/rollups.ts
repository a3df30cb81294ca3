import {
  dayRowPeople,
  type RangeQuery,
  ROLLUP_DAY_MS,
  RollupBatch,
  type RollupEntry,
  type RollupRead,
  rollupDay,
  type Status,
} from '@presence-tracker/core';
import type { Database, Statement } from 'better-sqlite3';
import { multiRowInsert } from './multi-row.ts';

/**
 * The file's rollups: one row per UTC day per person in `rollups`, appended to by the same
 * transaction that closes the records (core's `RollupBatch` makes the text), so a crash, a refused
 * write or a rollback leaves them exactly as the records.
 */

/**
 * Schema version 2's table, keyed by person first. Kept as it was released: a file at version 2 to 5
 * has it, and version 6 (`ROLLUPS_BY_DAY`) keys it by day first.
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

/**
 * Schema version 6: the rollups keyed by day first, so the digests a write starts go together at the
 * end of the table instead of one into each person's pages, and no second index is kept. Keyed by
 * person, a write that closed a day for 1,000 people dirtied nearly every page of the table and of
 * the day index, and each commit wrote them all to the WAL again.
 */
export const ROLLUPS_BY_DAY = `
  ALTER TABLE rollups RENAME TO rollups_by_person;
  -- A digest per UTC day (day: its midnight, epoch ms) per person, appended to as records close:
  -- intervals as "start,end,status," pieces from the midnight, sessions as "start,end," instants.
  CREATE TABLE rollups (
    day INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    intervals TEXT NOT NULL,
    sessions TEXT NOT NULL,
    PRIMARY KEY (day, user_id)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO rollups (day, user_id, intervals, sessions)
    SELECT day, user_id, intervals, sessions FROM rollups_by_person ORDER BY day, user_id;
  DROP TABLE rollups_by_person;
`;

type Row = unknown[];

/** A write's append: any number of digests in a few statements (`multiRowInsert`). */
export type RollupAppend = (values: readonly unknown[]) => void;

export interface RollupStatements {
  append: RollupAppend;
  dayRows: Statement;
  daysFor: Statement;
  openIntervals: Statement;
  openSessions: Statement;
}

/**
 * The digests only grow, by appending text. A multi-row VALUES statement takes them as they are:
 * one JSON parameter cost every write a `JSON.stringify` and SQLite a `json_each` over it, about
 * twice the statement's own work.
 */
export function prepareAppend(db: Database): RollupAppend {
  return multiRowInsert(
    db,
    'INSERT INTO rollups (day, user_id, intervals, sessions)',
    4,
    `ON CONFLICT (day, user_id) DO UPDATE SET intervals = rollups.intervals || excluded.intervals,
       sessions = rollups.sessions || excluded.sessions`,
  );
}

export function prepareRollups(db: Database): RollupStatements {
  const rows = (sql: string) => db.prepare(sql).raw(true);
  const forUsers = 'user_id IN (SELECT value FROM json_each(@ids))';
  // In day order within each person, as the rows come; the report sorts what is not.
  const concatenated = `group_concat('@' || r.day || ',' || r.intervals, '') AS intervals,
    group_concat(r.sessions, '') AS sessions`;
  return {
    append: prepareAppend(db),
    // One row per day, everyone's digests of it joined (core's RollupDayRow): the range is one
    // stretch of the primary key, read in its order with nothing to sort. A row per person, their
    // days joined, had SQLite sort 90,000 digests with their text by person, about two thirds of the
    // statement's time; a row per person-day costs a report four strings and an array each.
    dayRows: rows(
      `SELECT day, json_group_array(user_id), CAST(group_concat(intervals, ';') AS BLOB),
         CAST(group_concat(sessions, ';') AS BLOB)
       FROM rollups WHERE day >= @from AND day < @to GROUP BY day`,
    ),
    // For the people named, a primary-key search per person per day, the days bounded by those the
    // table holds: what it costs follows what is read, not the range's stretch of the table.
    daysFor: db.prepare(
      `WITH RECURSIVE
         bounds (first, last) AS (
           SELECT max(@from, (SELECT min(day) FROM rollups)), min(@to, (SELECT max(day) FROM rollups) + 1)),
         d (day) AS (
           SELECT first FROM bounds WHERE first < last
           UNION ALL SELECT d.day + ${ROLLUP_DAY_MS} FROM d, bounds WHERE d.day + ${ROLLUP_DAY_MS} < bounds.last)
       SELECT u.user_id AS userId, 0 AS day, ${concatenated}
       FROM (SELECT DISTINCT value AS user_id FROM json_each(@ids) ORDER BY value) u
       CROSS JOIN d
       CROSS JOIN rollups r ON r.day = d.day AND r.user_id = u.user_id
       GROUP BY u.user_id`,
    ),
    openIntervals: rows(
      `SELECT user_id, status, started_at FROM open_intervals WHERE started_at < @to
       AND (@ids IS NULL OR ${forUsers}) ORDER BY user_id`,
    ),
    openSessions: rows(
      `SELECT user_id, started_at FROM open_sessions WHERE started_at < @to
       AND (@ids IS NULL OR ${forUsers}) ORDER BY user_id`,
    ),
  };
}

/** Appends a write's digests; call inside the write's transaction. */
export function appendRollups(append: RollupAppend, batch: RollupBatch): void {
  if (batch.size === 0) return;
  const values: unknown[] = [];
  for (const e of batch.entries()) values.push(e.day, e.userId, e.intervals, e.sessions);
  append(values);
}

/** The digests of the days touching the range and the open records; call inside one read transaction. */
export function readRollups(s: RollupStatements, q: RangeQuery): RollupRead {
  const from = rollupDay(q.from.getTime());
  const to = q.to.getTime();
  const ids = q.userIds === undefined ? null : JSON.stringify(q.userIds);
  const read: RollupRead = {
    days: ids === null ? [] : (s.daysFor.all({ from, to, ids }) as RollupEntry[]),
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
  if (ids === null) {
    const people = dayRowPeople();
    read.dayRows = (s.dayRows.all({ from, to }) as Row[]).map(([day, userIds, intervals, sessions]) => ({
      day: day as number,
      userIds: people(userIds as string),
      intervals: intervals as Uint8Array,
      sessions: sessions as Uint8Array,
    }));
  }
  return read;
}

/**
 * Builds the digests of the records a file already holds (the migration that adds rollups): every
 * closed interval and session, a few thousand a statement, in the order they were opened, which is
 * each person's time order.
 */
export function buildRollups(db: Database): void {
  const append = prepareAppend(db);
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
      appendRollups(append, batch);
    }
  });
}
