import { readFile } from 'node:fs/promises';
import { ConfigError, type Effect, StoreError } from '@presence-tracker/core';
import { storeConformance } from '@presence-tracker/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresCoordination } from './coordination/index.ts';
import { LATEST_VERSION } from './migrations.ts';
import { type PostgresStore, postgresStore } from './postgres-store.ts';
import { dropSchemas, freshSchema, startTestServer, type TestServer } from './testing/server.ts';
import { at, T0 } from './testing/stores.ts';

let server: TestServer;
const schemas: string[] = [];
const stores: PostgresStore[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  if (server) {
    await dropSchemas(server.connectionString, schemas).catch(() => {});
    await server.dispose();
  }
});

const open = (options: Partial<Parameters<typeof postgresStore>[0]> = {}) => {
  const schema = (options.schema as string | undefined) ?? freshSchema();
  if (!schemas.includes(schema)) schemas.push(schema);
  const store = postgresStore({ connectionString: server.connectionString, schema, ...options } as Parameters<
    typeof postgresStore
  >[0]);
  stores.push(store);
  return store;
};

const sql = async <R extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
) => {
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
};

storeConformance(test, () => open(), {
  reopen: async (store) => {
    await store.close();
    return open({ schema: (store as PostgresStore).schema });
  },
  coordinate: (store, owner) =>
    postgresCoordination({ store: store as PostgresStore, owner, shards: 4, leaseTtl: 5 * 60_000 }),
});

describe('migrations', () => {
  test('stores starting together on a fresh schema migrate it once, without error', async () => {
    const schema = freshSchema('race');
    const racers = Array.from({ length: 6 }, () => open({ schema }));
    await Promise.all(racers.map((s) => s.init()));
    const rows = await sql<{ version: number; applied_by: number }>(
      `select version, applied_by from "${schema}".schema_migrations order by version`,
    );
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
    // Every step came from one connection: the others waited on the lock and found nothing to do.
    expect(new Set(rows.map((r) => r.applied_by)).size).toBe(1);
    await Promise.all(racers.map((s) => s.upsertUsers([{ id: 'u1', key: 'u1', severity: 0 }])));
    expect((await racers[0]!.users()).length).toBe(1);
  });

  test('stores on different schemas migrate in parallel', async () => {
    const many = Array.from({ length: 4 }, () => open());
    await Promise.all(many.map((s) => s.init()));
    for (const s of many) expect(await s.users()).toEqual([]);
  });

  test('a schema at a newer version is refused with STORE_SCHEMA_TOO_NEW', async () => {
    const first = open();
    await first.init();
    await sql(
      `insert into "${first.schema}".schema_migrations (version, name) values ($1, 'from the future')`,
      [LATEST_VERSION + 1],
    );
    const later = open({ schema: first.schema });
    const error = await later.users().catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).code).toBe('STORE_SCHEMA_TOO_NEW');
    expect((error as StoreError).message).toContain(`version ${LATEST_VERSION + 1}`);
  });

  test('everything lives in the configured schema', async () => {
    const store = open();
    await store.init();
    const tables = await sql<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by table_name',
      [store.schema],
    );
    expect(tables.map((r) => r.table_name)).toEqual([
      'applied_writes',
      'channel_user_status',
      'closed_intervals',
      'closed_sessions',
      'intervals',
      'open_intervals',
      'open_sessions',
      'outbox',
      'rollup_parts',
      'rollups',
      'run_counters',
      'runs',
      'samples',
      'schema_migrations',
      'sessions',
      'sightings',
      'user_groups',
      'user_seen',
      'users',
    ]);
  });
});

