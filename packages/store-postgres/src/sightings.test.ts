import type { Effect, PresenceStore } from '@presence-tracker/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATEST_VERSION } from './migrations.ts';
import { type PostgresStore, postgresStore } from './postgres-store.ts';
import { FOLD_AFTER, FOLD_IDS } from './sightings.ts';
import { aroundT0, at, everything as readAll, T0, testStores } from './testing/stores.ts';
import { backToVersion8 } from './testing/version-8.ts';

const { start, stop, open, sql, connectionString, blockedBy } = testStores('sightings');
beforeAll(start);
afterAll(stop);

const range = aroundT0;

const everything = (store: PresenceStore, after: string) => readAll(store, range, after);

/** Each person's last sighting and last present one, as the readers of open records tell them. */
const lastSeen = async (store: PresenceStore, after: string) => {
  const state = await store.openState();
  const sessions = (await store.sessions(range)).filter((x) => x.endedAt === null);
  const changed = (await store.changes!({ after })).sessions.filter((x) => x.endedAt === null);
  const times = (list: { userId: string; lastSeenAt: Date }[]) =>
    Object.fromEntries(list.map((x) => [x.userId, (x.lastSeenAt.getTime() - T0) / 60_000]));
  return {
    intervals: times(state.intervals),
    sessions: times(state.sessions),
    ranged: times(sessions),
    changed: times(changed),
  };
};

const seen = (userId: string, minute: number, present: boolean): Effect => ({
  type: 'seen',
  userId,
  at: at(minute),
  present,
});

