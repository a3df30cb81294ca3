import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Effect,
  initialState,
  memoryStore,
  type PresenceStore,
  resolvePolicy,
  STATUSES,
  type Status,
  transition,
  type UserState,
} from '@presence-tracker/core';
import {
  at,
  intervalOpen,
  MINUTE,
  seededRandom,
  seen,
  sessionOpen,
  T0,
} from '@presence-tracker/core/testing';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { sqliteStore } from './index.ts';
import { migrate } from './migrations.ts';
import { FOLD_AFTER, FOLD_IDS, prepareSightings, splitSightings } from './sightings.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-sightings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];

const logSize = (path: string) => {
  const db = new Sqlite(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM sightings').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** What a reader sees of everyone's last sightings: open records, sessions over the day, changes. */
async function lastSightings(store: PresenceStore, cursor: string | null) {
  const day = { from: new Date(T0 - MINUTE), to: new Date(T0 + 24 * 60 * MINUTE) };
  const { intervals, sessions } = await store.openState();
  const changed = await store.changes!({ after: cursor });
  return {
    intervals: intervals
      .map((i) => [i.userId, i.status, i.startedAt.getTime(), i.lastSeenAt.getTime()])
      .sort(),
    sessions: sessions.map((s) => [s.userId, s.startedAt.getTime(), s.lastSeenAt.getTime()]).sort(),
    ranged: (await store.sessions(day)).map((s) => [s.userId, s.startedAt.getTime(), s.lastSeenAt.getTime()]),
    changedSessions: changed.sessions.map((s) => [s.userId, s.startedAt.getTime(), s.lastSeenAt.getTime()]),
  };
}

describe('the log of sightings', () => {
  test('reads the same last sightings as the memory store, poll after poll, across folds, a purge and a reopen', async () => {
    const path = join(dir, 'agree.db');
    const policy = resolvePolicy({ staleAfter: 3 * MINUTE, mergeGap: 2 * MINUTE });
    const random = seededRandom(18);
    let sqlite = sqliteStore({ path });
    const memory = memoryStore();
    const sqliteRun = await sqlite.startRun(new Date(T0));
    const memoryRun = await memory.startRun(new Date(T0));
    const states = new Map<string, UserState>(USERS.map((u) => [u, initialState(u)]));
    let sqliteCursor = (await sqlite.changes!({ after: null })).cursor;
    let memoryCursor = (await memory.changes!({ after: null })).cursor;
    let folds = 0;
    let previousLog = 0;
    for (let poll = 1; poll <= 64; poll++) {
      const at = new Date(T0 + poll * MINUTE);
      const effects: Effect[] = [];
      for (const userId of [...states.keys()]) {
        // Some people are not read at every poll, so they go stale and their sightings drift apart.
        if (random() < 0.15) continue;
        const status: Status =
          random() < 0.7 ? 'available' : STATUSES[Math.floor(random() * STATUSES.length)]!;
        // Readings at different instants within the poll make groups of their own.
        const observedAt = new Date(at.getTime() - Math.floor(random() * 3) * 1000);
        const r = transition(
          states.get(userId)!,
          { type: 'sample', sample: { userId, status, observedAt } },
          policy,
        );
        states.set(userId, r.state);
        effects.push(...r.effects);
      }
      for (const [userId, state] of states) {
        const r = transition(state, { type: 'tick', at }, policy);
        states.set(userId, r.state);
        effects.push(...r.effects);
      }
      await sqlite.writePoll({ runId: sqliteRun.id, at, samples: [], effects });
      await memory.writePoll({ runId: memoryRun.id, at, samples: [], effects });

      if (poll === 32) {
        await sqlite.purgeUser('u2');
        await memory.purgeUser('u2');
        states.delete('u2');
        expect(logSize(path)).toBe(0);
      }
      if (poll === 48) {
        // A writer closing folds the log, and the next one reads the same from last_seen alone.
        await sqlite.close();
        expect(logSize(path)).toBe(0);
        sqlite = sqliteStore({ path });
      }
      const log = logSize(path);
      if (log < previousLog) folds++;
      previousLog = log;

      const fromSqlite = await lastSightings(sqlite, sqliteCursor);
      const fromMemory = await lastSightings(memory, memoryCursor);
      expect(fromSqlite, `after poll ${poll}`).toEqual(fromMemory);
      sqliteCursor = (await sqlite.changes!({ after: null })).cursor;
      memoryCursor = (await memory.changes!({ after: null })).cursor;
    }
    expect(folds).toBeGreaterThanOrEqual(2);
    await sqlite.close();
  });

  test('a last_seen row newer than the log is not moved back by a fold', async () => {
    const store = sqliteStore({ path: join(dir, 'newer-row.db') });
    const run = await store.startRun(at(0));
    const poll = (minute: number, effects: Effect[]) =>
      store.writePoll({ runId: run.id, at: at(minute), samples: [], effects });
    await poll(0, [intervalOpen('u1', 'available', 0), sessionOpen('u1', 0)]);
    await poll(9, [seen('u1', 9)]);
    await store.purgeUser('nobody');
    // Out of order: an older sighting after a newer one has been folded.
    await poll(10, [seen('u1', 5)]);
    const before = await store.openState();
    await store.purgeUser('nobody');
    const after = await store.openState();
    for (const state of [before, after]) {
      expect(state.intervals.map((i) => i.lastSeenAt.getTime())).toEqual([at(9).getTime()]);
      expect(state.sessions.map((s) => s.lastSeenAt.getTime())).toEqual([at(9).getTime()]);
    }
    await store.close();
  });

  test('a fold takes what the file holds: not a group whose write was rolled back, and groups another writer left', () => {
    const path = join(dir, 'fold-from-file.db');
    const db = new Sqlite(path);
    migrate(db);
    const lastSeen = () =>
      db.prepare('SELECT user_id, interval_at, session_at FROM last_seen ORDER BY user_id').raw().all();
    const limits = { groups: 1000, ids: 1000 };
    const groupsOf = (minute: number, people: string[], present = true) =>
      splitSightings(people.map((u) => seen(u, minute, present))).groups;
    const writer = prepareSightings(db, limits);
    /** Appends the groups in a write that then fails, so its transaction rolls back. */
    const rolledBack = (groups: ReturnType<typeof groupsOf>) =>
      expect(() =>
        db.transaction(() => {
          writer.append(groups);
          throw new Error('the rest of the write failed');
        })(),
      ).toThrow('the rest of the write failed');
    db.transaction(() => writer.append(groupsOf(1, ['u1', 'u2'])))();
    // Rolled back: its row is gone, while the writer appended it.
    rolledBack(groupsOf(2, ['u1', 'u3']));
    db.transaction(() => writer.fold())();
    expect(lastSeen()).toEqual([
      ['u1', at(1).getTime(), at(1).getTime()],
      ['u2', at(1).getTime(), at(1).getTime()],
    ]);

    // Rolled back, and its row id then taken by a later group of other people and presence.
    rolledBack(groupsOf(3, ['u4']));
    db.transaction(() => writer.append(groupsOf(4, ['u5'], false)))();
    db.transaction(() => writer.fold())();
    expect(lastSeen()).toEqual([
      ['u1', at(1).getTime(), at(1).getTime()],
      ['u2', at(1).getTime(), at(1).getTime()],
      ['u5', at(4).getTime(), null],
    ]);

    // Groups left in the log by a writer that stopped without folding, folded by the next one.
    const other = new Sqlite(path);
    prepareSightings(other, limits).append(groupsOf(5, ['u2', 'u6']));
    other.close();
    const next = prepareSightings(db, limits);
    db.transaction(() => next.append(groupsOf(6, ['u6'], false)))();
    db.transaction(() => next.fold())();
    expect(lastSeen()).toEqual([
      ['u1', at(1).getTime(), at(1).getTime()],
      ['u2', at(5).getTime(), at(5).getTime()],
      ['u5', at(4).getTime(), null],
      ['u6', at(6).getTime(), at(5).getTime()],
    ]);
    db.close();
  });

  test('a log that holds more ids than its limit is folded at once, however few its groups', () => {
    const db = new Sqlite(join(dir, 'many-ids.db'));
    migrate(db);
    const writer = prepareSightings(db, { groups: FOLD_AFTER, ids: 10 });
    const rows = () => db.prepare('SELECT count(*) AS n FROM sightings').get() as { n: number };
    const write = (minute: number, people: string[]) =>
      db.transaction(() => writer.append(splitSightings(people.map((u) => seen(u, minute))).groups))();
    write(1, ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
    expect(rows()).toEqual({ n: 1 });
    write(2, ['u1', 'u2', 'u3', 'u4', 'u5']);
    expect(rows()).toEqual({ n: 0 });
    expect(
      db.prepare('SELECT user_id, interval_at, session_at FROM last_seen ORDER BY user_id').raw().all(),
    ).toEqual([
      ...['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => [u, at(2).getTime(), at(2).getTime()]),
      ['u6', at(1).getTime(), at(1).getTime()],
    ]);
    db.close();
  });
  test('polls read at many instants fold by ids, not every write; a write of more instants than FOLD_AFTER folds at once', async () => {
    const path = join(dir, 'many-instants.db');
    const store = sqliteStore({ path });
    const run = await store.startRun(at(0));
    // 10,000 people read in 40 pages of 250, each page at its own instant (as Microsoft Graph
    // stamps its pages), half present; three of them have open records the readers complete.
    const people = Array.from({ length: 10_000 }, (_, i) => `p${String(i).padStart(5, '0')}`);
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: ['p00000', 'p05000', 'p09999'].map((u) => intervalOpen(u, 'available', 0)),
    });
    const pageAt = (minute: number, page: number) => T0 + minute * MINUTE + page * 1000;
    const poll = (minute: number) =>
      store.writePoll({
        runId: run.id,
        at: new Date(T0 + (minute + 1) * MINUTE),
        samples: [],
        effects: people.map((userId, i) => ({
          type: 'seen' as const,
          userId,
          at: new Date(pageAt(minute, Math.floor(i / 250))),
          present: i % 2 === 0,
        })),
      });
    const lastSeenAt = async () =>
      Object.fromEntries((await store.openState()).intervals.map((x) => [x.userId, x.lastSeenAt.getTime()]));
    const polls = FOLD_IDS / people.length;
    for (let minute = 1; minute < polls; minute++) {
      await poll(minute);
      // 80 groups a poll (a page's people present and not): the log grows and is not folded.
      expect(logSize(path)).toBe(80 * minute);
      expect(await lastSeenAt(), `after poll ${minute}`).toEqual({
        p00000: pageAt(minute, 0),
        p05000: pageAt(minute, 20),
        p09999: pageAt(minute, 39),
      });
    }
    // The poll that brings the log to FOLD_IDS ids folds it.
    await poll(polls);
    expect(logSize(path)).toBe(0);
    expect(await lastSeenAt()).toEqual({
      p00000: pageAt(polls, 0),
      p05000: pageAt(polls, 20),
      p09999: pageAt(polls, 39),
    });
    // One write naming each of a few people at its own instant, more instants than FOLD_AFTER
    // (providers combined, each person at their latest reading), is folded at once.
    await store.writePoll({
      runId: run.id,
      at: new Date(T0 + (polls + 2) * MINUTE),
      samples: [],
      effects: people.slice(0, FOLD_AFTER + 8).map((userId, i) => ({
        type: 'seen' as const,
        userId,
        at: new Date(T0 + (polls + 1) * MINUTE + i),
        present: true,
      })),
    });
    expect(logSize(path)).toBe(0);
    expect((await lastSeenAt()).p00000).toBe(T0 + (polls + 1) * MINUTE);
    await store.close();
    const db = new Sqlite(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n, count(session_at) AS present FROM last_seen').get()).toEqual({
      n: 10_000,
      present: 5_000 + (FOLD_AFTER + 8) / 2,
    });
    db.close();
  });
});
