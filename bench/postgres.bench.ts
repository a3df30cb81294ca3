import {
  type Effect,
  initialState,
  type PresenceSample,
  resolvePolicy,
  type Status,
  transition,
  type UserState,
} from '@presence-tracker/core';
import { postgresStore } from '@presence-tracker/store-postgres';
import { freshSchema, startTestServer } from '../packages/store-postgres/src/testing/server.ts';
import { type BenchRow, measure } from './lib.ts';

const USERS = 10_000;
const POLLS = 10;
const REPEATS = 3;
const STATUSES: Status[] = ['available', 'busy', 'away', 'available', 'dnd', 'offline'];
const T0 = Date.UTC(2026, 2, 2, 8);
const MIN = 60_000;

const REPORT_USERS = 1_000;
const REPORT_DAYS = 90;

/**
 * The Postgres store's ingest rate for 10,000 users (polls through the state machine, written with
 * writePoll) against the same readings inserted by one plain multi-row INSERT per poll, and the time
 * of a 90-day, 1,000-user range query against reading the same tables whole.
 */
export default async function postgres(): Promise<BenchRow[]> {
  const server = await startTestServer({ fast: false });
  try {
    return [...(await ingest(server.connectionString)), ...(await rangeQuery(server.connectionString))];
  } finally {
    await server.dispose();
  }
}

function makePolls(): PresenceSample[][] {
  return Array.from({ length: POLLS }, (_, p) =>
    Array.from({ length: USERS }, (_, u) => ({
      userId: `user-${u}`,
      status: STATUSES[(u * 7 + Math.floor(p / ((u % 5) + 1))) % STATUSES.length]!,
      observedAt: new Date(T0 + p * MIN),
      raw: { status: 'online' },
      source: 'poll' as const,
    })),
  );
}

