import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type Effect,
  initialState,
  type PollWrite,
  type PresenceSample,
  resolvePolicy,
  type Status,
  transition,
  type UserState,
} from '@presence-tracker/core';
import { type PostgresStore, postgresStore } from '@presence-tracker/store-postgres';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { textArray, timestampArray } from '../packages/store-postgres/src/binary-arrays.ts';
import { freshSchema, startTestServer } from '../packages/store-postgres/src/testing/server.ts';
import { type BenchRow, inTurns, measure } from './lib.ts';
import { serverCpu } from './server-cpu.ts';

const USERS = 10_000;
/**
 * The first poll opens everyone's records and sees no one yet; the next ten each add a group of
 * 10,000 sightings to the store's log, whose tenth reaches its size for a fold (sightings.ts): so
 * the timed polls include one fold of the log and of the rollups' parts, at about the rate a tracker
 * of 10,000 people folds them (one poll in ten).
 */
const POLLS = 11;
const REPEATS = 3;
/** Present statuses only, so sessions stay open and every poll changes every user's interval. */
const CHANGING: Status[] = ['available', 'busy', 'away', 'dnd'];
const T0 = Date.UTC(2026, 2, 2, 8);
const MIN = 60_000;

const REPORT_USERS = 1_000;
const REPORT_DAYS = 90;

/**
 * The Postgres store's ingest for 10,000 users all changing status every poll (the state machine's
 * writes, timed through writePoll alone) against three ways of writing the same rows on the same
 * server: a set-based write per poll, multi-row INSERTs, and COPY; the cost of each of the schema's
 * constraints and indexes, measured by dropping it; and the time of a 90-day, 1,000-user range query
 * against reading the same tables whole.
 */
export default async function postgres(): Promise<BenchRow[]> {
  const server = await startTestServer({ fast: false });
  try {
    return [...(await ingest(server.connectionString)), ...(await rangeQuery(server.connectionString))];
  } finally {
    await server.dispose();
  }
}

/** Polls in which every user changes status: each closes one interval and opens the next. */
function makePolls(): PresenceSample[][] {
  return Array.from({ length: POLLS }, (_, p) =>
    Array.from({ length: USERS }, (_, u) => ({
      userId: `user-${u}`,
      status: CHANGING[(u + p) % CHANGING.length]!,
      observedAt: new Date(T0 + p * MIN),
      raw: { status: 'online' },
      source: 'poll' as const,
    })),
  );
}

/** The writes a tracker makes of those polls: the state machine's effects, worked out before timing. */
function makeWrites(polls: PresenceSample[][]): Omit<PollWrite, 'runId'>[] {
  const policy = resolvePolicy({ staleAfter: 3 * MIN });
  const states = new Map<string, UserState>();
  return polls.map((poll) => {
    const effects: Effect[] = [];
    for (const sample of poll) {
      const r = transition(
        states.get(sample.userId) ?? initialState(sample.userId),
        { type: 'sample', sample },
        policy,
      );
      states.set(sample.userId, r.state);
      for (const e of r.effects) effects.push(e);
    }
    return { at: poll[0]!.observedAt, samples: poll, effects };
  });
}

/** What each write must leave: the interval rows it opens, the users whose open intervals it closes, its samples. */
interface PlainPoll {
  at: string;
  closes: string[];
  /** Instants as text for COPY and the multi-row INSERT, and as `Date`s for the set-based write's binary arrays. */
  opens: { userId: string; status: string; startedAt: string; startedAtDate: Date; raw: string }[];
  samples: {
    userId: string;
    observedAt: string;
    observedAtDate: Date;
    status: string;
    source: string;
    raw: string;
  }[];
}

function plainPolls(writes: Omit<PollWrite, 'runId'>[]): PlainPoll[] {
  return writes.map((w) => ({
    at: w.at.toISOString(),
    closes: w.effects.filter((e) => e.type === 'interval.close').map((e) => e.userId),
    opens: w.effects.flatMap((e) =>
      e.type === 'interval.open'
        ? [
            {
              userId: e.userId,
              status: e.status,
              startedAt: e.startedAt.toISOString(),
              startedAtDate: e.startedAt,
              raw: JSON.stringify(e.raw),
            },
          ]
        : [],
    ),
    samples: w.samples.map((x) => ({
      userId: x.userId,
      observedAt: x.observedAt.toISOString(),
      observedAtDate: x.observedAt,
      status: x.status,
      source: x.source ?? '',
      raw: JSON.stringify(x.raw),
    })),
  }));
}

