import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '@presence-tracker/core';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, sqliteStore } from './index.ts';
import { migrate } from './migrations.ts';

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