describe('constraints', () => {
  test('a second open session inserted by SQL is refused by the key of open sessions', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: [{ type: 'session.open', userId: 'u1', startedAt: at(0) }],
    });
    const insert = (userId: string, from: number, to: number | null) =>
      to === null
        ? sql(
            `insert into "${store.schema}".open_sessions (user_id, started_at, last_seen_at) values ($1, $2, $2)`,
            [userId, at(from)],
          )
        : sql(
            `insert into "${store.schema}".closed_sessions (user_id, started_at, ended_at, last_seen_at, end_reason) values ($1, $2, $3, $2, 'offline')`,
            [userId, at(from), at(to)],
          );
    await expect(insert('u1', 30, null)).rejects.toMatchObject({
      code: '23505',
      constraint: 'sessions_open',
    });
    // Another user's open session, or a closed one, is the database's to keep.
    await insert('u2', 30, null);
    await insert('u1', -10, 0);
    expect((await store.sessions({ from: at(-60), to: at(60) })).map((s) => s.userId)).toEqual([
      'u1',
      'u1',
      'u2',
    ]);
  });

  test('a write that opens a second session is refused whole, as a StoreError', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: [
        { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
        { type: 'session.open', userId: 'u1', startedAt: at(0) },
      ],
    });
    const second = store.writePoll({
      runId: run.id,
      at: at(11),
      samples: [{ userId: 'u1', status: 'busy', observedAt: at(11) }],
      effects: [
        { type: 'interval.close', userId: 'u1', endedAt: at(11) },
        { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(11) },
        { type: 'session.open', userId: 'u1', startedAt: at(11) },
      ],
    });
    const error = await second.catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).code).toBe('STORE_CONFLICT');
    expect((error as StoreError).message).toContain('sessions_open');
    expect((await store.intervals({ from: at(0), to: at(60) })).map((i) => i.endedAt)).toEqual([null]);
    expect(await store.samples({ from: at(0), to: at(60) })).toEqual([]);
  });

  test('samples are append-only', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [{ userId: 'u1', status: 'busy', observedAt: at(0) }],
      effects: [],
    });
    await expect(sql(`update "${store.schema}".samples set status = 'available'`)).rejects.toThrow(
      'append-only',
    );
  });
});

describe('writes', () => {
  test('the same write handed over twice is applied once', async () => {
    const store = open();
    const run = await store.startRun(at(0));
    const write = {
      runId: run.id,
      at: at(0),
      samples: [{ userId: 'u1', status: 'available' as const, observedAt: at(0) }],
      effects: [
        { type: 'interval.open' as const, userId: 'u1', status: 'available' as const, startedAt: at(0) },
      ],
    };
    await store.writePoll(write);
    await store.writePoll(write);
    expect((await store.intervals({ from: at(0), to: at(1) })).length).toBe(1);
    expect((await store.samples({ from: at(0), to: at(1) })).length).toBe(1);
  });

  test('a poll of many users is a few statements, not one per row', async () => {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 2 });
    let statements = 0;
    // Counts what reaches the server through a real pool; nothing is stubbed.
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: typeof query }).query = (...args) => {
        statements++;
        return query(...args);
      };
    });
    const schema = freshSchema();
    schemas.push(schema);
    const store = postgresStore({ pool, schema });
    const run = await store.startRun(at(0));
    const users = Array.from({ length: 3000 }, (_, i) => `user-${i}`);
    const poll = (minute: number, effects: Effect[]) =>
      store.writePoll({
        runId: run.id,
        at: at(minute),
        samples: users.map((id) => ({
          userId: id,
          status: 'available',
          observedAt: at(minute),
          raw: { status: 'online' },
        })),
        effects,
      });
    statements = 0;
    await poll(
      0,
      users.flatMap((id): Effect[] => [
        { type: 'interval.open', userId: id, status: 'available', startedAt: at(0) },
        { type: 'session.open', userId: id, startedAt: at(0) },
      ]),
    );
    // begin, token, fence, run, open state, 2 inserts, sightings, samples, housekeeping, commit
    expect(statements).toBeLessThanOrEqual(10);
    statements = 0;
    await poll(
      1,
      users.flatMap((id, i): Effect[] =>
        i % 2 === 0
          ? [
              { type: 'interval.close', userId: id, endedAt: at(1) },
              { type: 'interval.open', userId: id, status: 'busy', startedAt: at(1) },
              { type: 'seen', userId: id, at: at(1), present: true },
            ]
          : [{ type: 'seen', userId: id, at: at(1), present: true }],
      ),
    );
    expect(statements).toBeLessThanOrEqual(10);
    const state = await store.openState();
    expect(state.intervals.length).toBe(3000);
    expect(state.intervals.filter((i) => i.status === 'busy').length).toBe(1500);
    expect(state.sessions.every((s) => s.lastSeenAt.getTime() === at(1).getTime())).toBe(true);
    expect((await store.samples({ from: at(0), to: at(2) })).length).toBe(6000);
    await store.close();
    await pool.end();
  });

  test('keepSamples: false keeps none and says so', async () => {
    const store = open({ keepSamples: false });
    expect(store.capabilities.samples).toBe(false);
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [{ userId: 'u1', status: 'busy', observedAt: at(0) }],
      effects: [],
    });
    expect(await store.samples({ from: at(0), to: at(1) })).toEqual([]);
    expect(
      (await sql<{ n: string }>(`select count(*)::text as n from "${store.schema}".samples`))[0]!.n,
    ).toBe('0');
  });

  test('keepSamples: { days } deletes samples older than that as writes go on', async () => {
    const store = open({ keepSamples: { days: 1 } });
    const run = await store.startRun(at(0));
    const day = 24 * 60;
    for (const minute of [0, 60, day, 2 * day]) {
      await store.writePoll({
        runId: run.id,
        at: at(minute),
        samples: [{ userId: 'u1', status: 'available', observedAt: at(minute) }],
        effects: [],
      });
    }
    const kept = await store.samples({ from: at(-1), to: at(3 * day) });
    expect(kept.map((s) => (s.observedAt.getTime() - T0) / 60_000)).toEqual([day, 2 * day]);
    expect(await store.purgeSamples(at(2 * day))).toBe(1);
  });

  test('bad input names the field and what was expected', async () => {
    const store = open();
    await expect(store.upsertUsers([{ id: 'u1', key: 'u1', severity: 7 as 0 }])).rejects.toThrow(
      'users[0].severity: expected 0, 1, 2 or 3, got 7',
    );
    const run = await store.startRun(at(0));
    await expect(
      store.writePoll({ runId: run.id, at: new Date(Number.NaN), samples: [], effects: [] }),
    ).rejects.toThrow('at: expected a valid Date');
  });
});