/** Bare tables for the baselines: no exclusion constraint, no generated range, no check. */
async function plainTables(pool: pg.Pool, schema: string, openIndex: boolean): Promise<void> {
  await pool.query(`create schema "${schema}"`);
  await pool.query(
    `create table "${schema}".intervals (user_id text collate "C", status text, started_at timestamptz, ended_at timestamptz, raw jsonb);
     create table "${schema}".samples (user_id text collate "C", observed_at timestamptz, status text, source text, raw jsonb)`,
  );
  // Closing the open intervals of 10,000 users needs to find them; without an index each close scans.
  if (openIndex) {
    await pool.query(`create index on "${schema}".intervals (user_id) where ended_at is null`);
  }
}

async function inTransaction(pool: pg.Pool, body: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await body(c);
    await c.query('commit');
  } catch (error) {
    await c.query('rollback');
    throw error;
  } finally {
    c.release();
  }
}

/** One UPDATE closing the open intervals of everyone the poll closes. */
async function closeOpen(c: pg.PoolClient, schema: string, p: PlainPoll): Promise<void> {
  await c.query(
    `update "${schema}".intervals i set ended_at = $2 from unnest($1::text[]) as v(user_id)
     where i.user_id = v.user_id and i.ended_at is null`,
    [textArray(p.closes), p.at],
  );
}

/**
 * The set-based write of one poll: one UPDATE closing, one `INSERT ... SELECT FROM unnest` each for
 * intervals and samples. Its parameters take the store's fastest forms, so it stays the fastest
 * honest baseline: binary arrays, and JSON as `text[]` cast per row, since unnesting a `jsonb[]`
 * costs the server about six times as much (it did here until the store learned it).
 */
async function setBasedPoll(c: pg.PoolClient, schema: string, p: PlainPoll): Promise<void> {
  await closeOpen(c, schema, p);
  await c.query(
    `insert into "${schema}".intervals (user_id, status, started_at, raw)
     select u, st, sa, r::jsonb from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) as v(u, st, sa, r)`,
    [
      textArray(p.opens.map((x) => x.userId)),
      textArray(p.opens.map((x) => x.status)),
      timestampArray(p.opens.map((x) => x.startedAtDate)),
      textArray(p.opens.map((x) => x.raw)),
    ],
  );
  await c.query(
    `insert into "${schema}".samples
     select u, ob, st, src, r::jsonb from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[]) as v(u, ob, st, src, r)`,
    [
      textArray(p.samples.map((x) => x.userId)),
      timestampArray(p.samples.map((x) => x.observedAtDate)),
      textArray(p.samples.map((x) => x.status)),
      textArray(p.samples.map((x) => x.source)),
      textArray(p.samples.map((x) => x.raw)),
    ],
  );
}

/** The same rows by one multi-row INSERT per table (closing by the same single UPDATE). */
async function multiRowPoll(c: pg.PoolClient, schema: string, p: PlainPoll): Promise<void> {
  await closeOpen(c, schema, p);
  const values = (rows: number, columns: number) =>
    Array.from(
      { length: rows },
      (_, r) => `(${Array.from({ length: columns }, (_, k) => `$${r * columns + k + 1}`).join(', ')})`,
    ).join(', ');
  await c.query(
    `insert into "${schema}".intervals (user_id, status, started_at, raw) values ${values(p.opens.length, 4)}`,
    p.opens.flatMap((x) => [x.userId, x.status, x.startedAt, x.raw]),
  );
  await c.query(
    `insert into "${schema}".samples values ${values(p.samples.length, 5)}`,
    p.samples.flatMap((x) => [x.userId, x.observedAt, x.status, x.source, x.raw]),
  );
}

/** The new rows by COPY (text format), without closing anything: the least the server can be asked to do. */
async function copyPoll(c: pg.PoolClient, schema: string, p: PlainPoll): Promise<void> {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  await pipeline(
    Readable.from(p.opens.map((x) => `${esc(x.userId)}\t${x.status}\t${x.startedAt}\t${esc(x.raw)}\n`)),
    c.query(copyFrom(`copy "${schema}".intervals (user_id, status, started_at, raw) from stdin`)),
  );
  await pipeline(
    Readable.from(
      p.samples.map(
        (x) => `${esc(x.userId)}\t${x.observedAt}\t${x.status}\t${esc(x.source)}\t${esc(x.raw)}\n`,
      ),
    ),
    c.query(copyFrom(`copy "${schema}".samples from stdin`)),
  );
}

