import {
  dayRowPeople,
  type RangeQuery,
  RollupBatch,
  type RollupDayRow,
  type RollupEntry,
  type RollupRead,
  rollupDay,
  type Status,
} from '@presence-tracker/core';
import type { Database } from 'better-sqlite3';
import { mergeDayRows, withoutUser } from './day-rows.ts';
import { multiRowInsert } from './multi-row.ts';

/**
 * The file's rollups: since schema version 9 a row per write and UTC day in `rollup_days` (before,
 * one row per UTC day per person in `rollups`), appended by the same transaction that closes the
 * records (core's `RollupBatch` makes the text), so a crash, a refused write or a rollback leaves
 * them exactly as the records.
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

/**
 * Schema version 9: the digests as one row per write and UTC day it closed records on, the day's
 * people as a JSON array and their texts joined by `;`, in the order of the people (core's
 * `RollupDayRow`, as reports read them), and a day's rows folded into one now and then. A row per
 * person-day, upserted by every write with its text appended (`intervals || excluded.intervals`),
 * made each write insert or rewrite a row and dirty a page per person it closed records for, and its
 * statements bound four values a person. The rows of version 8 become one row per day, each person's
 * digest kept as it was.
 */
export const ROLLUP_DAYS = `
  -- One row per write per UTC day (day: its midnight, epoch ms) it closed records on, and a day's
  -- rows folded into one now and then: users, the people with a digest in the row as a JSON array;
  -- intervals and sessions, each one's text in the same order, joined by ';'. A person's digest of a
  -- day is their texts of its rows in row order: intervals as "start,end,status," pieces from the
  -- midnight, sessions as "start,end," instants. users comes first, so a purge reads it alone.
  CREATE TABLE rollup_days (
    id INTEGER PRIMARY KEY,
    day INTEGER NOT NULL,
    users TEXT NOT NULL,
    intervals TEXT NOT NULL,
    sessions TEXT NOT NULL
  ) STRICT;
  CREATE INDEX rollup_days_by_day ON rollup_days (day);
  INSERT INTO rollup_days (day, users, intervals, sessions)
    SELECT day, json_group_array(user_id ORDER BY user_id), group_concat(intervals, ';' ORDER BY user_id),
      group_concat(sessions, ';' ORDER BY user_id)
    FROM rollups GROUP BY day ORDER BY day;
  DROP TABLE rollups;
`;

/**
 * How many rows a day may hold before a write folds them into one. A tracker polling every minute
 * writes a row a poll while people change status: a day's rows are folded about every 32 polls, and
 * whenever the writer closes. A report merges what is not folded yet, for the last day or two.
 */
export const FOLD_ROWS = 32;

type Row = unknown[];

/** The file's rollups: a write's append, the folds, the reads and a person's purge. */
export interface Rollups {
  /** Appends a write's digests, a row per day; call inside the write's transaction. */
  append(batch: RollupBatch): void;
  /** Folds every day of more than one row into one; call inside a write transaction. */
  fold(): void;
  /** Takes a person out of every row; call inside a write transaction. */
  purge(userId: string): void;
  /** The digests of the days touching the range and the open records; call inside one read transaction. */
  read(q: RangeQuery): RollupRead;
}

