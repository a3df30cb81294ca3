import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type Effect, type PresenceStore, StoreError } from '@presence-tracker/core';
import {
  at,
  intervalClose,
  intervalOpen,
  minutesOf,
  sessionOpen,
  storeConformance,
  testSample,
} from '@presence-tracker/core/testing';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { sqliteStore } from './index.ts';
import { migrate } from './migrations.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const paths = new WeakMap<PresenceStore, string>();
const onFile = () => {
  const path = join(dir, `conformance-${++files}.db`);
  const store = sqliteStore({ path });
  paths.set(store, path);
  return store;
};

storeConformance(test, () => sqliteStore({ path: ':memory:' }), { prefix: 'in memory' });

storeConformance(test, onFile, {
  prefix: 'on a file',
  reopen: async (store) => {
    await store.close();
    return sqliteStore({ path: paths.get(store)! });
  },
});

storeConformance(test, () => sqliteStore({ path: ':memory:', keepSamples: false }), {
  prefix: 'without samples',
});

const DAY = 24 * 60;
const open = intervalOpen;
const close = intervalClose;
const sample = (userId: string, minute: number) => testSample(userId, minute);
const minutes = (list: { startedAt: Date }[]) => list.map((r) => minutesOf(r.startedAt));

describe('options', () => {
  test('wrong options are refused up front, naming each field and what was expected', () => {
    const error = (() => {
      try {
        sqliteStore({ path: '', keepSamples: { days: -1 }, busyTimeout: 1.5, lockTimeout: 10 });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'path',
      'keepSamples.days',
      'busyTimeout',
      'lockTimeout',
    ]);
    expect((error as Error).message).toContain('keepSamples.days: expected a number of days above 0');
    expect(() => sqliteStore({ path: 'x.db', keepSamples: 'yes' as unknown as boolean })).toThrow(
      /keepSamples: expected true, false or \{ days: number \}/,
    );
  });

  test('a file store uses WAL, so readers in other processes do not wait for the writer', async () => {
    const path = join(dir, 'wal.db');
    const store = sqliteStore({ path });
    await store.init();
    const db = new Sqlite(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    await store.close();
  });

  test('the WAL is copied into the file once it holds 16 MB, not at SQLite’s 4 MB', async () => {
    const path = join(dir, 'checkpoint.db');
    const store = sqliteStore({ path });
    const run = await store.startRun(at(0));
    // A poll of about 1 MB of readings.
    const words = { note: 'x'.repeat(100_000) };
    const poll = (minute: number) =>
      store.writePoll({
        runId: run.id,
        at: at(minute),
        samples: Array.from({ length: 10 }, (_, k) => ({
          userId: `u${k}`,
          status: 'available' as const,
          observedAt: at(minute),
          raw: words,
        })),
        effects: [],
      });
    const walBytes = () => statSync(`${path}-wal`).size;
    for (let minute = 1; minute <= 10; minute++) await poll(minute);
    // With SQLite's default the WAL would have started over at 4 MB and stayed near that size.
    expect(walBytes()).toBeGreaterThan(9_000_000);
    for (let minute = 11; minute <= 24; minute++) await poll(minute);
    // Copied at 16 MB, then written from its start again: it never grows past 16 MB and a poll.
    expect(walBytes()).toBeLessThan(16 * 1024 * 1024 + 2_000_000);
    await store.close();
  });

  test('a new file has 4 KB pages; a file made with 16 KB pages keeps them and is written as before', async () => {
    const pageSize = (path: string) => {
      const db = new Sqlite(path, { readonly: true });
      const size = db.pragma('page_size', { simple: true });
      db.close();
      return size;
    };
    const fresh = join(dir, 'pages-new.db');
    const store = sqliteStore({ path: fresh });
    await store.init();
    await store.close();
    expect(pageSize(fresh)).toBe(4096);

    // A file made with 16 KB pages, as new files were for a while.
    const old = join(dir, 'pages-old.db');
    const db = new Sqlite(old);
    db.pragma('page_size = 16384');
    migrate(db);
    expect(db.pragma('page_size', { simple: true })).toBe(16_384);
    db.close();
    const kept = sqliteStore({ path: old });
    const run = await kept.startRun(at(0));
    await kept.writePoll({ runId: run.id, at: at(1), samples: [], effects: [intervalOpen('u1', 'busy', 1)] });
    expect((await kept.openState()).intervals.map((i) => i.userId)).toEqual(['u1']);
    await kept.close();
    expect(pageSize(old)).toBe(16_384);
  });
});

test('a reader reads and closes while another connection is in the middle of a write', async () => {
  const path = join(dir, 'reader-during-write.db');
  const writer = sqliteStore({ path });
  const run = await writer.startRun(at(0));
  await writer.writePoll({ runId: run.id, at: at(0), samples: [], effects: [open('u1', 'busy', 0)] });
  await writer.close();
  const other = new Sqlite(path);
  other.exec('BEGIN IMMEDIATE; INSERT INTO runs (started_at) VALUES (0);');
  const reader = sqliteStore({ path, busyTimeout: 3000 });
  const started = performance.now();
  expect((await reader.intervals({ from: at(0), to: at(1) })).map((i) => i.status)).toEqual(['busy']);
  expect((await reader.runs({ from: at(-1), to: at(1) })).length).toBe(1);
  await reader.close();
  expect(performance.now() - started).toBeLessThan(2000);
  other.exec('ROLLBACK');
  other.close();
});

describe('writes', () => {
  test('many records opened at once keep their order, and a second open record among them refuses the write whole', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const run = await store.startRun(at(0));
    // 64 + 8 + 1 + 1 rows: every statement size, in the order written.
    const people = Array.from({ length: 74 }, (_, k) => `u${String(k).padStart(3, '0')}`).reverse();
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: people.flatMap((u) => [open(u, 'available', 0), sessionOpen(u, 0)]),
    });
    const { intervals, sessions } = await store.changes!({ after: '0' });
    expect(intervals.map((i) => i.userId)).toEqual(people);
    expect(sessions.map((s) => s.userId)).toEqual(people);

    const newcomers = Array.from({ length: 70 }, (_, k) => `v${k}`);
    const write = store.writePoll({
      runId: run.id,
      at: at(1),
      samples: [],
      // u010 already has an open interval, and the write does not close it: the 63rd row of the first 64.
      effects: [...newcomers.slice(0, 62), 'u010', ...newcomers.slice(62)].map((u) => open(u, 'busy', 1)),
    });
    await expect(write).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    expect((await store.intervals({ from: at(0), to: at(2) })).length).toBe(74);
    await store.close();
  });

  test('one write closing records in another order than they were opened lists them in changes() by opening, as before open records had their own tables', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const run = await store.startRun(at(0));
    const write = (minute: number, effects: Effect[]) =>
      store.writePoll({ runId: run.id, at: at(minute), samples: [], effects });
    await write(1, [open('u2', 'busy', 1), open('u1', 'available', 1), open('u3', 'away', 1)]);
    const { cursor } = await store.changes!({ after: null });
    await write(2, [
      close('u1', 2),
      open('u4', 'dnd', 2),
      close('u3', 2),
      open('u1', 'busy', 2),
      close('u2', 2),
    ]);
    const { intervals } = await store.changes!({ after: cursor });
    expect(intervals.map((i) => [i.userId, i.status, i.endedAt === null])).toEqual([
      ['u2', 'busy', false],
      ['u1', 'available', false],
      ['u3', 'away', false],
      ['u4', 'dnd', true],
      ['u1', 'busy', true],
    ]);
    await store.close();
  });

  test('input that is not what the contract says is refused, naming the field', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const run = await store.startRun(at(0));
    await expect(
      store.writePoll({
        runId: run.id,
        at: at(0),
        samples: [],
        effects: [{ ...open('u1', 'busy', 0), startedAt: 'today' as unknown as Date } as Effect],
      }),
    ).rejects.toThrow(/effects\[0\]\.startedAt: expected a valid Date, got today/);
    await expect(
      store.writePoll({
        runId: run.id,
        at: at(0),
        samples: [{ ...sample('u1', 0), observedAt: new Date(Number.NaN) }],
        effects: [],
      }),
    ).rejects.toThrow(/samples\[0\]\.observedAt: expected a valid Date/);
    await expect(store.upsertUsers([{ key: 'k', id: '', severity: 0 }])).rejects.toThrow(
      /users\[0\]\.id: expected a non-empty user id/,
    );
    await expect(store.startRun(new Date('nope'))).rejects.toThrow(/startedAt: expected a valid Date/);
    await store.close();
  });

  test('a last sighting before a close and reopen in the same poll does not move the new interval back', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const run = await store.startRun(at(0));
    await store.writePoll({ runId: run.id, at: at(0), samples: [], effects: [open('u1', 'available', 0)] });
    await store.writePoll({
      runId: run.id,
      at: at(2),
      samples: [],
      effects: [
        { type: 'seen', userId: 'u1', at: at(1), present: false },
        close('u1', 2),
        open('u1', 'busy', 2),
      ],
    });
    const { intervals } = await store.openState();
    expect(intervals.map((i) => [i.status, i.lastSeenAt.getTime()])).toEqual([['busy', at(2).getTime()]]);
    await store.close();
  });

  test('a person seen several times in one write ends at the latest sighting, and at the latest present one', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const run = await store.startRun(at(0));
    const seen = (userId: string, minute: number, present: boolean): Effect => ({
      type: 'seen',
      userId,
      at: at(minute),
      present,
    });
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: ['u1', 'u2', 'u3'].flatMap((u) => [open(u, 'available', 0), sessionOpen(u, 0)]),
    });
    // Each person's sightings fall in groups of other people seen at the same instant, in any order.
    await store.writePoll({
      runId: run.id,
      at: at(4),
      samples: [],
      effects: [
        seen('u1', 3, true),
        seen('u2', 3, false),
        seen('u3', 2, true),
        seen('u1', 4, false),
        seen('u2', 4, true),
        seen('u3', 3, true),
      ],
    });
    await store.writePoll({ runId: run.id, at: at(5), samples: [], effects: [seen('u3', 5, false)] });
    const state = await store.openState();
    const last = (list: { userId: string; lastSeenAt: Date }[]) =>
      list.map((r) => [r.userId, minutesOf(r.lastSeenAt)]);
    expect(last(state.intervals)).toEqual([
      ['u1', 4],
      ['u2', 4],
      ['u3', 5],
    ]);
    expect(last(state.sessions)).toEqual([
      ['u1', 3],
      ['u2', 4],
      ['u3', 3],
    ]);
    await store.close();
  });

  test('groups come back as they were given, an empty list included', async () => {
    const store = sqliteStore({ path: ':memory:' });
    await store.upsertUsers([
      { key: 'a', id: 'u1', severity: 0, groups: [] },
      {
        key: 'b',
        id: 'u2',
        severity: 0,
        groups: [
          { kind: 'team', id: 't2' },
          { kind: 'channel', id: 'c1', name: 'Town square' },
        ],
      },
      { key: 'c', id: 'u3', severity: 0 },
    ]);
    const users = await store.users();
    expect(users.map((u) => u.groups)).toEqual([
      [],
      [
        { kind: 'team', id: 't2' },
        { kind: 'channel', id: 'c1', name: 'Town square' },
      ],
      undefined,
    ]);
    await store.close();
  });
});