/** What the store's schema keeps that the baselines do not; each is dropped in turn to price it. */
const DROPS: { name: string; sql: (s: string) => string }[] = [
  {
    name: "the BRIN indexes of closed records' start and end (range queries)",
    sql: (s) => `drop index ${s}.intervals_time; drop index ${s}.sessions_time`,
  },
  {
    name: "the open tables' keys (one open record per person; closes find their rows by them)",
    sql: (s) =>
      `alter table ${s}.open_intervals drop constraint intervals_open; alter table ${s}.open_sessions drop constraint sessions_open`,
  },
  {
    name: 'the indexes of the change columns (changes() reads by them)',
    sql: (s) =>
      `drop index ${s}.intervals_changed; drop index ${s}.sessions_changed; drop index ${s}.runs_changed;
       drop index ${s}.open_sessions_changed`,
  },
  {
    name: 'the end-after-start check on intervals',
    sql: (s) => `alter table ${s}.closed_intervals drop constraint intervals_end_after_start`,
  },
  { name: 'the samples BRIN index', sql: (s) => `drop index ${s}.samples_observed` },
  {
    name: 'the samples status check',
    sql: (s) => `alter table ${s}.samples drop constraint samples_status_check`,
  },
  {
    name: 'the primary key of intervals (no reader looks an interval up by its id)',
    sql: (s) => `alter table ${s}.closed_intervals drop constraint intervals_pkey`,
  },
  {
    // Each group of the log keeps its row and size with no ids, so the log folds as often as
    // before (the rollup parts with it) and its folds find nothing to move into user_seen.
    name: 'the sightings (each group of the log stripped of its ids by a trigger; folds still run)',
    sql: (s) => `alter table ${s}.sightings drop constraint sightings_check;
      create function ${s}.discard_seen() returns trigger language plpgsql as $$
        begin new.ids := '{}'; return new; end $$;
      create trigger discard before insert on ${s}.sightings for each row execute function ${s}.discard_seen()`,
  },
  {
    // Each close still builds its digest text in SQL; the parts go no further than the trigger, and
    // the folds find none to append to the digests.
    name: 'the rollups (each digest part discarded by a trigger before it reaches the table)',
    sql: (
      s,
    ) => `create function ${s}.discard() returns trigger language plpgsql as $$ begin return null; end $$;
      create trigger discard before insert on ${s}.rollup_parts for each row execute function ${s}.discard()`,
  },
];