async function ingest(connectionString: string): Promise<BenchRow[]> {
  const policy = resolvePolicy({ staleAfter: 3 * MIN });
  const polls = makePolls();
  const samples = USERS * POLLS;
  // A store's pool, used only for plain SQL, so the bench needs no driver of its own.
  const admin = postgresStore({ connectionString, schema: freshSchema('admin'), maxConnections: 2 });

  const storeRun = async () => {
    const store = postgresStore({ connectionString, schema: freshSchema('bench') });
    await store.init();
    const run = await store.startRun(new Date(T0));
    const states = new Map<string, UserState>();
    let effects = 0;
    const started = performance.now();
    for (const poll of polls) {
      const out: Effect[] = [];
      for (const sample of poll) {
        const r = transition(
          states.get(sample.userId) ?? initialState(sample.userId),
          { type: 'sample', sample },
          policy,
        );
        states.set(sample.userId, r.state);
        for (const e of r.effects) out.push(e);
      }
      effects += out.length;
      await store.writePoll({ runId: run.id, at: poll[0]!.observedAt, samples: poll, effects: out });
    }
    const ms = performance.now() - started;
    await admin.pool.query(`drop schema "${store.schema}" cascade`);
    await store.close();
    return { ms, effects };
  };

  const baselineRun = async () => {
    const schema = freshSchema('plain');
    await admin.pool.query(`create schema "${schema}"`);
    await admin.pool.query(
      `create table "${schema}".readings (user_id text, observed_at timestamptz, status text, raw jsonb)`,
    );
    const values = Array.from(
      { length: USERS },
      (_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`,
    ).join(',');
    const started = performance.now();
    for (const poll of polls) {
      const params = poll.flatMap((s) => [
        s.userId,
        s.observedAt.toISOString(),
        s.status,
        JSON.stringify(s.raw),
      ]);
      await admin.pool.query(`insert into "${schema}".readings values ${values}`, params);
    }
    const ms = performance.now() - started;
    await admin.pool.query(`drop schema "${schema}" cascade`);
    return ms;
  };

  const storeTimes: number[] = [];
  const baseTimes: number[] = [];
  let effects = 0;
  for (let i = 0; i < REPEATS; i++) {
    const r = await storeRun();
    storeTimes.push(r.ms);
    effects = r.effects;
    baseTimes.push(await baselineRun());
  }
  await admin.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rate = (ms: number) => (samples / ms) * 1000;
  return [
    {
      name: `postgres ingest, ${USERS.toLocaleString('en-US')} users x ${POLLS} polls (transition + writePoll)`,
      value: rate(median(storeTimes)),
      unit: 'samples/s',
      baseline: {
        name: 'same readings, one plain multi-row INSERT per poll',
        value: rate(median(baseTimes)),
      },
      note: `${effects.toLocaleString('en-US')} effects; median of ${REPEATS}; ${(median(storeTimes) / POLLS).toFixed(0)} ms per poll`,
    },
  ];
}

async function rangeQuery(connectionString: string): Promise<BenchRow[]> {
  const store = postgresStore({ connectionString, schema: freshSchema('report') });
  await store.init();
  const s = `"${store.schema}"`;
  const db = store.pool;
  const start = new Date(Date.UTC(2026, 0, 5));
  // A working day per user and day: offline, then available, busy, available, away (lunch),
  // available, busy, available, then offline again; one session from arrival to departure.
  const minutes = [0, 480, 600, 660, 720, 780, 900, 960, 1020];
  const loaded = performance.now();
  // Bulk load as a restore would: the exclusion constraints are built once over the loaded rows
  // rather than checked row by row, then they hold for the queries as in any store.
  for (const table of ['intervals', 'sessions']) {
    await db.query(`alter table ${s}.${table} drop constraint ${table}_no_overlap`);
  }
  await db.query(
    `insert into ${s}.intervals (user_id, status, started_at, ended_at, last_seen_at)
     select 'user-' || u, st, sa, ea, coalesce(ea, sa)
     from generate_series(0, $2 - 1) u, generate_series(0, $3 - 1) d,
       lateral (select $1::timestamptz + make_interval(days => d, mins => m + (u % 30)) as sa,
                  case when i < 9 then $1::timestamptz + make_interval(days => d, mins => next_m + (u % 30))
                       when d < $3 - 1 then $1::timestamptz + make_interval(days => d + 1, mins => u % 30) end as ea,
                  (array['offline','available','busy','available','away','available','busy','available','offline'])[i] as st
                from unnest($4::int[], array_append(($4::int[])[2:], 1440)) with ordinality as x(m, next_m, i)) slot`,
    [start, REPORT_USERS, REPORT_DAYS, minutes],
  );
  await db.query(
    `insert into ${s}.sessions (user_id, started_at, ended_at, last_seen_at, end_reason)
     select 'user-' || u, a, b, b, 'offline'
     from generate_series(0, $2 - 1) u, generate_series(0, $3 - 1) d,
       lateral (select $1::timestamptz + make_interval(days => d, mins => 480 + u % 30) as a,
                       $1::timestamptz + make_interval(days => d, mins => 1020 + u % 30) as b) t`,
    [start, REPORT_USERS, REPORT_DAYS],
  );
  for (const table of ['intervals', 'sessions']) {
    await db.query(
      `alter table ${s}.${table} add constraint ${table}_no_overlap exclude using gist (user_id with =, period with &&)`,
    );
  }
  await db.query(`analyze ${s}.intervals; analyze ${s}.sessions`);
  const loadMs = performance.now() - loaded;
  const counts = await db.query<{ i: string; s: string }>(
    `select (select count(*) from ${s}.intervals)::text as i, (select count(*) from ${s}.sessions)::text as s`,
  );

  const range = { from: start, to: new Date(start.getTime() + REPORT_DAYS * 86_400_000) };
  let rows = 0;
  const queryMs = await measure(
    async () => {
      const [intervals, sessions] = [await store.intervals(range), await store.sessions(range)];
      rows = intervals.length + sessions.length;
    },
    3000,
    3,
  );
  const plainMs = await measure(
    async () => {
      await db.query(`select user_id, status, started_at, ended_at, raw from ${s}.intervals`);
      await db.query(`select id, user_id, started_at, ended_at, last_seen_at, end_reason from ${s}.sessions`);
    },
    3000,
    3,
  );
  const oneDay = {
    from: new Date(start.getTime() + 45 * 86_400_000),
    to: new Date(start.getTime() + 46 * 86_400_000),
  };
  const dayMs = await measure(async () => {
    await store.intervals(oneDay);
    await store.sessions(oneDay);
  });
  await db.query(`drop schema ${s} cascade`);
  await store.close();
  return [
    {
      name: `postgres range query, ${REPORT_DAYS} days x ${REPORT_USERS.toLocaleString('en-US')} users (intervals + sessions)`,
      value: queryMs,
      unit: 'ms',
      baseline: { name: 'both tables read whole by a plain SELECT', value: plainMs },
      note: `${rows.toLocaleString('en-US')} rows (${counts.rows[0]!.i} intervals, ${counts.rows[0]!.s} sessions stored; loaded in ${(loadMs / 1000).toFixed(1)} s)`,
    },
    {
      name: `postgres range query, 1 day of those ${REPORT_DAYS} x ${REPORT_USERS.toLocaleString('en-US')} users`,
      value: dayMs,
      unit: 'ms',
      baseline: { name: `the ${REPORT_DAYS}-day query`, value: queryMs },
    },
  ];
}