describe('range queries', () => {
  test('find records that started long before the range, open or closed', async () => {
    const store = sqliteStore({ path: ':memory:' });
    const run = await store.startRun(at(0));
    const write = (minute: number, effects: Effect[]) =>
      store.writePoll({ runId: run.id, at: at(minute), samples: [], effects });
    // u1: one interval open for ten days; u2: a five-day interval, then short ones; u3: short ones.
    await write(0, [open('u1', 'offline', 0), open('u2', 'away', 0), open('u3', 'busy', 0)]);
    await write(60, [close('u3', 60), open('u3', 'available', 60)]);
    await write(5 * DAY, [close('u2', 5 * DAY), open('u2', 'available', 5 * DAY)]);
    for (let d = 6; d <= 10; d++) {
      await write(d * DAY, [close('u2', d * DAY), open('u2', d % 2 ? 'busy' : 'available', d * DAY)]);
      await write(d * DAY, [close('u3', d * DAY), open('u3', d % 2 ? 'busy' : 'available', d * DAY)]);
    }
    const in2 = await store.intervals({ from: at(2 * DAY), to: at(2 * DAY + 1) });
    expect(in2.map((i) => [i.userId, i.status])).toEqual([
      ['u1', 'offline'],
      ['u2', 'away'],
      ['u3', 'available'],
    ]);
    expect(minutes(in2)).toEqual([0, 0, 60]);
    const in8 = await store.intervals({ from: at(8 * DAY + 5), to: at(8 * DAY + 6) });
    expect(in8.map((i) => i.userId)).toEqual(['u1', 'u2', 'u3']);
    expect(minutes(in8)).toEqual([0, 8 * DAY, 8 * DAY]);
    const someUsers = await store.intervals({ from: at(2 * DAY), to: at(3 * DAY), userIds: ['u2', 'u1'] });
    expect(someUsers.map((i) => i.userId)).toEqual(['u1', 'u2']);
    await store.close();
  });
});

