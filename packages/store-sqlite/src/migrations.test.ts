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
  const numbers = db.prepare('SELECT changed FROM intervals ORDER BY id').pluck().all();
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
