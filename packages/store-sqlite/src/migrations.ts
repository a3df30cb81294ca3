import { StoreError } from '@presence-tracker/core';
import type { Database } from 'better-sqlite3';
import { CHANGES_BY_WRITE, CHANGES_SCHEMA } from './changes.ts';
import { COUNTERS_TABLE } from './counters.ts';
import { OPEN_RECORDS } from './open-records.ts';
import { buildRollups, ROLLUPS_BY_DAY, ROLLUPS_TABLE } from './rollups.ts';
import { SIGHTINGS_LOG } from './sightings.ts';

/** One step of the schema. Steps are never edited once released; a change is a new step. */
export interface Migration {
  /** The `PRAGMA user_version` the file has after this step; steps count up from 1. */
  version: number;
  description: string;
  up: string;
  /** What SQL alone does not do well, run after `up` in the same transaction. */
  build?: (db: Database) => void;
}

/**
 * Every schema version this code knows, oldest first. Instants are integer milliseconds since the
 * epoch; up to version 7 `ended_at IS NULL` marks what is still open, from version 8 open records
 * are in `open_intervals` and `open_sessions`.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, groups, runs, samples, intervals, sessions, outbox, writer lock',
    up: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        display_name TEXT,
        email TEXT,
        severity INTEGER NOT NULL DEFAULT 0,
        -- 1 when the platform gave a list of groups (even an empty one), so it is handed back as given
        has_groups INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE user_groups (
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        group_id TEXT NOT NULL,
        name TEXT,
        position INTEGER NOT NULL,
        PRIMARY KEY (user_id, kind, group_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX user_groups_by_group ON user_groups (kind, group_id);

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        last_poll_at INTEGER
      ) STRICT;
      CREATE INDEX runs_open ON runs (id) WHERE ended_at IS NULL;

      -- One row per written poll, its readings a JSON array of [user id, observed at, status, source,
      -- raw]: readings are written on every poll for every user and read rarely, so a poll's worth
      -- goes in as one row. first_at and last_at bound the readings' times.
      CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        readings TEXT NOT NULL
      ) STRICT;
      CREATE INDEX samples_by_time ON samples (last_at, first_at);

      CREATE TABLE intervals (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        raw TEXT
      ) STRICT;
      -- At most one open interval per user: the database itself refuses a second one.
      CREATE UNIQUE INDEX intervals_open ON intervals (user_id) WHERE ended_at IS NULL;
      CREATE INDEX intervals_by_start ON intervals (started_at, user_id);
      CREATE INDEX intervals_by_user ON intervals (user_id, started_at);

      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        -- as of the close; while open, see last_seen
        last_seen_at INTEGER NOT NULL,
        end_reason TEXT
      ) STRICT;
      CREATE UNIQUE INDEX sessions_open ON sessions (user_id) WHERE ended_at IS NULL;
      CREATE INDEX sessions_by_start ON sessions (started_at, user_id);
      CREATE INDEX sessions_by_user ON sessions (user_id, started_at);

      -- When each user was last confirmed (interval_at) and last seen present (session_at), so a
      -- crashed run's open interval and session end there. Every poll confirms every user: one small
      -- row each, instead of rewriting the open interval and session rows. A value older than the
      -- open record's start belongs to an earlier record and means "not seen since it started".
      CREATE TABLE last_seen (
        user_id TEXT PRIMARY KEY,
        interval_at INTEGER,
        session_at INTEGER
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        notifier TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        data TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        -- NULL once the entry has been given up
        next_attempt_at INTEGER,
        last_error TEXT
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (notifier, seq) WHERE next_attempt_at IS NOT NULL;

      -- The longest closed interval and session, so range queries can bound how far back to look.
      CREATE TABLE spans (
        name TEXT PRIMARY KEY,
        longest INTEGER NOT NULL
      ) STRICT;
      INSERT INTO spans (name, longest) VALUES ('intervals', 0), ('sessions', 0);

      CREATE TABLE writer (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        owner TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        claimed_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'rollups: a digest per person per UTC day, built for the records already kept',
    up: ROLLUPS_TABLE,
    build: buildRollups,
  },
  {
    version: 3,
    description: 'changes: intervals, sessions and runs numbered by their last opening or closing',
    up: CHANGES_SCHEMA,
  },
  {
    version: 4,
    description: 'changes: numbered by the write itself, one number per write, instead of by triggers',
    up: CHANGES_BY_WRITE,
  },
  {
    version: 5,
    description: "counters: a run's named counts (polls, samples, errors, durations), only ever added to",
    up: COUNTERS_TABLE,
  },
  {
    version: 6,
    description:
      'rollups: keyed by day, then person, so a write appends its new days at the end of the table',
    up: ROLLUPS_BY_DAY,
  },
  {
    version: 7,
    description:
      "sightings: a log of a poll's sightings, a row per instant and presence, folded into last_seen now and then",
    up: SIGHTINGS_LOG,
  },
  {
    version: 8,
    description:
      'open records: a table of their own, one row per person; intervals and sessions hold each record once, as it closes',
    up: OPEN_RECORDS,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Refuses a file written by a newer schema than `migrations` knows; returns the file's version. */
export function checkVersion(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  file = 'the database',
): number {
  const found = db.pragma('user_version', { simple: true }) as number;
  const known = migrations.length;
  if (found > known) {
    throw new StoreError(
      'sqlite',
      `${file} has schema version ${found}, but this version of @presence-tracker/store-sqlite knows versions 1 to ${known}; upgrade the package to open it`,
      { code: 'STORE_SCHEMA_TOO_NEW', details: { found, known } },
    );
  }
  return found;
}

/**
 * Brings the file up to the newest of `migrations`, in one transaction, so a process opening the
 * file at the same time sees either the old schema or the new one. Refuses a file written by a newer
 * schema than it knows.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  file = 'the database',
): void {
  // A reader should not queue behind a busy writer when there is nothing to migrate.
  if (checkVersion(db, migrations, file) === migrations.length) return;
  db.transaction(() => {
    const found = checkVersion(db, migrations, file);
    for (const m of migrations.slice(found)) {
      db.exec(m.up);
      m.build?.(db);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
