import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, STATUSES, StoreError } from '@presence-tracker/core';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, sqliteStore } from './index.ts';
import { migrate } from './migrations.ts';
import { ROLLUPS_BY_DAY } from './rollups.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `db-${++files}.db`);

const T0 = Date.UTC(2026, 2, 2, 8);
const at = (minute: number) => new Date(T0 + minute * 60_000);

/** Undoes schema version 8 on a file this code wrote: open records back among the rest, as version 7 kept them. */
function openRecordsBack(db: Sqlite.Database) {
  db.exec(`
    UPDATE intervals SET id = -coalesce(opened, id);
    UPDATE intervals SET id = -id;
    UPDATE sessions SET id = -coalesce(opened, id);
    UPDATE sessions SET id = -id;
    ALTER TABLE intervals DROP COLUMN opened;
    ALTER TABLE sessions DROP COLUMN opened;
    INSERT INTO intervals (id, user_id, status, started_at, ended_at, raw, changed)
      SELECT id, user_id, status, started_at, NULL, raw, changed FROM open_intervals;
    INSERT INTO sessions (id, user_id, started_at, last_seen_at, ended_at, end_reason, changed)
      SELECT id, user_id, started_at, last_seen_at, NULL, NULL, changed FROM open_sessions;
    DROP TABLE open_intervals; DROP TABLE open_sessions; DROP TABLE record_ids;
    CREATE UNIQUE INDEX intervals_open ON intervals (user_id) WHERE ended_at IS NULL;
    CREATE UNIQUE INDEX sessions_open ON sessions (user_id) WHERE ended_at IS NULL;
  `);
}

const version = (path: string) => {
  const db = new Sqlite(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
};

test('the migrations count up from 1 without gaps', () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
});

// Every version this code knows, from the empty file (0) on: the store opens it, brings it to the
// newest version and works on it.
describe.each(Array.from({ length: SCHEMA_VERSION }, (_, v) => v))('from schema version %i', (from) => {
  test('the store migrates the file on first use and works on it', async () => {
    const path = file();
    const db = new Sqlite(path);
    migrate(db, MIGRATIONS.slice(0, from));
    db.close();
    expect(version(path)).toBe(from);

    const store = sqliteStore({ path });
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [{ userId: 'u1', status: 'available', observedAt: at(0) }],
      effects: [{ type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) }],
    });
    expect((await store.intervals({ from: at(0), to: at(1) })).length).toBe(1);
    await store.close();
    expect(version(path)).toBe(SCHEMA_VERSION);
  });
});

test('opening a migrated file again changes nothing', async () => {
  const path = file();
  const first = sqliteStore({ path });
  await first.upsertUsers([{ key: 'ada@example.com', id: 'u1', severity: 1, displayName: 'Ada' }]);
  await first.close();
  const schema = () => {
    const db = new Sqlite(path, { readonly: true });
    const rows = db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();
    db.close();
    return rows;
  };
  const before = schema();
  for (let i = 0; i < 3; i++) {
    const again = sqliteStore({ path });
    await again.init();
    await again.init();
    expect((await again.users()).map((u) => u.displayName)).toEqual(['Ada']);
    await again.close();
  }
  expect(schema()).toEqual(before);
  expect(version(path)).toBe(SCHEMA_VERSION);
});

