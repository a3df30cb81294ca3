import { deepStrictEqual } from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReport,
  type Effect,
  memoryStore,
  type PresenceStore,
  type Status,
} from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { type BenchRow, measure } from './lib.ts';

const USERS = 1_000;
const DAYS = 90;
const CHANGES = 6; // status changes per working day
const STATUSES: Status[] = ['available', 'busy', 'available', 'away', 'dnd', 'available', 'offline'];
const MIN = 60_000;
const DAY = 86_400_000;
const FROM = Date.UTC(2026, 0, 4, 23); // 2026-01-05 00:00 in Berlin
const TIME_ZONE = 'Europe/Berlin';

/** A working day per user per day: a session from about 08:00, a few status changes, then nothing. */
async function fill(store: PresenceStore): Promise<number> {
  const run = await store.startRun(new Date(FROM));
  let intervals = 0;
  for (let d = 0; d < DAYS; d++) {
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
  await store.endRun(run.id, new Date(FROM + DAYS * DAY));
  await store.upsertUsers(
    Array.from({ length: USERS }, (_, u) => ({
      key: `u${u}`,
      id: `u${String(u).padStart(4, '0')}`,
      severity: 0 as const,
    })),
  );
  return intervals;
}

async function figures(store: PresenceStore, name: string, intervals: number): Promise<BenchRow> {
  const range = { from: new Date(FROM), to: new Date(FROM + DAYS * DAY) };
  const reportMs = await measure(() => buildReport({ store, ...range, timeZone: TIME_ZONE }), 0, 3);
  // Baseline: only reading what the report reads, the same intervals and sessions, from the same store.
  const readMs = await measure(
    () => Promise.all([store.intervals(range), store.sessions(range), store.users()]),
    0,
    3,
  );
  return {
    name: `buildReport, ${USERS.toLocaleString('en-US')} users x ${DAYS} days (${intervals.toLocaleString('en-US')} intervals, ${(USERS * DAYS).toLocaleString('en-US')} day rows), ${name} store`,
    value: reportMs,
    unit: 'ms',
    baseline: { name: 'reading the same intervals, sessions and users', value: readMs },
  };
}

/**
 * buildReport over 1,000 users and 90 days, on the memory store and on the SQLite store, which must
 * give the same figures.
 */
export default async function report(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const range = {
    from: new Date(FROM),
    to: new Date(FROM + DAYS * DAY),
    timeZone: TIME_ZONE,
    now: new Date(FROM),
  };
  const memory = memoryStore();
  const intervals = await fill(memory);
  rows.push(await figures(memory, 'memory', intervals));
  const expected = await buildReport({ store: memory, ...range });
  await memory.close();

  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const sqlite = sqliteStore({ path: join(dir, 'report.sqlite') });
    await fill(sqlite);
    rows.push(await figures(sqlite, 'SQLite', intervals));
    const { rows: days, totals } = await buildReport({ store: sqlite, ...range });
    deepStrictEqual(
      { days, totals },
      { days: expected.rows, totals: expected.totals },
      'the stores disagree',
    );
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