describe('channel_user_status', () => {
  test('has one row per sample per channel, in the Mattermost tracker columns', async () => {
    const store = open();
    await store.upsertUsers([
      {
        id: 'u1',
        key: 'ada',
        severity: 0,
        groups: [
          { kind: 'team', id: 't1', name: 'Team One' },
          { kind: 'channel', id: 'c1', name: 'town-square' },
          { kind: 'channel', id: 'c2', name: 'dev' },
        ],
      },
      {
        id: 'u2',
        key: 'ben',
        severity: 0,
        groups: [
          { kind: 'team', id: 't1', name: 'Team One' },
          { kind: 'team', id: 't2', name: 'Team Two' },
          { kind: 'channel', id: 'c3', name: 'ops', teamId: 't2' } as never,
        ],
      },
      { id: 'u3', key: 'cy', severity: 0 },
    ]);
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [
        { userId: 'u1', status: 'available', observedAt: at(0), raw: { status: 'online' } },
        { userId: 'u2', status: 'away', observedAt: at(0), raw: { status: 'ooo' } },
        { userId: 'u3', status: 'busy', observedAt: at(0) },
      ],
      effects: [],
    });
    await store.writePoll({
      runId: run.id,
      at: at(1),
      samples: [{ userId: 'u1', status: 'dnd', observedAt: at(1) }],
      effects: [],
    });
    const rows = await sql(
      `select * from "${store.schema}".channel_user_status order by "timestamp", user_id, channel_id`,
    );
    expect(rows).toEqual([
      {
        timestamp: at(0),
        team_id: 't1',
        team_name: 'Team One',
        channel_id: 'c1',
        channel_name: 'town-square',
        user_id: 'u1',
        username: 'ada',
        status: 'online',
      },
      {
        timestamp: at(0),
        team_id: 't1',
        team_name: 'Team One',
        channel_id: 'c2',
        channel_name: 'dev',
        user_id: 'u1',
        username: 'ada',
        status: 'online',
      },
      {
        timestamp: at(0),
        team_id: 't2',
        team_name: 'Team Two',
        channel_id: 'c3',
        channel_name: 'ops',
        user_id: 'u2',
        username: 'ben',
        status: 'ooo',
      },
      {
        timestamp: at(1),
        team_id: 't1',
        team_name: 'Team One',
        channel_id: 'c1',
        channel_name: 'town-square',
        user_id: 'u1',
        username: 'ada',
        status: 'dnd',
      },
      {
        timestamp: at(1),
        team_id: 't1',
        team_name: 'Team One',
        channel_id: 'c2',
        channel_name: 'dev',
        user_id: 'u1',
        username: 'ada',
        status: 'dnd',
      },
    ]);
    // A group's own extra words come back as they were given.
    const ben = (await store.users()).find((u) => u.id === 'u2');
    expect(ben?.groups?.[2]).toEqual({ kind: 'channel', id: 'c3', name: 'ops', teamId: 't2' });
  });
});

