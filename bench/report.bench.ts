import { deepStrictEqual } from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReport,
  type Effect,
  memoryStore,
  type PresenceStore,
  RollupBatch,
  type Status,
} from '@presence-tracker/core';
import { postgresStore } from '@presence-tracker/store-postgres';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { freshSchema, startTestServer } from '../packages/store-postgres/src/testing/server.ts';
import { type BenchRow, collector, inTurns } from './lib.ts';

const USERS = 1_000;
const DAYS = 90;
const CHANGES = 6; // status changes per working day
const STATUSES: Status[] = ['available', 'busy', 'available', 'away', 'dnd', 'available', 'offline'];
const MIN = 60_000;
const DAY = 86_400_000;
const FROM = Date.UTC(2026, 0, 4, 23); // 2026-01-05 00:00 in Berlin
const TIME_ZONE = 'Europe/Berlin';
/** Turns of the report figures: each turn reads the raw records, then builds the report both ways. */
const TURNS = 7;

/** A working day per user per day: a session from about 08:00, a few status changes, then nothing. */
async function fill(store: PresenceStore, days = DAYS): Promise<number> {
  const run = await store.startRun(new Date(FROM));
  let intervals = 0;
  for (let d = 0; d < days; d++) {
    const effects: Effect[] = [];
    for (let u = 0; u < USERS; u++) {
      const userId = `u${String(u).padStart(4, '0')}`;
      let t = FROM + d * DAY + (7 * 60 + (u % 90)) * MIN;
      effects.push({ type: 'session.open', userId, startedAt: new Date(t) });
      const start = t;
      for (let k = 0; k < CHANGES; k++) {
        const status = STATUSES[(u + d + k) % STATUSES.length]!;
        effects.push({ type: 'interval.open', userId, status, startedAt: new Date(t) });
        t += (40 + ((u * 7 + k * 31) % 80)) * MIN;
        effects.push({ type: 'interval.close', userId, endedAt: new Date(t) });
        intervals++;
      }
      effects.push({
        type: 'session.close',
        userId,
        startedAt: new Date(start),
        endedAt: new Date(t),
        lastSeenAt: new Date(t),
        reason: 'stopped',
      });
    }
    await store.writePoll({ runId: run.id, at: new Date(FROM + (d + 1) * DAY - MIN), samples: [], effects });
  }
  await store.endRun(run.id, new Date(FROM + days * DAY));
  await store.upsertUsers(
    Array.from({ length: USERS }, (_, u) => ({
      key: `u${u}`,
      id: `u${String(u).padStart(4, '0')}`,
      severity: 0 as const,
    })),
  );
  return intervals;
}

async function figures(store: PresenceStore, name: string, intervals: number): Promise<BenchRow[]> {
  const range = { from: new Date(FROM), to: new Date(FROM + DAYS * DAY) };
  const query = { store, ...range, timeZone: TIME_ZONE, now: range.from };
  const what = `buildReport, ${USERS.toLocaleString('en-US')} users x ${DAYS} days (${intervals.toLocaleString('en-US')} intervals, ${(USERS * DAYS).toLocaleString('en-US')} day rows), ${name} store`;
  // Baseline: only reading the raw records the report would otherwise read, from the same store.
  // The three are measured in turns, so a load that drifts during the run weighs on each alike, and
  // each from a collected heap, so none pays for collecting what the one before it left.
  const [readMs, rollupsMs, rawMs] = await inTurns(
    TURNS,
    [
      () => Promise.all([store.intervals(range), store.sessions(range), store.users()]),
      () => buildReport(query),
      () => buildReport({ ...query, rollups: false }),
    ],
    collector(),
  );
  const baseline = { name: 'reading the same intervals, sessions and users', value: readMs };
  const note = `median of ${TURNS} turns, each task from a collected heap`;
  return [
    { name: `${what}, from rollups`, value: rollupsMs, unit: 'ms', baseline, note },
    { name: `${what}, from the raw records (rollups: false)`, value: rawMs, unit: 'ms', baseline, note },
  ];
}