describe('samples and purging', () => {
  test('keepSamples: { days } removes samples older than that as polls come in', async () => {
    const store = sqliteStore({ path: ':memory:', keepSamples: { days: 1 } });
    expect(store.capabilities.samples).toBe(true);
    const run = await store.startRun(at(0));
    const everything = { from: at(-DAY), to: at(10 * DAY) };
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [sample('u1', 0), sample('u2', 0)],
      effects: [],
    });
    await store.writePoll({ runId: run.id, at: at(DAY), samples: [sample('u1', DAY)], effects: [] });
    expect(minutes((await store.samples(everything)).map((s) => ({ startedAt: s.observedAt })))).toEqual([
      0,
      0,
      DAY,
    ]);
    await store.writePoll({
      runId: run.id,
      at: at(DAY + 90),
      samples: [sample('u1', DAY + 90)],
      effects: [],
    });
    expect(minutes((await store.samples(everything)).map((s) => ({ startedAt: s.observedAt })))).toEqual([
      DAY,
      DAY + 90,
    ]);
    await store.close();
  });

  test('keepSamples: false keeps none and says so', async () => {
    const store = sqliteStore({ path: ':memory:', keepSamples: false });
    expect(store.capabilities.samples).toBe(false);
    const run = await store.startRun(at(0));
    await store.writePoll({ runId: run.id, at: at(0), samples: [sample('u1', 0)], effects: [] });
    expect(await store.samples({ from: at(-1), to: at(1) })).toEqual([]);
    await store.close();
  });

  test("purgeUser also forgets the person's groups, last sightings and queued notifications", async () => {
    const path = join(dir, 'purge.db');
    const store = sqliteStore({ path });
    await store.upsertUsers([
      { key: 'a', id: 'u1', severity: 0, groups: [{ kind: 'team', id: 't1' }] },
      { key: 'b', id: 'u2', severity: 0, groups: [{ kind: 'team', id: 't1' }] },
    ]);
    const run = await store.startRun(at(0));
    const event = (id: string, userId: string) => ({
      notifier: 'hook',
      event: { id, type: 'session.started' as const, timestamp: at(0), data: { userId } },
    });
    await store.writePoll({
      runId: run.id,
      at: at(1),
      samples: [sample('u1', 1), sample('u2', 1)],
      effects: [
        open('u1', 'available', 0),
        { type: 'seen', userId: 'u1', at: at(1), present: true },
        open('u2', 'busy', 0),
      ],
      outbox: [event('e1', 'u1'), event('e2', 'u2')],
    });
    await store.purgeUser('u1');
    await store.close();

    const db = new Sqlite(path, { readonly: true });
    const readings = (userId: string) =>
      db
        .prepare(
          'SELECT count(*) AS n FROM samples, json_each(samples.readings) AS r WHERE r.value ->> 0 = ?',
        )
        .get(userId);
    expect(readings('u1')).toEqual({ n: 0 });
    expect(readings('u2')).toEqual({ n: 1 });
    for (const table of ['users', 'user_groups', 'intervals', 'sessions', 'last_seen']) {
      const column = table === 'users' ? 'id' : 'user_id';
      expect(db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = 'u1'`).get(), table).toEqual({
        n: 0,
      });
    }
    expect(db.prepare('SELECT event_id FROM outbox').all()).toEqual([{ event_id: 'e2' }]);
    expect(db.prepare(`SELECT count(*) AS n FROM user_groups WHERE user_id = 'u2'`).get()).toEqual({ n: 1 });
    db.close();
  });
});

describe('the writer role', () => {
  test('one instance writes at a time; closing hands the role on', async () => {
    const path = join(dir, 'writer-role.db');
    const first = sqliteStore({ path });
    const second = sqliteStore({ path });
    await first.startRun(at(0));
    const error = await second.startRun(at(1)).catch((e: unknown) => e);
    expect(StoreError.isInstance(error) && error.code).toBe('STORE_LOCKED');
    expect((error as Error).message).toContain(`process ${process.pid}`);
    await expect(second.upsertUsers([{ key: 'k', id: 'u1', severity: 0 }])).rejects.toMatchObject({
      code: 'STORE_LOCKED',
    });
    expect((await second.runs({ from: at(0), to: at(10) })).length).toBe(1);
    await first.close();
    await second.startRun(at(1));
    expect((await second.runs({ from: at(0), to: at(10) })).length).toBe(2);
    await second.close();
  });

  test('a holder that cannot be checked by pid is replaced once its heartbeat is older than lockTimeout', async () => {
    const path = join(dir, 'writer-elsewhere.db');
    const store = sqliteStore({ path, lockTimeout: 60_000 });
    await store.init();
    const db = new Sqlite(path);
    const claim = db.prepare(
      "INSERT OR REPLACE INTO writer (id, owner, host, pid, claimed_at, heartbeat_at) VALUES (1, 'other', 'another-host', 1, ?, ?)",
    );
    claim.run(Date.now() - 30_000, Date.now() - 30_000);
    await expect(store.startRun(at(0))).rejects.toThrow(/process 1 on host another-host/);
    claim.run(Date.now() - 120_000, Date.now() - 61_000);
    await store.startRun(at(0));
    expect(db.prepare('SELECT pid FROM writer').get()).toEqual({ pid: process.pid });
    db.close();
    await store.close();
  });

  test('an instance whose role was taken over never writes again', async () => {
    const path = join(dir, 'writer-lost.db');
    const store = sqliteStore({ path });
    const run = await store.startRun(at(0));
    const db = new Sqlite(path);
    db.prepare("UPDATE writer SET owner = 'newcomer', host = 'another-host', pid = 1").run();
    const write = () =>
      store.writePoll({ runId: run.id, at: at(1), samples: [sample('u1', 1)], effects: [] });
    await expect(write()).rejects.toThrow(/lost the writer role to process 1 on host another-host/);
    db.prepare('DELETE FROM writer').run();
    await expect(write()).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    expect(db.prepare('SELECT count(*) AS n FROM samples').get()).toEqual({ n: 0 });
    db.close();
    await store.close();
  });
});

describe('read-only', () => {
  /** A file with one run and one interval, written and closed by a writer. */
  const written = async (name: string) => {
    const folder = join(dir, name);
    mkdirSync(folder);
    const path = join(folder, 'presence.db');
    const writer = sqliteStore({ path });
    const run = await writer.startRun(at(0));
    await writer.writePoll({
      runId: run.id,
      at: at(0),
      samples: [sample('u1', 0)],
      effects: [open('u1', 'busy', 0)],
    });
    await writer.close();
    return { folder, path };
  };
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'written',
      (e: unknown) => (StoreError.isInstance(e) ? e.code : String(e)),
    );

  test('reads, refuses every write with STORE_READ_ONLY, and leaves the folder and file as they were', async () => {
    const { folder, path } = await written('read-only-reads');
    const before = readFileSync(path);
    const store = sqliteStore({ path, readOnly: true });
    expect(store.capabilities.readOnly).toBe(true);
    expect((await store.intervals({ from: at(0), to: at(10) })).map((i) => i.status)).toEqual(['busy']);
    expect((await store.samples({ from: at(0), to: at(10) })).length).toBe(1);
    const runId = (await store.runs({ from: at(0), to: at(10) }))[0]!.id;
    const writes = [
      store.upsertUsers([{ id: 'u1', key: 'k', severity: 0 }]),
      store.startRun(at(1)),
      store.endRun(runId, at(2)),
      store.writePoll({ runId, at: at(1), samples: [], effects: [close('u1', 1)] }),
      store.outboxEnqueue([
        { notifier: 'a', event: { id: 'e', type: 'run.started', timestamp: at(1), data: {} } },
      ]),
      store.outboxDelivered([1]),
      store.outboxFailed({ seq: 1, attempts: 1, nextAttemptAt: null, error: 'x' }),
      store.purgeUser('u1'),
    ];
    expect(await Promise.all(writes.map(code))).toEqual(Array(8).fill('STORE_READ_ONLY'));
    await expect(store.startRun(at(1))).rejects.toThrow(/startRun refused: the store was opened read-only/);
    await store.close();
    // No -wal or -shm beside the file, no writer row, not a byte changed.
    expect(readdirSync(folder)).toEqual(['presence.db']);
    expect(readFileSync(path).equals(before)).toBe(true);
    const db = new Sqlite(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM writer').get()).toEqual({ n: 0 });
    db.close();
  });

  test('reads what a running writer committed, without taking the writer role', async () => {
    const { path } = await written('read-only-beside-writer');
    const writer = sqliteStore({ path });
    const run = await writer.startRun(at(5));
    await writer.writePoll({
      runId: run.id,
      at: at(5),
      samples: [],
      effects: [close('u1', 5), open('u1', 'away', 5)],
    });
    const reader = sqliteStore({ path, readOnly: true });
    expect((await reader.intervals({ from: at(0), to: at(10) })).map((i) => i.status)).toEqual([
      'busy',
      'away',
    ]);
    await reader.close();
    // The writer still holds its role and writes on.
    await writer.writePoll({ runId: run.id, at: at(6), samples: [sample('u1', 6)], effects: [] });
    await writer.close();
  });

  test('a missing file, an old schema and an in-memory database are explained', async () => {
    const missing = sqliteStore({ path: join(dir, 'no-such.db'), readOnly: true });
    await expect(missing.users()).rejects.toThrow(/cannot read database file .*no-such\.db read-only/);
    expect(existsSync(join(dir, 'no-such.db'))).toBe(false);
    const empty = join(dir, 'empty.db');
    new Sqlite(empty).close();
    await expect(sqliteStore({ path: empty, readOnly: true }).users()).rejects.toThrow(
      /has schema version 0, older than this package's \d+, and was opened read-only/,
    );
    expect(() => sqliteStore({ path: ':memory:', readOnly: true })).toThrow(
      /readOnly: expected a database file/,
    );
    expect(() => sqliteStore({ path: 'x.db', readOnly: 'yes' as unknown as boolean })).toThrow(
      /readOnly: expected true or false/,
    );
  });

  test('a reader without the right to write reads a 0444 file in a 0555 folder', async () => {
    const { folder, path } = await written('read-only-mode');
    chmodSync(path, 0o444);
    chmodSync(folder, 0o555);
    // Root ignores file modes through its capabilities, so as root the reader runs without them. It
    // stays root otherwise, so it still reaches a repository cloned into a private (0700) folder.
    const withoutOverride = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
    const node = [process.execPath, '--conditions=@presence-tracker/source'];
    const reader = [join(import.meta.dirname, '__fixtures__', 'read-only-reader.ts'), path];
    const command = withoutOverride
      ? [
          '/usr/bin/setpriv',
          '--bounding-set=-dac_override,-dac_read_search,-fowner',
          '--inh-caps=-all',
          ...node,
          ...reader,
        ]
      : [...node, ...reader];
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        command[0]!,
        command.slice(1),
        { encoding: 'utf8', timeout: 100_000 },
        (error, stdout, stderr) =>
          error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr }),
      ),
    ).finally(() => chmodSync(folder, 0o755));
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ intervals: ['busy'], runs: 1, write: 'STORE_READ_ONLY' });
    expect(readdirSync(folder)).toEqual(['presence.db']);
  }, 120_000);
});
