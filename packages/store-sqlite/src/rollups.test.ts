import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReport,
  type Effect,
  type PresenceStore,
  RollupBatch,
  STATUSES,
  type Status,
} from '@presence-tracker/core';
import {
  at,
  checkRollupAgreement,
  intervalClose,
  intervalOpen,
  ROLLUP_ZONES,
  rollupReadDays,
  sessionClose,
  sessionOpen,
  testUser,
} from '@presence-tracker/core/testing';
import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { personDays, rowsPerDay } from './__fixtures__/digests.ts';
import { MIGRATIONS, sqliteStore } from './index.ts';
import { FOLD_ROWS } from './rollups.ts';

const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-rollups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `rollups-${++files}.db`);

const digests = (path: string) => {
  const db = new Sqlite(path, { readonly: true });
  try {
    return personDays(db);
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
    // 2 builds them, keyed by person; version 6 keys them by day, version 9 makes them a row per day
    // (the other steps are already applied here and are not run again).
    const db = new Sqlite(path);
    db.exec('DROP TABLE rollup_days');
    const steps = MIGRATIONS.filter((m) => m.description.startsWith('rollups:'));
    expect(steps.map((m) => m.version)).toEqual([2, 6, 9]);
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

describe('SQLite rollups as a row per write and day', () => {
  const HOUR = 60;
  /** Closes and reopens each named person's interval at `minute`, cycling statuses. */
  const turnOver = (people: string[], minute: number): Effect[] =>
    people.flatMap((userId) => [
      intervalClose(userId, minute),
      intervalOpen(userId, STATUSES[minute % STATUSES.length]!, minute),
    ]);
  const open = async (path: string) => {
    const store = sqliteStore({ path });
    const run = await store.startRun(at(0));
    const write = (minute: number, effects: Effect[]) =>
      store.writePoll({ runId: run.id, at: at(minute), samples: [], effects });
    return { store, write };
  };
  const inspect = <T>(path: string, read: (db: Sqlite.Database) => T): T => {
    const db = new Sqlite(path, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };
  /** Reports over the two days from rollups, equal to the raw records', for everyone and for `u2`. */
  const reports = async (store: PresenceStore) => {
    const query = { store, from: at(-HOUR), to: at(48 * HOUR), timeZone: 'Asia/Kolkata', now: at(40 * HOUR) };
    const everyone = await buildReport(query);
    expect(everyone).toEqual(await buildReport({ ...query, rollups: false }));
    const u2 = await buildReport({ ...query, userIds: ['u2'] });
    expect(u2).toEqual(await buildReport({ ...query, userIds: ['u2'], rollups: false }));
    return { everyone, u2 };
  };

  it('appends a row per write and UTC day, folds a day past FOLD_ROWS rows and when the writer closes, and keeps each digest as a row per person-day did', async () => {
    const path = file();
    const { store, write } = await open(path);
    const people = ['u1', 'u2', 'u3'];
    const expected = new RollupBatch();
    const statusOf = new Map(people.map((p) => [p, 'available' as Status]));
    const since = new Map(people.map((p) => [p, 0]));
    const closing = (userIds: string[], minute: number) => {
      for (const userId of userIds) {
        expected.interval(
          userId,
          statusOf.get(userId)!,
          at(since.get(userId)!).getTime(),
          at(minute).getTime(),
        );
        statusOf.set(userId, STATUSES[minute % STATUSES.length]!);
        since.set(userId, minute);
      }
      return write(minute, turnOver(userIds, minute));
    };
    await write(
      0,
      people.map((p) => intervalOpen(p, 'available', 0)),
    );
    // FOLD_ROWS + 3 writes on the first UTC day (08:00 to 23:00), each closing one or two people.
    for (let w = 1; w <= FOLD_ROWS + 3; w++) {
      await closing(w % 3 === 0 ? ['u1', 'u2'] : [people[w % 3]!], w * 25);
    }
    const first = Date.UTC(2026, 2, 2);
    // The write that made FOLD_ROWS + 1 folded the day into one row; two writes came after it.
    expect(inspect(path, rowsPerDay)).toEqual([[first, 3]]);
    // Across midnight: u3's interval makes a piece on each day, in one write's two rows.
    await closing(['u3'], 17 * HOUR);
    expect(inspect(path, rowsPerDay)).toEqual([
      [first, 4],
      [first + DAY, 1],
    ]);
    const expectedDigests = expected
      .entries()
      .map((e) => ({ user_id: e.userId, day: e.day, intervals: e.intervals, sessions: e.sessions }))
      .sort((x, y) => (x.user_id < y.user_id ? -1 : x.user_id > y.user_id ? 1 : x.day - y.day));
    expect(inspect(path, personDays)).toEqual(expectedDigests);
    const before = await reports(store);
    await store.close();
    expect(inspect(path, rowsPerDay)).toEqual([
      [first, 1],
      [first + DAY, 1],
    ]);
    expect(inspect(path, personDays)).toEqual(expectedDigests);
    const reopened = sqliteStore({ path });
    expect(await reports(reopened)).toEqual(before);
    await reopened.close();
  });

  it('reads named people’s texts out of rows they share, each person-day once, folded or not', async () => {
    const path = file();
    const { store, write } = await open(path);
    await write(0, [intervalOpen('u1', 'available', 0), intervalOpen('u2', 'busy', 0), sessionOpen('u2', 0)]);
    await write(10, turnOver(['u1', 'u2'], 10));
    await write(20, turnOver(['u2'], 20));
    await write(30, [...turnOver(['u1'], 30), sessionClose('u2', 0, 30, 'stopped')]);
    const range = { from: at(-HOUR), to: at(24 * HOUR) };
    const days = async (userIds: string[]) => rollupReadDays(await store.rollups!({ ...range, userIds }));
    const first = Date.UTC(2026, 2, 2);
    expect(await days(['u2'])).toEqual([['u2', first]]);
    expect((await days(['u1', 'u2', 'nobody'])).sort()).toEqual([
      ['u1', first],
      ['u2', first],
    ]);
    const named = await store.rollups!({ ...range, userIds: ['u2'] });
    const busy = STATUSES.indexOf('busy');
    const reopenedAt10 = STATUSES.indexOf(STATUSES[10 % STATUSES.length]!);
    const eight = 8 * 3_600_000;
    expect(named.days).toEqual([
      {
        userId: 'u2',
        day: 0,
        // Two writes' texts of the day, oldest first, after the day's @midnight once.
        intervals: `@${first},${eight},${eight + 600_000},${busy},${eight + 600_000},${eight + 1_200_000},${reopenedAt10},`,
        sessions: `${at(0).getTime()},${at(30).getTime()},`,
      },
    ]);
    await reports(store);
    await store.close();
    // Folded: the same digests.
    const reopened = sqliteStore({ path });
    const folded = await reopened.rollups!({ ...range, userIds: ['u2'] });
    expect(folded.days).toEqual(named.days);
    await reopened.close();
  });

  it('takes a purged person out of the rows they share, drops the rows only they were in, and keeps everyone else’s digests', async () => {
    const path = file();
    const { store, write } = await open(path);
    await store.upsertUsers([testUser('u1'), testUser('u2')]);
    await write(0, [intervalOpen('u1', 'available', 0), intervalOpen('u2', 'busy', 0)]);
    await write(10, turnOver(['u1', 'u2'], 10));
    await write(20, turnOver(['u1'], 20));
    await write(30, turnOver(['u2'], 30));
    await write(17 * HOUR, turnOver(['u1'], 17 * HOUR));
    const kept = inspect(path, personDays).filter((d) => d.user_id !== 'u1');
    const { u2 } = await reports(store);
    expect(inspect(path, (db) => db.prepare('SELECT count(*) FROM rollup_days').pluck().get())).toBe(5);
    await store.purgeUser('u1');
    // The rows of the writes at 20 and 17:00 (two days) held u1 alone.
    const users = inspect(path, (db) =>
      db.prepare('SELECT users FROM rollup_days ORDER BY id').pluck().all(),
    );
    expect(users).toEqual(['["u2"]', '["u2"]']);
    expect(inspect(path, personDays)).toEqual(kept);
    const after = await reports(store);
    expect(after.everyone.users.map((u) => u.id)).toEqual(['u2']);
    expect(after.u2).toEqual(u2);
    await store.close();
  });
});
