import assert from 'node:assert/strict';
import { type Effect, initialState, resolvePolicy, transition, type UserState } from '../../machine/index.ts';
import { STATUSES, type Status } from '../../model.ts';
import { buildReport, type ReportQuery } from '../../report/index.ts';
import type { PresenceStore } from '../../store/index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * Zones whose local days fall across UTC days differently: a DST zone each side of UTC, half- and
 * quarter-hour offsets (St John's with DST), a half-hour DST change (Lord Howe) and a +12:45 zone.
 */
export const ROLLUP_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'UTC',
] as const;

/** One random history and the reports read over it. */
export interface RollupAgreementCase {
  /** Seeds the history and the queries. */
  seed: number;
  timeZone: string;
  /** Where the history starts, epoch milliseconds; instants fall on any millisecond after it. */
  start: number;
  /** How long it lasts, in hours. Default: 60. */
  hours?: number;
}

/** A deterministic random source, so a failing seed can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes a random history into `store` through the real state machine (people answering at odd
 * milliseconds, changing status, falling silent for hours and going stale, sessions across
 * midnights, a run stopped or left open, a recovery that closes what a crash left open), then checks
 * that reports from the store's rollups equal reports from its raw records (`rollups: false`), by
 * day, week and user, with and without windows, with either set of available statuses, over ranges
 * that start and end anywhere. Throws an `AssertionError` naming the query that differs.
 */
export async function checkRollupAgreement(store: PresenceStore, c: RollupAgreementCase): Promise<void> {
  const rnd = seededRandom(c.seed);
  const users = ['a', 'b', 'c'];
  const end = await writeHistory(store, rnd, users, c.start, c.start + (c.hours ?? 60) * HOUR);
  const span = end - c.start;
  for (let k = 0; k < 4; k++) {
    const from = c.start - 6 * HOUR + Math.floor(rnd() * (span + 6 * HOUR));
    const to = from + 1 + Math.floor(rnd() * (span + 12 * HOUR));
    const query: ReportQuery = {
      store,
      from: new Date(from),
      to: new Date(to),
      timeZone: c.timeZone,
      now: new Date(c.start + Math.floor(rnd() * (span + 12 * HOUR))),
      groupBy: (['day', 'week', 'user', 'day'] as const)[k]!,
      policy: { availableStatuses: rnd() < 0.5 ? ['available'] : ['available', 'busy'] },
      ...(rnd() < 0.4
        ? {
            windows: [
              { days: [1, 2, 3, 4, 5], start: '08:30', end: '17:45' },
              { days: [6, 7], start: '22:00', end: '02:15' },
            ],
          }
        : {}),
      ...(rnd() < 0.3 ? { userIds: ['b', 'c', 'nobody'] } : {}),
    };
    const fromRollups = await buildReport(query);
    const fromRecords = await buildReport({ ...query, rollups: false });
    const what = `seed ${c.seed}, ${c.timeZone}, ${query.groupBy}, ${query.from.toISOString()} to ${query.to.toISOString()}`;
    assert.deepEqual(fromRollups.rows, fromRecords.rows, `rows differ (${what})`);
    assert.deepEqual(fromRollups.totals, fromRecords.totals, `totals differ (${what})`);
    assert.deepEqual(fromRollups.users, fromRecords.users, `users differ (${what})`);
  }
}

/**
 * How often each person falls silent and changes status per poll: one seldom silent (sessions over
 * days), one often (short sessions, stale ends), one mostly offline (long offline intervals).
 */
const HABITS = [
  { silence: 0.002, change: 0.05, offline: 0.1 },
  { silence: 0.03, change: 0.3, offline: 0.1 },
  { silence: 0.01, change: 0.1, offline: 0.7 },
];

/** Polls every few minutes to hours, at odd milliseconds; returns when the history ends. */
async function writeHistory(
  store: PresenceStore,
  rnd: () => number,
  users: string[],
  start: number,
  until: number,
): Promise<number> {
  const policy = resolvePolicy({ staleAfter: 20 * MIN, mergeGap: rnd() < 0.5 ? 0 : 5 * MIN });
  let run = await store.startRun(new Date(start));
  const states = new Map<string, UserState>(users.map((u) => [u, initialState(u)]));
  const status = new Map<string, Status>(users.map((u) => [u, 'available']));
  const silentUntil = new Map<string, number>();
  let t = start;
  let crashed = false;
  while (t < until) {
    const effects: Effect[] = [];
    for (const u of users) {
      if ((silentUntil.get(u) ?? 0) > t) continue;
      const habit = HABITS[users.indexOf(u) % HABITS.length]!;
      if (rnd() < habit.silence) {
        silentUntil.set(u, t + Math.floor(rnd() * 9 * HOUR));
        continue;
      }
      if (rnd() < habit.change) {
        status.set(u, rnd() < habit.offline ? 'offline' : STATUSES[Math.floor(rnd() * STATUSES.length)]!);
      }
      const r = transition(
        states.get(u)!,
        { type: 'sample', sample: { userId: u, status: status.get(u)!, observedAt: new Date(t) } },
        policy,
      );
      states.set(u, r.state);
      effects.push(...r.effects);
    }
    for (const u of users) {
      const r = transition(states.get(u)!, { type: 'tick', at: new Date(t) }, policy);
      states.set(u, r.state);
      effects.push(...r.effects);
    }
    await store.writePoll({ runId: run.id, at: new Date(t), samples: [], effects });
    if (!crashed && rnd() < 0.01) {
      // A crash: what was open is closed at each person's last sighting, as a tracker's recovery does.
      crashed = true;
      await recover(store, run.id, t);
      run = await store.startRun(new Date(t + 1));
      for (const u of users) states.set(u, initialState(u));
    }
    // Mostly minutes apart, sometimes hours, so some records cross midnights and others are short.
    t += rnd() < 0.9 ? 1 + Math.floor(rnd() * 15 * MIN) : Math.floor(rnd() * 5 * HOUR);
  }
  if (rnd() < 0.6) {
    const effects: Effect[] = [];
    for (const u of users)
      effects.push(...transition(states.get(u)!, { type: 'stop', at: new Date(t) }, policy).effects);
    await store.writePoll({ runId: run.id, at: new Date(t), samples: [], effects });
    await store.endRun(run.id, new Date(t));
  }
  return t;
}

/** Closes the open intervals and sessions at their last sighting and ends the run, in one write. */
async function recover(store: PresenceStore, runId: string, at: number): Promise<void> {
  const open = await store.openState();
  const effects: Effect[] = [];
  for (const i of open.intervals)
    effects.push({ type: 'interval.close', userId: i.userId, endedAt: i.lastSeenAt });
  for (const s of open.sessions) {
    effects.push({
      type: 'session.close',
      userId: s.userId,
      startedAt: s.startedAt,
      endedAt: s.lastSeenAt,
      lastSeenAt: s.lastSeenAt,
      reason: 'recovered',
    });
  }
  await store.writePoll({ runId, at: new Date(at), samples: [], effects });
  await store.endRun(runId, new Date(at));
}