test('a file written by a newer schema is refused with STORE_SCHEMA_TOO_NEW and left alone', async () => {
  const path = file();
  const db = new Sqlite(path);
  migrate(db);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const bytes = readFileSync(path);

  const store = sqliteStore({ path });
  const error = await store.init().catch((e: unknown) => e);
  expect(StoreError.isInstance(error)).toBe(true);
  expect((error as StoreError).code).toBe('STORE_SCHEMA_TOO_NEW');
  expect((error as Error).message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
  expect((error as Error).message).toContain(`knows versions 1 to ${SCHEMA_VERSION}`);
  expect((error as Error).message).toContain(path);
  // Every call says the same; nothing half-opened is left behind.
  await expect(store.users()).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW' });
  await store.close();
  expect(readFileSync(path).equals(bytes)).toBe(true);
  expect(version(path)).toBe(SCHEMA_VERSION + 1);
});

test('a file that is not a database is refused with a StoreError naming it', async () => {
  const path = file();
  writeFileSync(
    path,
    'this is not a database, just some text that is long enough to have a header'.repeat(20),
  );
  const store = sqliteStore({ path });
  const error = await store.init().catch((e: unknown) => e);
  expect(StoreError.isInstance(error)).toBe(true);
  expect((error as StoreError).code).toBe('STORE_FAILED');
  expect((error as Error).message).toContain(path);
  await store.close();
});

test('a store opens nothing until it is first used', async () => {
  const path = file();
  const store = sqliteStore({ path });
  expect(() => readFileSync(path)).toThrow();
  await store.users();
  expect(version(path)).toBe(SCHEMA_VERSION);
  await store.close();
});

test('a file numbered by the schema 3 triggers keeps its numbers and cursors, and is numbered by each write after', async () => {
  const path = file();
  const v3 = new Sqlite(path);
  migrate(v3, MIGRATIONS.slice(0, 3));
  // What version 3 wrote: every opening and closing numbered by the triggers, one number each.
  v3.prepare('INSERT INTO runs (started_at) VALUES (?)').run(at(0).getTime());
  const open = v3.prepare('INSERT INTO intervals (user_id, status, started_at) VALUES (?, ?, ?)');
  open.run('u1', 'available', at(1).getTime());
  open.run('u2', 'busy', at(1).getTime());
  v3.prepare('UPDATE intervals SET ended_at = ? WHERE user_id = ?').run(at(2).getTime(), 'u1');
  expect(v3.prepare('SELECT seq FROM change_counter').pluck().get()).toBe(4);
  v3.close();

  const store = sqliteStore({ path });
  const first = await store.changes!({ after: null });
  expect(first.cursor).toBe('4');
  // A cursor given before the migration still finds what came after it, in the order it changed.
  const afterOpen = await store.changes!({ after: '2' });
  expect(afterOpen.intervals.map((i) => [i.userId, i.endedAt?.getTime() ?? null])).toEqual([
    ['u2', null],
    ['u1', at(2).getTime()],
  ]);

  const run = (await store.openState()).runs[0]!.id;
  await store.writePoll({
    runId: run,
    at: at(3),
    samples: [],
    effects: [
      { type: 'interval.close', userId: 'u2', endedAt: at(3) },
      { type: 'interval.open', userId: 'u2', status: 'away', startedAt: at(3) },
      { type: 'interval.open', userId: 'u3', status: 'dnd', startedAt: at(3) },
    ],
  });
  await store.writePoll({
    runId: run,
    at: at(4),
    samples: [],
    effects: [{ type: 'seen', userId: 'u3', at: at(4), present: true }],
  });
  const later = await store.changes!({ after: first.cursor });
  // One number for the whole write, the counter going on from the triggers' last; nothing for a sighting.
  expect(later.cursor).toBe('5');
  expect(later.intervals.map((i) => [i.userId, i.status, i.endedAt?.getTime() ?? null])).toEqual([
    ['u2', 'busy', at(3).getTime()],
    ['u2', 'away', null],
    ['u3', 'dnd', null],
  ]);
  await store.close();

  const db = new Sqlite(path, { readonly: true });
  const triggers = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").pluck().all();
  const numbers = db
    .prepare(
      'SELECT changed FROM (SELECT coalesce(opened, id) AS id, changed FROM intervals UNION ALL SELECT id, changed FROM open_intervals) ORDER BY id',
    )
    .pluck()
    .all();
  db.close();
  expect(triggers).toEqual([]);
  expect(numbers).toEqual([4, 5, 5, 5]);
});

test('rollups keyed by person are keyed by day, every digest kept, and writes append to them after', async () => {
  const path = file();
  const byDay = MIGRATIONS.findIndex((m) => m.up === ROLLUPS_BY_DAY);
  const store = sqliteStore({ path });
  const run = await store.startRun(at(0));
  const poll = (minute: number, effects: Parameters<typeof store.writePoll>[0]['effects']) =>
    store.writePoll({ runId: run.id, at: at(minute), samples: [], effects });
  await poll(0, [
    { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
    { type: 'interval.open', userId: 'u2', status: 'busy', startedAt: at(0) },
  ]);
  await poll(10, [
    { type: 'interval.close', userId: 'u1', endedAt: at(10) },
    { type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(10) },
  ]);
  // Across midnight: a piece on each day.
  await poll(24 * 60, [
    { type: 'interval.close', userId: 'u2', endedAt: at(24 * 60) },
    { type: 'interval.open', userId: 'u2', status: 'dnd', startedAt: at(24 * 60) },
  ]);
  await store.close();

  // The file as versions 2 to 5 had it: the rollups built, keyed by person, with their day index,
  // and none of the tables of later versions.
  const old = new Sqlite(path);
  openRecordsBack(old);
  old.exec('DROP TABLE rollups; DROP TABLE sightings');
  const built = MIGRATIONS.find((m) => m.version === 2)!;
  old.exec(built.up);
  built.build!(old);
  old.pragma(`user_version = ${byDay}`);
  const digests = (db: Sqlite.Database) =>
    db.prepare('SELECT user_id, day, intervals, sessions FROM rollups ORDER BY user_id, day').all();
  const kept = digests(old);
  const [available, busy, dnd] = (['available', 'busy', 'dnd'] as const).map((s) => STATUSES.indexOf(s));
  const eight = 8 * 3_600_000;
  expect(kept).toEqual([
    {
      user_id: 'u1',
      day: Date.UTC(2026, 2, 2),
      intervals: `${eight},${eight + 600_000},${available},`,
      sessions: '',
    },
    { user_id: 'u2', day: Date.UTC(2026, 2, 2), intervals: `${eight},86400000,${busy},`, sessions: '' },
    { user_id: 'u2', day: Date.UTC(2026, 2, 3), intervals: `0,${eight},${busy},`, sessions: '' },
  ]);
  old.close();

  const migrated = sqliteStore({ path });
  await migrated.init();
  await migrated.writePoll({
    runId: run.id,
    at: at(24 * 60 + 5),
    samples: [],
    effects: [{ type: 'interval.close', userId: 'u2', endedAt: at(24 * 60 + 5) }],
  });
  const query = {
    store: migrated,
    from: at(-60),
    to: at(48 * 60),
    timeZone: 'Asia/Kolkata',
    now: at(24 * 60 + 5),
  };
  expect(await buildReport(query)).toEqual(await buildReport({ ...query, rollups: false }));
  await migrated.close();

  const db = new Sqlite(path, { readonly: true });
  // The same digests, the last one appended to by the write after the migration.
  const last = kept[2] as { intervals: string };
  expect(digests(db)).toEqual([
    kept[0],
    kept[1],
    { ...last, intervals: `${last.intervals}${eight},${eight + 300_000},${dnd},` },
  ]);
  expect(db.prepare("SELECT name FROM pragma_index_list('rollups')").pluck().all()).toEqual([
    'sqlite_autoindex_rollups_1',
  ]);
  expect(
    db.prepare("SELECT name FROM pragma_index_info('sqlite_autoindex_rollups_1')").pluck().all(),
  ).toEqual(['day', 'user_id']);
  expect(db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'rollups%'").pluck().all()).toEqual([
    'rollups',
  ]);
  db.close();
  expect(version(path)).toBe(SCHEMA_VERSION);
});

test('open records move to their own tables, every record keeping its id, number and words, and every reader answering as before', async () => {
  const path = file();
  const v7 = new Sqlite(path);
  migrate(v7, MIGRATIONS.slice(0, 7));
  // What version 7 wrote: two people, a closed and an open interval each, a closed and an open
  // session for u1, an open one for u2, sightings in last_seen and in the log.
  v7.exec(`
    INSERT INTO runs (id, started_at, changed) VALUES (1, ${at(0).getTime()}, 1);
    INSERT INTO intervals (id, user_id, status, started_at, ended_at, raw, changed) VALUES
      (1, 'u1', 'available', ${at(1).getTime()}, ${at(3).getTime()}, '{"availability":"Available"}', 3),
      (2, 'u2', 'busy', ${at(1).getTime()}, NULL, '{"availability":"Busy"}', 2),
      (3, 'u1', 'away', ${at(3).getTime()}, NULL, NULL, 3);
    INSERT INTO sessions (id, user_id, started_at, last_seen_at, ended_at, end_reason, changed) VALUES
      (1, 'u1', ${at(1).getTime()}, ${at(2).getTime()}, ${at(2).getTime()}, 'offline', 3),
      (2, 'u2', ${at(1).getTime()}, ${at(1).getTime()}, NULL, NULL, 2),
      (3, 'u1', ${at(3).getTime()}, ${at(3).getTime()}, NULL, NULL, 3);
    UPDATE change_counter SET seq = 3;
    UPDATE spans SET longest = ${2 * 60_000} WHERE name = 'intervals';
    UPDATE spans SET longest = ${60_000} WHERE name = 'sessions';
    INSERT INTO last_seen (user_id, interval_at, session_at) VALUES ('u1', ${at(4).getTime()}, ${at(4).getTime()});
    INSERT INTO sightings (at, present_at, ids) VALUES (${at(5).getTime()}, ${at(5).getTime()}, '["u2"]');
  `);
  const rows = (db: Sqlite.Database, sql: string) => db.prepare(sql).raw(true).all();
  const intervalRows = rows(
    v7,
    'SELECT id, user_id, status, started_at, ended_at, raw, changed FROM intervals ORDER BY id',
  );
  const sessionRows = rows(
    v7,
    'SELECT id, user_id, started_at, last_seen_at, ended_at, end_reason, changed FROM sessions ORDER BY id',
  );
  v7.close();

  const store = sqliteStore({ path, readOnly: false });
  const day = { from: at(0), to: at(60) };
  const [open, intervals, sessions, changes, changesAfter2] = [
    await store.openState(),
    await store.intervals(day),
    await store.sessions(day),
    await store.changes!({ after: '0' }),
    await store.changes!({ after: '2' }),
  ];
  expect(version(path)).toBe(SCHEMA_VERSION);
  const db = new Sqlite(path, { readonly: true });
  // The same rows, byte for byte, the open ones now in their own tables.
  expect(
    rows(
      db,
      `SELECT coalesce(opened, id), user_id, status, started_at, ended_at, raw, changed FROM intervals
       UNION ALL SELECT id, user_id, status, started_at, NULL, raw, changed FROM open_intervals ORDER BY id`,
    ),
  ).toEqual(intervalRows);
  expect(
    rows(
      db,
      `SELECT coalesce(opened, id), user_id, started_at, last_seen_at, ended_at, end_reason, changed FROM sessions
       UNION ALL SELECT id, user_id, started_at, last_seen_at, NULL, NULL, changed FROM open_sessions ORDER BY id`,
    ),
  ).toEqual(sessionRows);
  expect(rows(db, 'SELECT count(*) FROM intervals WHERE ended_at IS NULL OR opened IS NOT NULL')).toEqual([
    [0],
  ]);
  expect(rows(db, 'SELECT name, last FROM record_ids ORDER BY name')).toEqual([
    ['intervals', 3],
    ['sessions', 3],
  ]);
  expect(
    rows(db, "SELECT name FROM sqlite_schema WHERE name IN ('intervals_open', 'sessions_open')"),
  ).toEqual([]);
  db.close();

  // Every reader as version 7 answered it: open records last seen as of last_seen and the log.
  const t = (d: Date | null) => d?.getTime() ?? null;
  expect(open.intervals.map((i) => [i.userId, i.status, t(i.startedAt), t(i.lastSeenAt)])).toEqual([
    ['u1', 'away', at(3).getTime(), at(4).getTime()],
    ['u2', 'busy', at(1).getTime(), at(5).getTime()],
  ]);
  expect(open.sessions.map((s) => [s.userId, t(s.startedAt), t(s.lastSeenAt)])).toEqual([
    ['u1', at(3).getTime(), at(4).getTime()],
    ['u2', at(1).getTime(), at(5).getTime()],
  ]);
  expect(intervals.map((i) => [i.userId, i.status, t(i.startedAt), t(i.endedAt), i.raw ?? null])).toEqual([
    ['u1', 'available', at(1).getTime(), at(3).getTime(), { availability: 'Available' }],
    ['u2', 'busy', at(1).getTime(), null, { availability: 'Busy' }],
    ['u1', 'away', at(3).getTime(), null, null],
  ]);
  expect(
    sessions.map((s) => [s.id, s.userId, t(s.startedAt), t(s.lastSeenAt), t(s.endedAt), s.endReason]),
  ).toEqual([
    ['1', 'u1', at(1).getTime(), at(2).getTime(), at(2).getTime(), 'offline'],
    ['2', 'u2', at(1).getTime(), at(5).getTime(), null, null],
    ['3', 'u1', at(3).getTime(), at(4).getTime(), null, null],
  ]);
  // In the order of their last change, and among one write's records the order they were written in.
  expect(changes.intervals.map((i) => [i.userId, i.status])).toEqual([
    ['u2', 'busy'],
    ['u1', 'available'],
    ['u1', 'away'],
  ]);
  expect(changes.sessions.map((s) => s.id)).toEqual(['2', '1', '3']);
  expect(changesAfter2.intervals.map((i) => i.status)).toEqual(['available', 'away']);
  expect(changes.cursor).toBe('3');

  // Writes go on from there: a migrated open session closes under its id, new records take new ids.
  await store.writePoll({
    runId: '1',
    at: at(6),
    samples: [],
    effects: [
      { type: 'interval.close', userId: 'u2', endedAt: at(6) },
      {
        type: 'session.close',
        userId: 'u2',
        startedAt: at(1),
        endedAt: at(6),
        lastSeenAt: at(5),
        reason: 'offline',
      },
      { type: 'interval.open', userId: 'u2', status: 'offline', startedAt: at(6) },
      { type: 'session.open', userId: 'u4', startedAt: at(6) },
    ],
  });
  const after = await store.changes!({ after: changes.cursor });
  expect(after.intervals.map((i) => [i.userId, i.status, t(i.endedAt)])).toEqual([
    ['u2', 'busy', at(6).getTime()],
    ['u2', 'offline', null],
  ]);
  expect(after.sessions.map((s) => [s.id, s.userId, t(s.endedAt)])).toEqual([
    ['2', 'u2', at(6).getTime()],
    ['4', 'u4', null],
  ]);
  await store.close();
  // The closed interval went in at the end of the table, its opening's id beside it.
  const end = new Sqlite(path, { readonly: true });
  expect(rows(end, 'SELECT id, opened, status FROM intervals ORDER BY id')).toEqual([
    [1, null, 'available'],
    [2, 2, 'busy'],
  ]);
  end.close();
});