async function ingest(connectionString: string): Promise<BenchRow[]> {
  const writes = makeWrites(makePolls());
  const plain = plainPolls(writes);
  const samples = USERS * POLLS;
  const transitions = plain.reduce((n, p) => n + p.closes.length + p.opens.length, 0);
  // A store's pool, used only for plain SQL, so the bench needs no driver of its own.
  const admin = postgresStore({ connectionString, schema: freshSchema('admin'), maxConnections: 2 });
  const server = await serverCpu(admin.pool);
  /** Each variant's polls alone (no schema set up or dropped): wall time, the server's CPU, this process's CPU. */
  const polls = new Map<string, { wall: number[]; server: number[]; client: number[] }>();
  const timed = async (name: string, body: () => Promise<void>) => {
    const server0 = server?.() ?? 0;
    const client0 = process.cpuUsage();
    const started = performance.now();
    await body();
    const wall = performance.now() - started;
    const client = process.cpuUsage(client0);
    const m = polls.get(name) ?? { wall: [], server: [], client: [] };
    m.wall.push(wall);
    m.server.push((server?.() ?? 0) - server0);
    m.client.push((client.user + client.system) / 1000);
    polls.set(name, m);
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const figure = (name: string) => {
    const m = polls.get(name)!;
    return { wall: median(m.wall), server: median(m.server), client: median(m.client) };
  };
  const cpuNote = (name: string) => {
    const f = figure(name);
    const serverPart = server ? `server CPU ${(f.server / POLLS).toFixed(0)} ms/poll, ` : '';
    return `${serverPart}this process's CPU ${(f.client / POLLS).toFixed(0)} ms/poll`;
  };

  const storeRun = async (name: string, drop?: (schema: string) => string) => {
    const store = postgresStore({ connectionString, schema: freshSchema('bench') });
    await store.init();
    if (drop) await admin.pool.query(drop(`"${store.schema}"`));
    const run = await store.startRun(new Date(T0));
    await timed(name, async () => {
      for (const w of writes) await store.writePoll({ ...w, runId: run.id });
    });
    await store.close();
    await admin.pool.query(`drop schema "${store.schema}" cascade`);
  };
  const plainRun = async (
    name: string,
    poll: (c: pg.PoolClient, schema: string, p: PlainPoll) => Promise<void>,
    openIndex = true,
  ) => {
    const schema = freshSchema('plain');
    await plainTables(admin.pool, schema, openIndex);
    await timed(name, async () => {
      for (const p of plain) await inTransaction(admin.pool, (c) => poll(c, schema, p));
    });
    await admin.pool.query(`drop schema "${schema}" cascade`);
  };

  // In turns, so that a load that drifts during the run weighs on every variant alike.
  await inTurns(REPEATS, [
    () => storeRun('store'),
    () => plainRun('set-based', setBasedPoll),
    () => plainRun('multi-row', multiRowPoll),
    () => plainRun('copy', copyPoll, false),
    ...DROPS.map((d) => () => storeRun(d.name, d.sql)),
  ]);
  await admin.close();
  const store = figure('store').wall;
  const setBased = figure('set-based').wall;
  const label = `${USERS.toLocaleString('en-US')} users all changing status, x ${POLLS} polls`;
  const setName =
    'set-based write of each poll (UPDATE closing, INSERT ... SELECT FROM unnest), no exclusion constraints';
  return [
    {
      name: `postgres ingest, ${label} (writePoll)`,
      value: store / POLLS,
      unit: 'ms/poll',
      baseline: { name: setName, value: setBased / POLLS },
      note: `${transitions.toLocaleString('en-US')} interval closes and opens, ${samples.toLocaleString('en-US')} samples; median of ${REPEATS}, measured in turns; ${Math.round((transitions / store) * 1000).toLocaleString('en-US')} transitions/s; ${cpuNote('store')}; the set-based write's ${cpuNote('set-based')}`,
    },
    {
      name: `postgres ingest, ${label}: the same rows by one multi-row INSERT per table and poll`,
      value: figure('multi-row').wall / POLLS,
      unit: 'ms/poll',
      baseline: { name: 'the set-based write', value: setBased / POLLS },
      note: cpuNote('multi-row'),
    },
    {
      name: `postgres ingest, ${label}: the new rows by COPY (pg-copy-streams), nothing closed`,
      value: figure('copy').wall / POLLS,
      unit: 'ms/poll',
      baseline: { name: 'the set-based write', value: setBased / POLLS },
      note: cpuNote('copy'),
    },
    ...DROPS.map((d) => ({
      name: `postgres ingest, ${label}, with ${d.name} dropped`,
      value: figure(d.name).wall / POLLS,
      unit: 'ms/poll',
      baseline: { name: 'the store with it', value: store / POLLS },
      note: cpuNote(d.name),
    })),
  ];
}

/**
 * `changes()` on the range query's 900,000 records: a read that finds nothing (what a dashboard does
 * every second while nobody writes) and one that finds a poll's 10,000 closed intervals, each beside a
 * plain SELECT of the same rows by the same index, without the cursor's snapshot and lock reads.
 */
async function changesRead(store: PostgresStore): Promise<BenchRow[]> {
  const s = `"${store.schema}"`;
  const db = store.pool;
  const { cursor } = await store.changes!({ after: null });
  const plain = (after: string) =>
    db.query(
      `select (select json_agg(json_build_array(user_id, status, started_at, ended_at, raw) order by changed, id) from ${s}.intervals where changed >= $1::xid8),
         (select json_agg(json_build_array(id, user_id, started_at, ended_at, last_seen_at, end_reason) order by changed, id) from ${s}.sessions where changed >= $1::xid8),
         (select json_agg(json_build_array(id, started_at, ended_at) order by changed, id) from ${s}.runs where changed >= $1::xid8)`,
      [after],
    );
  const none = await measure(() => store.changes!({ after: cursor }));
  const noneBaseline = await measure(() => plain(cursor));
  // A poll's worth of closes, as a write marks them.
  await db.query(
    `update ${s}.closed_intervals set changed = pg_current_xact_id() where id in (select id from ${s}.closed_intervals order by id limit 10000)`,
  );
  let found = 0;
  const some = await measure(async () => {
    found = (await store.changes!({ after: cursor })).intervals.length;
  });
  const someBaseline = await measure(() => plain(cursor));
  return [
    {
      name: 'postgres changes(), finding nothing among 900,000 records',
      value: none,
      unit: 'ms',
      baseline: {
        name: 'a plain SELECT of the rows after the cursor by the same indexes',
        value: noneBaseline,
      },
      note: "REPEATABLE READ transaction: snapshot and the writers' mark from pg_locks, then the rows",
    },
    {
      name: `postgres changes(), finding ${found.toLocaleString('en-US')} intervals among 900,000 records`,
      value: some,
      unit: 'ms',
      baseline: { name: 'a plain SELECT of the same rows by the same index', value: someBaseline },
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
  // Bulk load as a restore would: the indexes of closed records are built once over the loaded rows
  // rather than grown row by row, then they serve the queries as in any store. The rows go in the
  // order the store writes them, as each record closes.
  const indexes = await db.query<{ name: string; sql: string }>(
    `select indexname as name, indexdef as sql from pg_indexes where schemaname = $1
     and indexname in ('intervals_time', 'sessions_time')`,
    [store.schema],
  );
  for (const index of indexes.rows) await db.query(`drop index ${s}.${index.name}`);
  // Each user's last interval is still open: a row of the open table, the others of the closed one.
  await db.query(
    `with slots as (
     select 'user-' || u as user_id, st, sa, ea
     from generate_series(0, $2 - 1) u, generate_series(0, $3 - 1) d,
       lateral (select $1::timestamptz + make_interval(days => d, mins => m + (u % 30)) as sa,
                  case when i < 9 then $1::timestamptz + make_interval(days => d, mins => next_m + (u % 30))
                       when d < $3 - 1 then $1::timestamptz + make_interval(days => d + 1, mins => u % 30) end as ea,
                  (array['offline','available','busy','available','away','available','busy','available','offline'])[i] as st
                from unnest($4::int[], array_append(($4::int[])[2:], 1440)) with ordinality as x(m, next_m, i)) slot),
     closed as (insert into ${s}.closed_intervals (user_id, status, started_at, ended_at, last_seen_at)
       select user_id, st, sa, ea, ea from slots where ea is not null order by ea, user_id)
     insert into ${s}.open_intervals (user_id, status, started_at, last_seen_at)
     select user_id, st, sa, sa from slots where ea is null`,
    [start, REPORT_USERS, REPORT_DAYS, minutes],
  );
  await db.query(
    `insert into ${s}.closed_sessions (user_id, started_at, ended_at, last_seen_at, end_reason)
     select 'user-' || u, a, b, b, 'offline'
     from generate_series(0, $2 - 1) u, generate_series(0, $3 - 1) d,
       lateral (select $1::timestamptz + make_interval(days => d, mins => 480 + u % 30) as a,
                       $1::timestamptz + make_interval(days => d, mins => 1020 + u % 30) as b) t
     order by b, u`,
    [start, REPORT_USERS, REPORT_DAYS],
  );
  for (const index of indexes.rows) await db.query(index.sql);
  await db.query(`analyze ${s}.closed_intervals; analyze ${s}.open_intervals; analyze ${s}.closed_sessions`);
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
  // Ten people spread over everyone: the closed tables have no index of people, so this reads what
  // the 90-day query reads and keeps a tenth of a percent of it.
  const tenPeople = { ...range, userIds: Array.from({ length: 10 }, (_, k) => `user-${k * 97}`) };
  const tenMs = await measure(async () => {
    await store.intervals(tenPeople);
    await store.sessions(tenPeople);
  });
  const changes = await changesRead(store);
  await db.query(`drop schema ${s} cascade`);
  await store.close();
  return [
    ...changes,
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
    {
      name: `postgres range query, 10 of those ${REPORT_USERS.toLocaleString('en-US')} users over the ${REPORT_DAYS} days`,
      value: tenMs,
      unit: 'ms',
      baseline: { name: `the ${REPORT_DAYS}-day query`, value: queryMs },
    },
  ];
}