/** u1 and u2 open an interval and a session, u3 an interval only (offline). */
const opening: Effect[] = [
  { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
  { type: 'session.open', userId: 'u1', startedAt: at(0) },
  { type: 'interval.open', userId: 'u2', status: 'busy', startedAt: at(0) },
  { type: 'session.open', userId: 'u2', startedAt: at(0) },
  { type: 'interval.open', userId: 'u3', status: 'offline', startedAt: at(0) },
];

/** A run that opens `opening`, then sees u1 and u2 present at minute 1: the log holds one group. */
const openAndSee = async (store: PresenceStore) => {
  const run = await store.startRun(at(0));
  await store.writePoll({ runId: run.id, at: at(0), samples: [], effects: opening });
  await store.writePoll({
    runId: run.id,
    at: at(1),
    samples: [],
    effects: [seen('u1', 1, true), seen('u2', 1, true)],
  });
  return run;
};

const logRows = async (store: PostgresStore) =>
  sql<{ n: number }>(`select count(*)::int as n from "${store.schema}".sightings`);
const seenRows = async (store: PostgresStore) =>
  sql(
    `select user_id, (extract(epoch from seen_at - '${at(0).toISOString()}'::timestamptz) / 60)::int as seen,
       (extract(epoch from present_at - '${at(0).toISOString()}'::timestamptz) / 60)::int as present
     from "${store.schema}".user_seen order by user_id`,
  );

describe('sightings kept as a log (schema version 9)', () => {
  test('readers take the latest of user_seen and the log, before and after a fold', async () => {
    const store = open();
    const { cursor } = await store.changes!({ after: null });
    const run = await store.startRun(at(0));
    await store.writePoll({ runId: run.id, at: at(0), samples: [], effects: opening });
    // Polls that only confirm people: u1 present, u2 seen but not present from minute 3, u3 offline.
    for (let minute = 1; minute <= 4; minute++) {
      await store.writePoll({
        runId: run.id,
        at: at(minute),
        samples: [],
        effects: [seen('u1', minute, true), seen('u2', minute, minute < 3), seen('u3', minute, false)],
      });
    }
    // Nothing folded yet: user_seen is as the first poll left it, which wrote no sighting. Each poll
    // wrote two groups, the people seen present and those seen not.
    expect(await logRows(store)).toEqual([{ n: 8 }]);
    expect(await seenRows(store)).toEqual([]);
    const expected = {
      intervals: { u1: 4, u2: 4, u3: 4 },
      sessions: { u1: 4, u2: 2 },
      ranged: { u1: 4, u2: 2 },
      changed: { u1: 4, u2: 2 },
    };
    expect(await lastSeen(store, cursor)).toEqual(expected);

    // The log is folded once it holds FOLD_AFTER groups: every reader answers the same after it.
    // People with no open record (f0, f1, ...) are each read at an instant of their own, so the log
    // grows by many groups a poll.
    let minute = 4;
    while ((await logRows(store))[0]!.n > 0) {
      minute++;
      const instants = Array.from({ length: FOLD_AFTER / 4 }, (_, k) =>
        seen(`f${k}`, minute - (k + 1) / 1000, false),
      );
      await store.writePoll({
        runId: run.id,
        at: at(minute),
        samples: [],
        effects: [seen('u1', minute, true), seen('u3', minute, false), ...instants],
      });
      expect(minute).toBeLessThan(5 + FOLD_AFTER);
    }
    const folded = await seenRows(store);
    expect(folded.filter((x) => String(x.user_id).startsWith('u'))).toEqual([
      { user_id: 'u1', seen: minute, present: minute },
      { user_id: 'u2', seen: 4, present: 2 },
      { user_id: 'u3', seen: minute, present: null },
    ]);
    expect(folded).toHaveLength(3 + FOLD_AFTER / 4);
    expect(await lastSeen(store, cursor)).toEqual({
      intervals: { u1: minute, u2: 4, u3: minute },
      sessions: { u1: minute, u2: 2 },
      ranged: { u1: minute, u2: 2 },
      changed: { u1: minute, u2: 2 },
    });

    // A sighting older than what user_seen holds moves nothing back, in the log or folded.
    await store.writePoll({ runId: run.id, at: at(1), samples: [], effects: [seen('u1', 1, true)] });
    expect((await lastSeen(store, cursor)).intervals.u1).toBe(minute);
    await store.close();
    expect(await logRows(store)).toEqual([{ n: 0 }]);
    expect((await seenRows(store)).find((x) => x.user_id === 'u1')).toEqual({
      user_id: 'u1',
      seen: minute,
      present: minute,
    });
  });

  test('closing a writing store folds the log; purging a person folds it and forgets them', async () => {
    const store = open();
    const run = await openAndSee(store);
    await store.purgeUser('u2');
    expect(await logRows(store)).toEqual([{ n: 0 }]);
    expect(await seenRows(store)).toEqual([{ user_id: 'u1', seen: 1, present: 1 }]);
    expect((await store.openState()).sessions.map((x) => x.userId)).toEqual(['u1']);

    await store.writePoll({ runId: run.id, at: at(2), samples: [], effects: [seen('u1', 2, true)] });
    expect(await logRows(store)).toEqual([{ n: 1 }]);
    await store.close();
    expect(await logRows(store)).toEqual([{ n: 0 }]);
    expect(await seenRows(store)).toEqual([{ user_id: 'u1', seen: 2, present: 2 }]);

    // A store that only read folds nothing on close, and the log written by another stays for readers.
    const writer = open(store.schema);
    await writer.writePoll({ runId: run.id, at: at(3), samples: [], effects: [seen('u1', 3, true)] });
    const reader = open(store.schema);
    expect((await reader.openState()).intervals[0]!.lastSeenAt).toEqual(at(3));
    await reader.close();
    expect(await logRows(store)).toEqual([{ n: 1 }]);
  });

  test("a purge waiting on a poll that holds the person's open rows does not hold the log meanwhile", async () => {
    // Without retries, so a purge Postgres broke out of a lock cycle (40P01) fails the test.
    const store = postgresStore({
      connectionString: connectionString(),
      schema: open().schema,
      retry: false,
    });
    await openAndSee(store);
    // Another writer's transaction, as a poll that closes u2's open interval and then folds the log.
    const poll = new pg.Client({ connectionString: connectionString() });
    await poll.connect();
    try {
      await poll.query('begin');
      const pid = (await poll.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      await poll.query(`select 1 from "${store.schema}".open_intervals where user_id = 'u2' for update`);
      const purged = store.purgeUser('u2');
      // The purge waits on that row.
      await blockedBy(pid);
      // The poll folds the log: had the purge folded first, this would wait on it, a lock cycle.
      await poll.query(`delete from "${store.schema}".sightings`);
      await poll.query('commit');
      await purged;
    } finally {
      await poll.end();
    }
    expect((await store.openState()).intervals.map((x) => x.userId).sort()).toEqual(['u1', 'u3']);
    expect(await seenRows(store)).toEqual([]);
    await store.close();
  });

  test('the log refuses a group whose size does not match its ids', async () => {
    const store = open();
    await store.init();
    await expect(
      sql(
        `insert into "${store.schema}".sightings (at, size, ids) values ('${at(0).toISOString()}', 2, array['u1'])`,
      ),
    ).rejects.toMatchObject({ code: '23514' });
  });

  test('a schema of version 8 migrates with every reader answering as before, and the log starts empty', async () => {
    const writer = open();
    const { cursor: start } = await writer.changes!({ after: null });
    const run = await writer.startRun(at(0));
    await writer.writePoll({ runId: run.id, at: at(0), samples: [], effects: opening });
    await writer.writePoll({
      runId: run.id,
      at: at(5),
      samples: [],
      effects: [
        seen('u1', 5, true),
        seen('u2', 5, false),
        { type: 'interval.close', userId: 'u3', endedAt: at(5) },
        { type: 'interval.open', userId: 'u3', status: 'available', startedAt: at(5) },
        { type: 'session.open', userId: 'u3', startedAt: at(5) },
        seen('u3', 5, true),
      ],
    });
    const seenBefore = await lastSeen(writer, start);
    expect(seenBefore.sessions).toEqual({ u1: 5, u2: 0, u3: 5 });
    await writer.close();
    // Read once the writer's close has folded the log and the rollup parts, as version 8 holds them:
    // the rollups then come as the digests' day rows, as they do after the migration.
    const before = await everything(open(writer.schema), start);

    // The schema as version 8 left it: every sighting in user_seen, no log.
    await sql(backToVersion8(writer.schema));
    const s = `"${writer.schema}"`;
    expect(await sql(`select to_regclass('${s}.sightings') as log`)).toEqual([{ log: null }]);
    expect(await seenRows(writer)).toEqual([
      { user_id: 'u1', seen: 5, present: 5 },
      { user_id: 'u2', seen: 5, present: null },
      { user_id: 'u3', seen: 5, present: 5 },
    ]);

    const migrated = open(writer.schema);
    const after = await everything(migrated, start);
    expect({ ...after, changes: { ...after.changes, cursor: '' } }).toEqual({
      ...before,
      changes: { ...before.changes, cursor: '' },
    });
    expect(await lastSeen(migrated, start)).toEqual(seenBefore);
    expect(await sql(`select max(version) as v from ${s}.schema_migrations`)).toEqual([
      { v: LATEST_VERSION },
    ]);
    expect(await logRows(migrated)).toEqual([{ n: 0 }]);

    // New sightings go to the log, beside the rows version 8 left.
    await migrated.writePoll({
      runId: run.id,
      at: at(6),
      samples: [],
      effects: [seen('u2', 6, true), seen('u3', 6, false)],
    });
    expect(await logRows(migrated)).toEqual([{ n: 2 }]);
    expect(await lastSeen(migrated, start)).toEqual({
      intervals: { u1: 5, u2: 6, u3: 6 },
      sessions: { u1: 5, u2: 6, u3: 5 },
      ranged: { u1: 5, u2: 6, u3: 5 },
      changed: { u1: 5, u2: 6, u3: 5 },
    });
  });
  test('polls read at many instants fold by ids, not every write; a write of more instants than FOLD_AFTER folds at once', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    // 10,000 people read in 40 pages of 250, each page at its own instant (as Microsoft Graph
    // stamps its pages); three of them have open records the readers complete.
    const people = Array.from({ length: 10_000 }, (_, i) => `p${String(i).padStart(5, '0')}`);
    const watched = ['p00000', 'p05000', 'p09999'];
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: watched.map((userId) => ({
        type: 'interval.open',
        userId,
        status: 'available',
        startedAt: at(0),
      })),
    });
    // A page's instant: poll minute plus a second per page.
    const pageAt = (minute: number, page: number) => minute + page / 60;
    const poll = (minute: number) =>
      store.writePoll({
        runId: run.id,
        at: at(minute + 1),
        samples: [],
        effects: people.map((userId, i) => seen(userId, pageAt(minute, Math.floor(i / 250)), i % 2 === 0)),
      });
    const polls = FOLD_IDS / people.length;
    for (let minute = 1; minute < polls; minute++) {
      await poll(minute);
      // 80 groups a poll (a page's people present and not): the log grows and is not folded.
      expect(await logRows(store)).toEqual([{ n: 80 * minute }]);
      const state = await store.openState();
      expect(
        Object.fromEntries(state.intervals.map((x) => [x.userId, x.lastSeenAt.getTime()])),
        `after poll ${minute}`,
      ).toEqual({
        p00000: at(pageAt(minute, 0)).getTime(),
        p05000: at(pageAt(minute, 20)).getTime(),
        p09999: at(pageAt(minute, 39)).getTime(),
      });
    }
    expect(await seenRows(store)).toEqual([]);
    // The poll that brings the log to FOLD_IDS ids folds it.
    await poll(polls);
    expect(await logRows(store)).toEqual([{ n: 0 }]);
    const folded = await sql<{ n: number; latest: Date; present: number }>(
      `select count(*)::int as n, max(seen_at) as latest, count(present_at)::int as present
       from "${store.schema}".user_seen`,
    );
    expect(folded).toEqual([{ n: 10_000, latest: at(pageAt(polls, 39)), present: 5_000 }]);
    const state = await store.openState();
    expect(state.intervals.map((x) => [x.userId, x.lastSeenAt.getTime()]).sort()).toEqual([
      ['p00000', at(pageAt(polls, 0)).getTime()],
      ['p05000', at(pageAt(polls, 20)).getTime()],
      ['p09999', at(pageAt(polls, 39)).getTime()],
    ]);

    // One write naming each of a few people at its own instant, more instants than FOLD_AFTER
    // (providers combined, each person at their latest reading), is folded at once.
    const many = people.slice(0, FOLD_AFTER + 8);
    await store.writePoll({
      runId: run.id,
      at: at(polls + 2),
      samples: [],
      effects: many.map((userId, i) => seen(userId, polls + 1 + i / 60_000, true)),
    });
    expect(await logRows(store)).toEqual([{ n: 0 }]);
    expect((await store.openState()).intervals.find((x) => x.userId === 'p00000')!.lastSeenAt).toEqual(
      at(polls + 1),
    );
    await store.close();
  });
});
