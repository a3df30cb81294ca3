import { buildReport, type Effect, RollupBatch, type Status } from '@presence-tracker/core';
import { checkRollupAgreement, ROLLUP_ZONES } from '@presence-tracker/core/testing';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from './postgres-store.ts';
import { dropSchemas, freshSchema, startTestServer, type TestServer } from './testing/server.ts';
import { backToVersion6 } from './testing/version-6.ts';

let server: TestServer;
const schemas: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  if (server) {
    await dropSchemas(server.connectionString, schemas).catch(() => {});
    await server.dispose();
  }
});

const open = (schema = freshSchema('rollups')): PostgresStore => {
  if (!schemas.includes(schema)) schemas.push(schema);
  return postgresStore({ connectionString: server.connectionString, schema });
};

const sql = async (text: string) => {
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
};

describe('Postgres rollups', () => {
  // A safety net, not a bound: on a server that syncs every commit (Debian's), under load, the
  // histories' writes took 25 to 30 s.
  it('give the same reports as the raw records on random histories, in zones with odd offsets and across DST changes', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.constantFrom(...ROLLUP_ZONES),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
        async (seed, timeZone, start) => {
          const store = open();
          try {
            await checkRollupAgreement(store, { seed, timeZone, start, hours: 36 });
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 6 },
    );
  });

  it('are built by the migration for a schema written before them, exactly as the writes keep them', async () => {
    const store = open();
    const { schema } = store;
    await checkRollupAgreement(store, {
      seed: 11,
      timeZone: 'America/St_Johns',
      start: Date.UTC(2026, 2, 7, 1),
    });
    await store.close();
    const digests = () =>
      sql(`select user_id, day::text, intervals, sessions from "${schema}".rollups order by user_id, day`);
    const kept = await digests();
    expect(kept.length).toBeGreaterThan(3);

    // The schema as version 2 left it: no rollups table, no change columns (version 4), no counters (5),
    // open records among the closed ones (version 7).
    await sql(backToVersion6(schema));
    await sql(
      `drop table "${schema}".rollups;
       drop table "${schema}".run_counters;
       alter table "${schema}".intervals drop column changed;
       alter table "${schema}".sessions drop column changed;
       alter table "${schema}".runs drop column changed;
       delete from "${schema}".schema_migrations where version > 2`,
    );
    const migrated = open(schema);
    const query = {
      store: migrated,
      from: new Date(Date.UTC(2026, 2, 6)),
      to: new Date(Date.UTC(2026, 2, 11)),
      timeZone: 'America/St_Johns',
      now: new Date(Date.UTC(2026, 2, 10)),
    };
    const fromRollups = await buildReport(query);
    expect(fromRollups).toEqual(await buildReport({ ...query, rollups: false }));
    await migrated.close();
    expect(await digests()).toEqual(kept);
  });

  it("a close digests what it closes in SQL exactly as core's RollupBatch would: across midnights, at midnight, of no length, before 1970", async () => {
    const store = open();
    await store.init();
    const DAY = 86_400_000;
    const midnight = Date.UTC(2026, 2, 7);
    // [person, status, start, end]: each opened by one write and closed by a later one.
    const records: [string, Status, number, number][] = [
      ['a', 'busy', midnight - 3_600_000, midnight + 2 * DAY + 1],
      ['b', 'available', midnight, midnight + DAY],
      ['c', 'away', midnight + 5_000, midnight + 5_000],
      ['d', 'dnd', midnight - 1, midnight],
      ['e', 'offline', Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(1970, 0, 1, 0, 0, 0, 1)],
      ['f', 'unknown', Date.UTC(1969, 5, 1, 12), Date.UTC(1969, 5, 3, 7, 30)],
    ];
    const run = await store.startRun(new Date(Date.UTC(1969, 0, 1)));
    const opens: Effect[] = records.flatMap(([userId, status, start]) => [
      { type: 'interval.open', userId, status, startedAt: new Date(start) },
      { type: 'session.open', userId, startedAt: new Date(start) },
    ]);
    await store.writePoll({ runId: run.id, at: new Date(midnight - 3_600_000), samples: [], effects: opens });
    const closes: Effect[] = records.flatMap(([userId, , start, end]) => [
      { type: 'interval.close', userId, endedAt: new Date(end) },
      {
        type: 'session.close',
        userId,
        startedAt: new Date(start),
        endedAt: new Date(end),
        lastSeenAt: new Date(end),
        reason: 'stopped',
      },
    ]);
    await store.writePoll({ runId: run.id, at: new Date(midnight + 3 * DAY), samples: [], effects: closes });

    const batch = new RollupBatch();
    for (const [userId, status, start, end] of records) {
      batch.interval(userId, status, start, end);
      batch.session(userId, start, end);
    }
    const expected = batch
      .entries()
      .map((e) => ({ user_id: e.userId, day: String(e.day), intervals: e.intervals, sessions: e.sessions }))
      .sort((x, y) => x.user_id.localeCompare(y.user_id) || Number(x.day) - Number(y.day));
    const stored = await sql(
      `select user_id, r.day::text as day, intervals, sessions from "${store.schema}".rollups r order by user_id, r.day`,
    );
    expect(stored).toEqual(expected);
    expect(stored.length).toBeGreaterThan(records.length);
    await store.close();
  });

  // The write runs again whatever the retry options allow: with `retry: false` too, nothing is refused.
  it.each([
    ['retries allowed', { attempts: 3, baseDelay: 1, maxDelay: 1 }],
    ['retry: false', false],
  ] as const)(
    'a write adding the first digests of a day inserts them plainly; another writer adding the same person-day meanwhile makes it run again and append (%s)',
    async (_name, retry) => {
      const warnings: string[] = [];
      const schema = freshSchema('rollups');
      schemas.push(schema);
      const store = postgresStore({
        connectionString: server.connectionString,
        schema,
        retry,
        logger: { debug() {}, info() {}, error() {}, warn: (_f, message) => warnings.push(message ?? '') },
      });
      await store.init();
      const DAY = 86_400_000;
      const midnight = Date.UTC(2026, 2, 7);
      const run = await store.startRun(new Date(midnight - DAY));
      // Each person's records opened and closed by one write, the second day touched by `b` alone.
      const records: [string, Status, number, number][] = [
        ['a', 'busy', midnight + 3_600_000, midnight + 7_200_000],
        ['a', 'away', midnight + 7_200_000, midnight + 9_000_000],
        ['b', 'dnd', midnight + 60_000, midnight + DAY + 60_000],
      ];
      const effects: Effect[] = records.flatMap(([userId, status, start, end]): Effect[] => [
        { type: 'interval.open', userId, status, startedAt: new Date(start) },
        { type: 'interval.close', userId, endedAt: new Date(end) },
      ]);
      // Another writer adds a's digest of the day and holds it uncommitted, so the write finds the day
      // empty, then waits on the key, and fails on it once that writer commits.
      const other = new pg.Client({ connectionString: server.connectionString });
      await other.connect();
      try {
        await other.query('begin');
        await other.query(
          `insert into "${schema}".rollups (user_id, day, intervals, sessions) values ('a', $1, '0,60000,1,', '')`,
          [midnight],
        );
        const pid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        const write = store.writePoll({
          runId: run.id,
          at: new Date(midnight + 2 * DAY),
          samples: [],
          effects,
        });
        for (;;) {
          const { rows } = await other.query<{ n: number }>(
            'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
            [pid],
          );
          if (rows[0]!.n > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await other.query('commit');
        await write;
      } finally {
        await other.end();
      }
      expect(warnings).toEqual(['another writer added the same digest meanwhile, writing again']);

      const batch = new RollupBatch();
      for (const [userId, status, start, end] of records) batch.interval(userId, status, start, end);
      const expected = batch
        .entries()
        .map((e) => ({
          user_id: e.userId,
          day: String(e.day),
          intervals: (e.userId === 'a' && e.day === midnight ? '0,60000,1,' : '') + e.intervals,
          sessions: e.sessions,
        }))
        .sort((x, y) => x.user_id.localeCompare(y.user_id) || Number(x.day) - Number(y.day));
      expect(expected).toHaveLength(3);
      const stored = await sql(
        `select user_id, r.day::text as day, intervals, sessions from "${schema}".rollups r order by user_id, r.day`,
      );
      expect(stored).toEqual(expected);
      // Written once: the failed attempt left no interval behind.
      expect(
        await store.intervals({ from: new Date(midnight - DAY), to: new Date(midnight + 3 * DAY) }),
      ).toHaveLength(3);
      await store.close();
    },
  );

  it('read for everyone over the widest range walk only the days the table holds, and none while it holds none', {
    timeout: 60_000,
  }, async () => {
    const store = open();
    await store.init();
    // Every instant a Date can hold: a series of its days would be 2 × 10^8 probes.
    const widest = { from: new Date(-8.64e15), to: new Date(8.64e15) };
    const empty = await store.rollups!(widest);
    expect(empty.dayRows ?? []).toEqual([]);
    expect(empty.days).toEqual([]);

    const run = await store.startRun(new Date(Date.UTC(2026, 2, 7)));
    const at = Date.UTC(2026, 2, 7, 9);
    await store.writePoll({
      runId: run.id,
      at: new Date(at),
      samples: [],
      effects: [
        { type: 'interval.open', userId: 'a', status: 'busy', startedAt: new Date(at) },
        { type: 'interval.close', userId: 'a', endedAt: new Date(at + 60_000) },
      ],
    });
    const one = await store.rollups!(widest);
    expect((one.dayRows ?? []).map((r) => [r.day, [...r.userIds]])).toEqual([[Date.UTC(2026, 2, 7), ['a']]]);
    await store.close();
  });
});