export function prepareRollups(db: Database): Rollups {
  const rows = (sql: string) => db.prepare(sql).raw(true);
  const forUsers = 'user_id IN (SELECT value FROM json_each(@ids))';
  const s = {
    insert: db.prepare('INSERT INTO rollup_days (day, users, intervals, sessions) VALUES (?, ?, ?, ?)'),
    count: db.prepare('SELECT count(*) FROM rollup_days WHERE day = ?').pluck(),
    ofDay: rows('SELECT users, intervals, sessions FROM rollup_days WHERE day = ? ORDER BY id'),
    deleteDay: db.prepare('DELETE FROM rollup_days WHERE day = ?'),
    crowded: db.prepare('SELECT day FROM rollup_days GROUP BY day HAVING count(*) > 1').pluck(),
    people: rows('SELECT id, users FROM rollup_days'),
    row: rows('SELECT users, intervals, sessions FROM rollup_days WHERE id = ?'),
    update: db.prepare('UPDATE rollup_days SET users = ?, intervals = ?, sessions = ? WHERE id = ?'),
    delete: db.prepare('DELETE FROM rollup_days WHERE id = ?'),
    // The range's stretch of the day index, in its order (day, then row id: the order of the
    // writes), with nothing to sort; as bytes for everyone, as text for the people named.
    dayRows: rows(
      `SELECT day, users, CAST(intervals AS BLOB), CAST(sessions AS BLOB) FROM rollup_days
       WHERE day >= @from AND day < @to ORDER BY day, id`,
    ),
    dayTexts: rows(
      'SELECT day, users, intervals, sessions FROM rollup_days WHERE day >= @from AND day < @to ORDER BY day, id',
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
  const foldDay = (day: number) => {
    const merged = mergeDayRows(
      (s.ofDay.all(day) as Row[]).map(([users, intervals, sessions]) => ({
        users: JSON.parse(users as string) as string[],
        intervals: intervals as string,
        sessions: sessions as string,
      })),
    );
    s.deleteDay.run(day);
    s.insert.run(day, JSON.stringify(merged.users), merged.intervals, merged.sessions);
  };
  return {
    append(batch) {
      if (batch.size === 0) return;
      for (const row of batch.dayTexts()) {
        s.insert.run(row.day, JSON.stringify(row.userIds), row.intervals, row.sessions);
        if ((s.count.get(row.day) as number) > FOLD_ROWS) foldDay(row.day);
      }
    },
    fold() {
      for (const day of s.crowded.all() as number[]) foldDay(day);
    },
    purge(userId) {
      for (const [id, users] of s.people.all() as Row[]) {
        const people = JSON.parse(users as string) as string[];
        if (!people.includes(userId)) continue;
        const [, intervals, sessions] = s.row.get(id) as Row;
        const left = withoutUser(
          { users: people, intervals: intervals as string, sessions: sessions as string },
          userId,
        );
        if (left === null) s.delete.run(id);
        else s.update.run(JSON.stringify(left.users), left.intervals, left.sessions, id);
      }
    },
    read(q) {
      const from = rollupDay(q.from.getTime());
      const to = q.to.getTime();
      const ids = q.userIds === undefined ? null : JSON.stringify(q.userIds);
      const read: RollupRead = {
        days: q.userIds === undefined ? [] : textsOf(s.dayTexts.all({ from, to }) as Row[], q.userIds),
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
      if (q.userIds === undefined) read.dayRows = dayRowsOf(s.dayRows.all({ from, to }) as Row[]);
      return read;
    },
  };
}

/**
 * Everyone's rows of the days, one `RollupDayRow` a day: a day of one row as it is, the texts handed
 * over as SQLite gave them; a day of several (written since its last fold) merged first.
 */
function dayRowsOf(found: Row[]): RollupDayRow[] {
  const people = dayRowPeople();
  const out: RollupDayRow[] = [];
  for (let i = 0; i < found.length; ) {
    const day = found[i]![0] as number;
    let end = i + 1;
    while (end < found.length && found[end]![0] === day) end++;
    if (end === i + 1) {
      const [, users, intervals, sessions] = found[i]!;
      out.push({
        day,
        userIds: people(users as string),
        intervals: intervals as Uint8Array,
        sessions: sessions as Uint8Array,
      });
    } else {
      const merged = mergeDayRows(
        found.slice(i, end).map(([, users, intervals, sessions]) => ({
          users: JSON.parse(users as string) as string[],
          intervals: (intervals as Buffer).toString('latin1'),
          sessions: (sessions as Buffer).toString('latin1'),
        })),
      );
      out.push({
        day,
        userIds: merged.users as string[],
        intervals: Buffer.from(merged.intervals, 'latin1'),
        sessions: Buffer.from(merged.sessions, 'latin1'),
      });
    }
    i = end;
  }
  return out;
}

/**
 * The named people's texts out of the rows, one entry a person with their days joined, each day's
 * pieces (of all its rows, oldest first) after its `@day,` (core's `RollupEntry`). Every row of the
 * range is read, as rows are not kept by person; of a row naming someone asked for, only their
 * texts are cut out, found by the separators before them.
 */
function textsOf(found: Row[], userIds: readonly string[]): RollupEntry[] {
  const wanted = new Set(userIds);
  const byUser = new Map<string, RollupEntry & { last: number }>();
  let lastUsers: string | null = null;
  let people: string[] = [];
  let at: number[] = [];
  for (const [day, users, intervals, sessions] of found) {
    if (users !== lastUsers) {
      lastUsers = users as string;
      people = JSON.parse(lastUsers) as string[];
      at = [];
      for (let p = 0; p < people.length; p++) if (wanted.has(people[p]!)) at.push(p);
    }
    if (at.length === 0) continue;
    const iv = texts(intervals as string, people.length, at);
    const sv = texts(sessions as string, people.length, at);
    for (let k = 0; k < at.length; k++) {
      const userId = people[at[k]!]!;
      let entry = byUser.get(userId);
      if (!entry) {
        entry = { userId, day: 0, intervals: '', sessions: '', last: Number.NaN };
        byUser.set(userId, entry);
      }
      // A day's rows come together, oldest first: its texts go after one @day, in that order.
      if (entry.last !== day) entry.intervals += `@${day as number},`;
      entry.last = day as number;
      entry.intervals += iv[k]!;
      entry.sessions += sv[k]!;
    }
  }
  return [...byUser.values()].map(({ userId, intervals, sessions }) => ({
    userId,
    day: 0,
    intervals,
    sessions,
  }));
}

/**
 * The texts at positions `at` (ascending) of a row's `people` texts joined by `;`, decoded; refuses
 * a row whose texts do not match its people.
 */
function texts(row: string, people: number, at: readonly number[]): string[] {
  const out: string[] = [];
  let start = 0;
  let p = 0;
  for (const wanted of at) {
    for (; p < wanted; p++) {
      const next = row.indexOf(';', start);
      if (next < 0) break;
      start = next + 1;
    }
    const end = row.indexOf(';', start);
    if (p < wanted || end < 0 !== (wanted === people - 1)) {
      throw new RangeError(
        `expected a rollup day row's texts to be one per person (${people}), joined by ';'`,
      );
    }
    out.push(row.slice(start, end < 0 ? row.length : end));
  }
  return out;
}

/**
 * Version 2's append, to the table of a row per person-day (schema versions 2 to 8): the digests
 * only grow, by appending text, so a multi-row VALUES statement takes them as they are.
 */
function appendByPerson(db: Database): (batch: RollupBatch) => void {
  const append = multiRowInsert(
    db,
    'INSERT INTO rollups (day, user_id, intervals, sessions)',
    4,
    `ON CONFLICT (day, user_id) DO UPDATE SET intervals = rollups.intervals || excluded.intervals,
       sessions = rollups.sessions || excluded.sessions`,
  );
  return (batch) => {
    if (batch.size === 0) return;
    const values: unknown[] = [];
    for (const e of batch.entries()) values.push(e.day, e.userId, e.intervals, e.sessions);
    append(values);
  };
}

/**
 * Builds the digests of the records a file already holds (the migration that adds rollups): every
 * closed interval and session, a few thousand a statement, in the order they were opened, which is
 * each person's time order.
 */
export function buildRollups(db: Database): void {
  const append = appendByPerson(db);
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
      append(batch);
    }
  });
}