describe('options', () => {
  test('are checked, naming the field', () => {
    expect(() => postgresStore({} as never)).toThrow(ConfigError);
    expect(() => postgresStore({} as never)).toThrow('connectionString');
    expect(() =>
      postgresStore({ connectionString: 'postgres://x@localhost/db', schema: 'no-dashes' }),
    ).toThrow('schema');
    expect(() =>
      postgresStore({ connectionString: 'postgres://x@localhost/db', keepSamples: { days: 0 } }),
    ).toThrow('keepSamples.days');
    expect(() =>
      postgresStore({ connectionString: 'postgres://x@localhost/db', retry: { attempts: 0 } }),
    ).toThrow('retry.attempts');
  });

  test('a pool passed in is used and not ended by close', async () => {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 2 });
    const schema = freshSchema();
    schemas.push(schema);
    const store = postgresStore({ pool, schema });
    expect(store.pool).toBe(pool);
    await store.upsertUsers([{ id: 'u1', key: 'u1', severity: 1 }]);
    await store.close();
    await expect(store.users()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    const { rows } = await pool.query(`select severity from "${schema}".users`);
    expect(rows).toEqual([{ severity: 1 }]);
    await pool.end();
  });

  test('an unreachable server fails with a StoreError that hides the password', async () => {
    const store = postgresStore({
      connectionString: 'postgres://someone:hunter2-secret@127.0.0.1:1/db',
      retry: { attempts: 2, baseDelay: 10 },
    });
    const error = await store.users().catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toContain('could not be reached after 2 attempts');
    expect((error as StoreError).message).not.toContain('hunter2');
    await store.close();
  });
});

describe('grafana dashboard', () => {
  test('its queries run on the native tables and answer per person', async () => {
    const path = new URL(
      '../../../examples/mattermost-to-postgres/grafana/presence-dashboard.json',
      import.meta.url,
    );
    const dashboard = JSON.parse(await readFile(path, 'utf8')) as {
      panels: { title: string; targets: { rawSql: string }[] }[];
      templating: { list: { name: string; query: string }[] };
    };
    const store = open();
    await store.upsertUsers([
      { id: 'u1', key: 'ada', displayName: 'Ada', severity: 0 },
      { id: 'u2', key: 'ben', severity: 0 },
    ]);
    const run = await store.startRun(at(0));
    await store.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: [
        { type: 'interval.open', userId: 'u1', status: 'available', startedAt: at(0) },
        { type: 'session.open', userId: 'u1', startedAt: at(0) },
        { type: 'interval.open', userId: 'u2', status: 'busy', startedAt: at(0) },
        { type: 'session.open', userId: 'u2', startedAt: at(0) },
      ],
    });
    await store.writePoll({
      runId: run.id,
      at: at(90),
      samples: [],
      effects: [
        { type: 'interval.close', userId: 'u1', endedAt: at(90) },
        { type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(90) },
        { type: 'interval.close', userId: 'u2', endedAt: at(60) },
        {
          type: 'session.close',
          userId: 'u2',
          startedAt: at(0),
          endedAt: at(60),
          lastSeenAt: at(60),
          reason: 'stale',
        },
      ],
    });
    // Grafana's own macros and variables, expanded as Grafana would.
    const expand = (text: string) =>
      text
        .replaceAll(['$', '{schema}'].join(''), `"${store.schema}"`)
        .replaceAll('$__timeFrom()', `'${new Date(T0 - 3_600_000).toISOString()}'`)
        .replaceAll('$__timeTo()', `'${at(180).toISOString()}'`)
        .replaceAll('$user', `'u1','u2'`);
    const variable = dashboard.templating.list.find((v) => v.name === 'user')!;
    expect(await sql(expand(variable.query))).toEqual([
      { __value: 'u1', __text: 'Ada' },
      { __value: 'u2', __text: 'u2' },
    ]);
    const [timeline, active, available] = dashboard.panels.map((p) => expand(p.targets[0]!.rawSql));
    expect(await sql(timeline!)).toEqual([
      { time: at(0), person: 'Ada', status: 'available' },
      { time: at(0), person: 'u2', status: 'busy' },
      { time: at(60), person: 'u2', status: 'unobserved' },
      { time: at(90), person: 'Ada', status: 'away' },
    ]);
    const hours = (rows: Record<string, unknown>[], column: string) =>
      Object.fromEntries(rows.map((r) => [r.person, Number(r[column])]));
    // Ada's session is still open, so it counts up to now: more than the day's first two hours.
    const activeHours = hours(await sql(active!), 'active hours');
    expect(activeHours.u2).toBe(1);
    expect(activeHours.Ada).toBeGreaterThan(2);
    expect(hours(await sql(available!), 'available hours')).toEqual({ Ada: 1.5 });
  });
});

