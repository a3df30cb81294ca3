import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Effect,
  initialState,
  manualClock,
  type PollWrite,
  type PresenceStore,
  resolvePolicy,
  type Status,
  simulatedProvider,
  transition,
} from '@presence-tracker/core';
import { MIGRATIONS, sqliteStore } from '@presence-tracker/store-sqlite';
import type { BenchRow } from './lib.ts';

/** The part of better-sqlite3 the baseline uses; the workspace root has the driver but not its types. */
interface PlainDatabase {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): { run(...values: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => PlainDatabase;

const USERS = 10_000;
const POLLS = 20;
const RUNS = 5;
const STATUSES: Status[] = ['available', 'busy', 'away', 'available', 'dnd', 'offline'];
const RAW: Record<Status, Record<string, string>> = {
  available: { availability: 'Available', activity: 'Available' },
  busy: { availability: 'Busy', activity: 'InACall' },
  dnd: { availability: 'DoNotDisturb', activity: 'Presenting' },
  away: { availability: 'Away', activity: 'Away' },
  offline: { availability: 'Offline', activity: 'OffWork' },
  unknown: { availability: 'PresenceUnknown', activity: 'PresenceUnknown' },
};
// A Monday, 08:30 UTC: people arrive, meet and step away.
const T0 = Date.UTC(2026, 2, 2, 8, 30);
const MIN = 60_000;
const DAY = 86_400_000;

/**
 * The SQLite store's ingest rate against plain better-sqlite3 writing the same rows, and the time
 * of a long range query.
 */
export default async function sqlite(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  try {
    return [...(await ingest(dir)), ...(await rangeQuery(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A working morning of simulated people, polled every minute and fed through the state machine as
 * the tracker does (each sample, then a tick for everyone): one `PollWrite` per poll.
 */
async function simulatePolls(): Promise<{
  writes: Omit<PollWrite, 'runId'>[];
  samples: number;
  transitions: number;
}> {
  const policy = resolvePolicy({ staleAfter: 180_000, mergeGap: 120_000 });
  const clock = manualClock(T0);
  const provider = simulatedProvider({ users: USERS, clock });
  const ids = (await provider.discoverUsers!()).map((u) => u.id);
  const states = new Map(ids.map((id) => [id, initialState(id)]));
  const writes: Omit<PollWrite, 'runId'>[] = [];
  let samples = 0;
  let transitions = 0;
  for (let p = 0; p < POLLS; p++) {
    const at = clock.advance(MIN);
    const polled = await provider.getPresence(ids);
    const effects: Effect[] = [];
    for (const sample of polled) {
      const r = transition(states.get(sample.userId)!, { type: 'sample', sample }, policy);
      states.set(sample.userId, r.state);
      effects.push(...r.effects);
    }
    for (const [userId, state] of states) {
      const r = transition(state, { type: 'tick', at }, policy);
      states.set(userId, r.state);
      effects.push(...r.effects);
    }
    samples += polled.length;
    transitions += effects.filter((e) => e.type !== 'seen' && e.type !== 'unavailable.long').length;
    writes.push({ at, samples: polled, effects });
  }
  return { writes, samples, transitions };
}

type IntervalRow = [userId: string, status: string, startedAt: number, endedAt: number | null, raw: string];

/** Every interval the writes open, as its finished row: ended where the writes close it. */
function intervalRows(writes: Omit<PollWrite, 'runId'>[]): IntervalRow[] {
  const rows: IntervalRow[] = [];
  const open = new Map<string, IntervalRow>();
  for (const w of writes) {
    for (const e of w.effects) {
      if (e.type === 'interval.open') {
        const row: IntervalRow = [e.userId, e.status, e.startedAt.getTime(), null, JSON.stringify(e.raw)];
        rows.push(row);
        open.set(e.userId, row);
      } else if (e.type === 'interval.close') {
        open.get(e.userId)![3] = e.endedAt.getTime();
      }
    }
  }
  return rows;
}

/**
 * The baseline: the same samples and interval rows, inserted by plain prepared statements in one
 * transaction, into bare tables (a row per sample) or into the store's own tables and indexes (a row
 * per poll's samples, as the store keeps them). Returns the ms taken.
 */
function plainInsert(
  path: string,
  writes: Omit<PollWrite, 'runId'>[],
  intervals: IntervalRow[],
  ownSchema: boolean,
): number {
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    ownSchema
      ? MIGRATIONS.map((m) => m.up).join('\n')
      : `CREATE TABLE samples (user_id TEXT, observed_at INTEGER, status TEXT, source TEXT, raw TEXT);
         CREATE TABLE intervals (user_id TEXT, status TEXT, started_at INTEGER, ended_at INTEGER, raw TEXT);`,
  );
  const sample = ownSchema
    ? null
    : db.prepare('INSERT INTO samples (user_id, observed_at, status, source, raw) VALUES (?, ?, ?, ?, ?)');
  // The store's own format: one row per poll holding its readings.
  const poll = ownSchema
    ? db.prepare('INSERT INTO samples (first_at, last_at, readings) VALUES (?, ?, ?)')
    : null;
  const interval = db.prepare(
    'INSERT INTO intervals (user_id, status, started_at, ended_at, raw) VALUES (?, ?, ?, ?, ?)',
  );
  const t = performance.now();
  db.transaction(() => {
    for (const w of writes) {
      if (poll) {
        const readings = w.samples.map((s) => [
          s.userId,
          s.observedAt.getTime(),
          s.status,
          s.source ?? null,
          s.raw ?? null,
        ]);
        poll.run(w.at.getTime(), w.at.getTime(), JSON.stringify(readings));
        continue;
      }
      for (const s of w.samples) {
        sample!.run(s.userId, s.observedAt.getTime(), s.status, s.source ?? null, JSON.stringify(s.raw));
      }
    }
    for (const row of intervals) interval.run(...row);
  })();
  const ms = performance.now() - t;
  db.close();
  return ms;
}

function effectTime(e: Effect): number {
  switch (e.type) {
    case 'interval.open':
    case 'session.open':
      return e.startedAt.getTime();
    case 'interval.close':
    case 'session.close':
      return e.endedAt.getTime();
    default:
      return e.at.getTime();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function ingest(dir: string): Promise<BenchRow[]> {
  const { writes, samples, transitions } = await simulatePolls();
  const intervals = intervalRows(writes);
  let n = 0;

  const storeMs: number[] = [];
  const plainMs: number[] = [];
  const schemaMs: number[] = [];
  // Alternate them so that all see the same machine load.
  for (let r = 0; r < RUNS; r++) {
    const store = sqliteStore({ path: join(dir, `store-${++n}.db`) });
    const run = await store.startRun(new Date(T0));
    const t = performance.now();
    for (const w of writes) await store.writePoll({ ...w, runId: run.id });
    storeMs.push(performance.now() - t);
    await store.close();

    plainMs.push(plainInsert(join(dir, `plain-${++n}.db`), writes, intervals, false));
    schemaMs.push(plainInsert(join(dir, `schema-${++n}.db`), writes, intervals, true));
  }
  const store = median(storeMs);
  const plain = median(plainMs);
  const schema = median(schemaMs);
  const perSecond = (count: number, ms: number) => (count / ms) * 1000;
  const label = `${USERS.toLocaleString('en-US')} users x ${POLLS} polls`;
  const baseline = 'plain better-sqlite3, samples + interval rows, unindexed, one transaction';
  return [
    {
      name: `sqlite store ingest, samples, ${label}`,
      value: perSecond(samples, store),
      unit: 'samples/s',
      baseline: { name: baseline, value: perSecond(samples, plain) },
      note: `store ${store.toFixed(0)} ms, plain ${plain.toFixed(0)} ms, median of ${RUNS}; one writePoll per poll`,
    },
    {
      name: `sqlite store ingest, transitions, ${label}`,
      value: perSecond(transitions, store),
      unit: 'transitions/s',
      baseline: { name: baseline, value: perSecond(transitions, plain) },
      note: `${transitions.toLocaleString('en-US')} interval and session opens and closes`,
    },
    {
      name: `sqlite store ingest against the same rows in its own indexed schema, ${label}`,
      value: perSecond(samples, store),
      unit: 'samples/s',
      baseline: {
        name: "plain better-sqlite3, the same rows in the store's tables and format, one transaction",
        value: perSecond(samples, schema),
      },
      note: `schema ${schema.toFixed(0)} ms; the rest of the gap is closing records and last-seen times`,
    },
  ];
}

/** 90 days of 1,000 users: a session a day, a status change every 40 minutes of an 8-hour day. */
async function rangeQuery(dir: string): Promise<BenchRow[]> {
  const users = 1_000;
  const days = 90;
  const changes = 12;
  const path = join(dir, 'range.db');
  const store: PresenceStore = sqliteStore({ path, keepSamples: false });
  const run = await store.startRun(new Date(T0));
  let buildMs = performance.now();
  for (let d = 0; d < days; d++) {
    const start = T0 + d * DAY;
    const effects: Effect[] = [];
    for (let u = 0; u < users; u++) {
      const userId = `user-${String(u).padStart(4, '0')}`;
      const begin = start + (u % 60) * MIN;
      effects.push({ type: 'session.open', userId, startedAt: new Date(begin) });
      for (let c = 0; c < changes; c++) {
        const at = new Date(begin + c * 40 * MIN);
        if (c > 0) effects.push({ type: 'interval.close', userId, endedAt: at });
        effects.push({
          type: 'interval.open',
          userId,
          status: STATUSES[(u + c) % 5]!,
          startedAt: at,
          raw: RAW.busy,
        });
      }
      const end = new Date(begin + changes * 40 * MIN);
      effects.push({ type: 'interval.close', userId, endedAt: end });
      effects.push({
        type: 'session.close',
        userId,
        startedAt: new Date(begin),
        endedAt: end,
        lastSeenAt: end,
        reason: 'window',
      });
    }
    // In time order, as a tracker writes them (the sort is stable, so a close stays before its reopen).
    effects.sort((x, y) => effectTime(x) - effectTime(y));
    await store.writePoll({ runId: run.id, at: new Date(start + 9 * 3_600_000), samples: [], effects });
  }
  buildMs = performance.now() - buildMs;
  const range = { from: new Date(T0), to: new Date(T0 + days * DAY) };
  const time = async (query: () => Promise<unknown[]>) => {
    const counts: number[] = [];
    const times: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      counts.push((await query()).length);
      times.push(performance.now() - t);
    }
    return { ms: median(times), count: counts[0]! };
  };
  const intervals = await time(() => store.intervals(range));
  const sessions = await time(() => store.sessions(range));
  const oneDay = { from: new Date(T0 + 45 * DAY), to: new Date(T0 + 46 * DAY) };
  const dayIntervals = await time(() => store.intervals(oneDay));
  const tenUsers = await time(() =>
    store.intervals({
      ...range,
      userIds: Array.from({ length: 10 }, (_, u) => `user-${String(u * 97).padStart(4, '0')}`),
    }),
  );
  await store.close();
  const note = (r: { count: number }) => `${r.count.toLocaleString('en-US')} rows`;
  return [
    {
      name: `sqlite range query, intervals, ${days} days x ${users.toLocaleString('en-US')} users`,
      value: intervals.ms,
      unit: 'ms',
      note: `${note(intervals)}; built by ${days} writePolls in ${(buildMs / 1000).toFixed(1)} s`,
    },
    {
      name: `sqlite range query, sessions, ${days} days x ${users.toLocaleString('en-US')} users`,
      value: sessions.ms,
      unit: 'ms',
      note: note(sessions),
    },
    {
      name: 'sqlite range query, intervals, one day in the middle, all users',
      value: dayIntervals.ms,
      unit: 'ms',
      note: note(dayIntervals),
    },
    {
      name: `sqlite range query, intervals, ${days} days, 10 users`,
      value: tenUsers.ms,
      unit: 'ms',
      note: note(tenUsers),
    },
  ];
}
