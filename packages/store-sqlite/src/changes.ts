import { type Run, type StoreChanges, StoreError } from '@presence-tracker/core';
import type { Database } from 'better-sqlite3';
import { byChange } from './open-records.ts';
import { intervalOf, sessionsOf } from './rows.ts';
import type { SightingOverlay } from './sightings.ts';

/** Opening and closing a record: the writes a reader following the file needs to hear of. */
const numbered = (table: string) => `
  CREATE INDEX ${table}_by_change ON ${table} (changed);
  CREATE TRIGGER ${table}_opened AFTER INSERT ON ${table} BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    UPDATE ${table} SET changed = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.id;
  END;
  CREATE TRIGGER ${table}_closed AFTER UPDATE OF ended_at ON ${table} BEGIN
    UPDATE change_counter SET seq = seq + 1 WHERE id = 1;
    UPDATE ${table} SET changed = (SELECT seq FROM change_counter WHERE id = 1) WHERE id = NEW.id;
  END;
`;

/**
 * Schema version 3: every interval, session and run carries the number of its last opening or
 * closing, from one counter that the file's single writer advances in the same transaction.
 * Confirmations (`last_seen`, a run's heartbeat) do not count: they are not news. Version 3 numbered
 * each record by triggers; version 4 drops them (`CHANGES_BY_WRITE`). Released steps are never edited.
 */
export const CHANGES_SCHEMA = `
  CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL) STRICT;
  INSERT INTO change_counter (id, seq) VALUES (1, 0);
  ALTER TABLE intervals ADD COLUMN changed INTEGER;
  ALTER TABLE sessions ADD COLUMN changed INTEGER;
  ALTER TABLE runs ADD COLUMN changed INTEGER;
  ${numbered('intervals')}
  ${numbered('sessions')}
  ${numbered('runs')}
`;

/**
 * Schema version 4: the triggers go. They cost two more UPDATEs for every record opened or closed
 * (ten times the insert itself); instead each write takes one number from the counter (`nextChange`)
 * and sets it in its own INSERT and UPDATE statements. The file has one writer, so the numbers of
 * successive writes grow with their commits, and a reader's cursor (the counter as of its read
 * transaction) never skips a record. The numbers already given are kept, and the counter goes on
 * from them.
 */
export const CHANGES_BY_WRITE = ['intervals', 'sessions', 'runs']
  .flatMap((table) => [`DROP TRIGGER ${table}_opened;`, `DROP TRIGGER ${table}_closed;`])
  .join('\n');

/**
 * The number of the write in progress: taken from the counter the first time it is asked for, so a
 * write that opens or closes nothing leaves the counter alone. Call inside the write's transaction,
 * once per transaction.
 */
export function changeNumber(db: Database): () => () => number {
  const next = db.prepare('UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq').pluck();
  return () => {
    let taken: number | null = null;
    return () => {
      taken ??= next.get() as number;
      return taken;
    };
  };
}

type Row = unknown[];

export function prepareChanges(
  db: Database,
  overlay: () => SightingOverlay,
): (after: string | null) => StoreChanges {
  const rows = (sql: string) => db.prepare(sql).raw(true);
  // Records one write changed share its number; among them, the order they were first written in
  // (their ids, given as they open, kept in \`opened\` once closed). Closed records come from the
  // record tables, in that order by their change-number index (a write appends its closed rows in the
  // order of their opening), and open ones from their own tables (schema version 8), read whole
  // (they have no change-number index) but only when something was written since; the two are
  // merged.
  const between = 'changed > @after AND changed <= @upTo ORDER BY changed, id';
  const s = {
    counter: rows('SELECT seq FROM change_counter WHERE id = 1'),
    intervals: rows(
      `SELECT user_id, status, started_at, ended_at, raw, changed, coalesce(opened, id) FROM intervals WHERE ${between}`,
    ),
    openIntervals: rows(
      `SELECT user_id, status, started_at, NULL, raw, changed, id FROM open_intervals WHERE ${between}`,
    ),
    sessions: rows(
      `SELECT user_id, started_at, ended_at, coalesce(opened, id), last_seen_at, end_reason, changed, coalesce(opened, id)
       FROM sessions WHERE ${between}`,
    ),
    openSessions: rows(
      `SELECT user_id, started_at, NULL, id,
         max(last_seen_at, coalesce((SELECT session_at FROM last_seen l WHERE l.user_id = open_sessions.user_id), 0)),
         NULL, changed, id FROM open_sessions WHERE ${between}`,
    ),
    runs: rows(`SELECT id, started_at, ended_at FROM runs WHERE ${between}`),
  };

  /** Everything numbered after `after` up to the counter, in one read transaction. */
  return db.transaction((after: string | null): StoreChanges => {
    const upTo = (s.counter.get() as Row)[0] as number;
    const answer: StoreChanges = { cursor: String(upTo), intervals: [], sessions: [], runs: [] };
    if (after === null) return answer;
    const from = /^\d{1,15}$/.test(after) ? Number(after) : Number.NaN;
    if (!(from <= upTo)) {
      throw new StoreError(
        'sqlite',
        `changes: after: expected a cursor of this file, got ${JSON.stringify(after)}`,
        {
          code: 'STORE_INVALID',
          details: { operation: 'changes', field: 'after' },
        },
      );
    }
    // Nothing was written since: one read of the counter.
    if (from === upTo) return answer;
    const q = { after: from, upTo };
    answer.intervals = byChange(s.intervals.all(q) as Row[], s.openIntervals.all(q) as Row[], 5).map(
      intervalOf,
    );
    answer.sessions = sessionsOf(
      byChange(s.sessions.all(q) as Row[], s.openSessions.all(q) as Row[], 6),
      overlay(),
    );
    answer.runs = (s.runs.all(q) as Row[]).map(
      ([id, startedAt, endedAt]): Run => ({
        id: String(id),
        startedAt: new Date(startedAt as number),
        endedAt: endedAt === null ? null : new Date(endedAt as number),
      }),
    );
    return answer;
  });
}
