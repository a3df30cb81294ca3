import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '@presence-tracker/core';
import { checkRollupAgreement, ROLLUP_ZONES } from '@presence-tracker/core/testing';
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, sqliteStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-rollups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `rollups-${++files}.db`);

const digests = (path: string) => {
  const db = new Sqlite(path, { readonly: true });
  try {
    return db.prepare('SELECT user_id, day, intervals, sessions FROM rollups ORDER BY user_id, day').all();
  } finally {
    db.close();
  }
};

describe('SQLite rollups', () => {
  it('give the same reports as the raw records on random histories, in zones with odd offsets and across DST changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.constantFrom(...ROLLUP_ZONES),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
        async (seed, timeZone, start) => {
          const store = sqliteStore({ path: file() });
          try {
            await checkRollupAgreement(store, { seed, timeZone, start });
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('are built by the migration for a file written before them, exactly as the writes keep them', async () => {
    const path = file();
    const store = sqliteStore({ path });
    await checkRollupAgreement(store, {
      seed: 7,
      timeZone: 'Asia/Kathmandu',
      start: Date.UTC(2026, 2, 27, 3),
    });
    await store.close();
    const kept = digests(path);
    expect(kept.length).toBeGreaterThan(3);

    // The rollup steps over the records the file holds, as on a file written before rollups: version
    // 2 builds them, keyed by person; a later one keys them by day (the other steps are already
    // applied here and are not run again).
    const db = new Sqlite(path);
    db.exec('DROP TABLE rollups');
    const steps = MIGRATIONS.filter((m) => m.description.startsWith('rollups:'));
    expect(steps.length).toBe(2);
    db.transaction(() => {
      for (const step of steps) {
        db.exec(step.up);
        step.build?.(db);
      }
    })();
    db.close();

    const migrated = sqliteStore({ path });
    const query = {
      store: migrated,
      from: new Date(Date.UTC(2026, 2, 26)),
      to: new Date(Date.UTC(2026, 2, 31)),
      timeZone: 'Asia/Kathmandu',
      now: new Date(Date.UTC(2026, 2, 30)),
    };
    const fromRollups = await buildReport(query);
    expect(fromRollups).toEqual(await buildReport({ ...query, rollups: false }));
    await migrated.close();
    expect(digests(path)).toEqual(kept);
  });
});