/**
 * What keeping rollups costs the write path: the same days written into fresh stores with rollup
 * maintenance on, against the same store with core's RollupBatch made to collect nothing (so no
 * digest text is built and no rollup statement runs), in turns, the median of five each, in wall
 * time and (in the note) in this process's CPU time, which a loaded machine moves less. The time
 * includes closing the store, which for SQLite copies the WAL into the file: each side then pays for
 * every page it wrote, where ten writes alone let a 16 MB checkpoint fall inside one side's run and
 * not the other's.
 */
async function writeCost(name: string, make: () => Promise<PresenceStore>): Promise<BenchRow> {
  const days = 10;
  const proto = RollupBatch.prototype as unknown as Record<'interval' | 'session', unknown>;
  const kept = { interval: proto.interval, session: proto.session };
  const once = async (rollups: boolean) => {
    const store = await make();
    await store.init();
    if (!rollups) Object.assign(proto, { interval() {}, session() {} });
    const cpu = process.cpuUsage();
    const t = performance.now();
    try {
      await fill(store, days);
    } finally {
      try {
        await store.close();
      } finally {
        Object.assign(proto, kept);
      }
    }
    const ms = performance.now() - t;
    const { user, system } = process.cpuUsage(cpu);
    return { ms, cpuMs: (user + system) / 1000 };
  };
  const on: { ms: number; cpuMs: number }[] = [];
  const off: { ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < 5; i++) {
    off.push(await once(false));
    on.push(await once(true));
  }
  const median = (list: number[]) => list.sort((a, b) => a - b)[list.length >> 1]!;
  const cpu = { on: median(on.map((r) => r.cpuMs)), off: median(off.map((r) => r.cpuMs)) };
  return {
    name: `writing ${USERS.toLocaleString('en-US')} users x ${days} days with rollups, ${name} store`,
    value: median(on.map((r) => r.ms)),
    unit: 'ms',
    baseline: { name: 'the same writes without rollup maintenance', value: median(off.map((r) => r.ms)) },
    note: `CPU time of this process: ${Math.round(cpu.on)} against ${Math.round(cpu.off)} ms, ratio ${(cpu.on / cpu.off).toFixed(2)}`,
  };
}

/**
 * buildReport over 1,000 users and 90 days from rollups, on the memory, SQLite and Postgres stores
 * (which must give the same figures), beside reading the raw records and the generic path; and what
 * keeping rollups costs each store's writes.
 */
export default async function report(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const range = {
    from: new Date(FROM),
    to: new Date(FROM + DAYS * DAY),
    timeZone: TIME_ZONE,
    now: new Date(FROM),
  };
  rows.push(await writeCost('memory', async () => memoryStore()));
  const memory = memoryStore();
  const intervals = await fill(memory);
  rows.push(...(await figures(memory, 'memory', intervals)));
  const expected = await buildReport({ store: memory, ...range, rollups: false });
  await memory.close();
  const same = async (store: PresenceStore, name: string) => {
    const { rows: days, totals } = await buildReport({ store, ...range });
    deepStrictEqual(
      { days, totals },
      { days: expected.rows, totals: expected.totals },
      `the ${name} store's report from rollups disagrees with the memory store's from raw records`,
    );
  };

  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    let n = 0;
    rows.push(await writeCost('SQLite', async () => sqliteStore({ path: join(dir, `write-${++n}.sqlite`) })));
    const sqlite = sqliteStore({ path: join(dir, 'report.sqlite') });
    await fill(sqlite);
    rows.push(...(await figures(sqlite, 'SQLite', intervals)));
    await same(sqlite, 'SQLite');
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const server = await startTestServer({ fast: false });
  try {
    const connectionString = server.connectionString;
    rows.push(
      await writeCost('Postgres', async () => postgresStore({ connectionString, schema: freshSchema('w') })),
    );
    const postgres = postgresStore({ connectionString, schema: freshSchema('report') });
    await fill(postgres);
    rows.push(...(await figures(postgres, 'Postgres', intervals)));
    await same(postgres, 'Postgres');
    await postgres.close();
  } finally {
    await server.dispose();
  }
  return rows;
}