describe('read-only', () => {
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'written',
      (e: unknown) => (StoreError.isInstance(e) ? e.code : String(e)),
    );

  test('reads what a writer wrote, refuses every write, and its connections refuse writes too', async () => {
    const writer = open();
    await writer.upsertUsers([{ id: 'u1', key: 'ada', severity: 0 }]);
    const run = await writer.startRun(at(0));
    await writer.writePoll({
      runId: run.id,
      at: at(0),
      samples: [],
      effects: [{ type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(0) }],
    });
    const reader = open({ schema: writer.schema, readOnly: true });
    expect(reader.capabilities.readOnly).toBe(true);
    expect((await reader.intervals({ from: at(0), to: at(10) })).map((i) => i.status)).toEqual(['busy']);
    expect((await reader.users()).map((u) => u.key)).toEqual(['ada']);
    const writes = [
      reader.upsertUsers([{ id: 'u2', key: 'ben', severity: 0 }]),
      reader.startRun(at(1)),
      reader.endRun(run.id, at(2)),
      reader.writePoll({ runId: run.id, at: at(1), samples: [], effects: [] }),
      reader.outboxEnqueue([
        { notifier: 'a', event: { id: 'e', type: 'run.started', timestamp: at(1), data: {} } },
      ]),
      reader.outboxDelivered([1]),
      reader.outboxFailed({ seq: 1, attempts: 1, nextAttemptAt: null, error: 'x' }),
      reader.purgeUser('u1'),
      reader.purgeSamples(at(10)),
    ];
    expect(await Promise.all(writes.map(code))).toEqual(Array(9).fill('STORE_READ_ONLY'));
    // Past the store's own checks, the server refuses a write on the reader's connections.
    await expect(
      reader.pool.query(`insert into "${writer.schema}".runs (started_at) values (now())`),
    ).rejects.toMatchObject({ code: '25006' });
    expect((await writer.runs({ from: at(-10), to: at(100) })).length).toBe(1);
  });

  test('a missing or newer schema is explained, and nothing is created', async () => {
    const missing = open({ readOnly: true });
    await expect(missing.users()).rejects.toThrow(
      /holds no presence-tracker tables, and a read-only store creates none/,
    );
    expect(await sql('select 1 from pg_namespace where nspname = $1', [missing.schema])).toEqual([]);

    const writer = open();
    await writer.init();
    await sql(`insert into "${writer.schema}".schema_migrations (version, name) values ($1, 'future')`, [
      LATEST_VERSION + 1,
    ]);
    const reader = open({ schema: writer.schema, readOnly: true });
    await expect(reader.users()).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW' });
    expect(() => open({ readOnly: 'yes' as unknown as boolean })).toThrow('readOnly: expected true or false');
  });
});
