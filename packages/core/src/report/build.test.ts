import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { type Effect, initialState, resolvePolicy, transition, type UserState } from '../machine/index.ts';
import { type Interval, type Session, STATUSES, type Status } from '../model.ts';
import type { ScheduleWindow } from '../schedule/index.ts';
import type { PresenceStore } from '../store/index.ts';
import { memoryStore } from '../store/index.ts';
import { buildReport, type Report, reportRows } from './build.ts';
import { localDay, localDayStart } from './periods.ts';
import type { ReportRow } from './row.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A deterministic random source, so a failing seed can be replayed. */
function random(seed: number): () => number {
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
 * Drives the real state machine with random polls: users answer or stay silent (and go stale), change
 * status, and the run either stops or is left open. Every instant is a whole minute.
 */
async function randomHistory(
  seed: number,
  start: number,
  minutes: number,
  users: string[],
): Promise<{ store: PresenceStore; end: number }> {
  const rnd = random(seed);
  const store = memoryStore();
  await store.upsertUsers(users.map((id) => ({ key: id, id, severity: 0, displayName: `User ${id}` })));
  const policy = resolvePolicy({ staleAfter: 10 * MIN, mergeGap: rnd() < 0.5 ? 0 : 5 * MIN });
  const run = await store.startRun(new Date(start));
  const states = new Map<string, UserState>(users.map((u) => [u, initialState(u)]));
  const status = new Map<string, Status>(users.map((u) => [u, 'available']));
  const silentUntil = new Map<string, number>();
  let t = start;
  const end = start + minutes * MIN;
  while (t < end) {
    const effects: Effect[] = [];
    for (const u of users) {
      if ((silentUntil.get(u) ?? 0) > t) continue;
      if (rnd() < 0.01) {
        silentUntil.set(u, t + Math.floor(rnd() * 180) * MIN);
        continue;
      }
      if (rnd() < 0.15) status.set(u, STATUSES[Math.floor(rnd() * STATUSES.length)]!);
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
    t += (1 + Math.floor(rnd() * 7)) * MIN;
  }
  if (rnd() < 0.6) {
    const effects: Effect[] = [];
    for (const u of users) {
      const r = transition(states.get(u)!, { type: 'stop', at: new Date(t) }, policy);
      effects.push(...r.effects);
    }
    await store.writePoll({ runId: run.id, at: new Date(t), samples: [], effects });
    await store.endRun(run.id, new Date(t));
  }
  return { store, end: t };
}

interface OracleQuery {
  from: number;
  to: number;
  timeZone: string;
  now: number;
  windows?: ScheduleWindow[];
  availableStatuses?: Status[];
  week?: boolean;
}

/** The Monday of a calendar day, by calendar arithmetic alone. */
function mondayOf(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y!, m! - 1, d!));
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface WallClock {
  day: string;
  weekday: number;
  minute: number;
}

/** The wall clock in a zone at an instant, as Intl tells it: the local date, ISO weekday and minute of day. */
function wallClock(timeZone: string): (at: number) => WallClock {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  // Remembered per zone across runs: the property's runs ask about the same minutes again and again.
  const known = wallClocks.get(timeZone) ?? new Map();
  wallClocks.set(timeZone, known);
  return (at) => {
    let clock = known.get(at);
    if (clock === undefined) {
      const p = Object.fromEntries(format.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
      clock = {
        day: `${p.year}-${p.month}-${p.day}`,
        weekday: WEEKDAYS.indexOf(p.weekday!) + 1,
        minute: Number(p.hour) * 60 + Number(p.minute),
      };
      known.set(at, clock);
    }
    return clock;
  };
}
const wallClocks = new Map<string, Map<number, WallClock>>();

/**
 * Whether a wall-clock minute is inside a window, read off the clock face alone: on one of the
 * window's days between start and end, or, for a window that ends before it starts, after the start on
 * one of its days or before the end on the day after one of them. This agrees with instants computed
 * by the schedule as long as no edge falls in an hour the clocks skip or repeat. The windows below
 * have none there but one, New York's 01:15 on 1 November, which Saturday's 22:00 to 03:30 covers
 * anyway; the schedule's own tests pin the days the clocks change down.
 */
function insideWindow(w: ScheduleWindow, clock: WallClock): boolean {
  const hhmm = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const [start, end] = [hhmm(w.start), hhmm(w.end)];
  const today = w.days.includes(clock.weekday);
  if (start < end) return today && start <= clock.minute && clock.minute < end;
  const yesterday = w.days.includes(clock.weekday === 1 ? 7 : clock.weekday - 1);
  return (today && clock.minute >= start) || (yesterday && clock.minute < end);
}

/**
 * The report the slow way: minute by minute, asking Intl for each minute's local day and wall clock
 * (not the report's code, nor the schedule's), whether a window holds that wall-clock minute, and which
 * interval covers it. Every boundary is a whole minute, so this is exact to the millisecond.
 */
function oracle(intervals: Interval[], sessions: Session[], users: string[], q: OracleQuery) {
  const clockAt = wallClock(q.timeZone);
  const available = new Set(q.availableStatuses ?? ['available']);
  const end = (r: { startedAt: Date; endedAt: Date | null }) =>
    r.endedAt ? r.endedAt.getTime() : Math.max(r.startedAt.getTime(), q.now);
  const minutes: { m: number; day: string; counted: boolean }[] = [];
  for (let m = q.from; m < q.to; m += MIN) {
    const clock = clockAt(m);
    const counted = q.windows ? q.windows.some((w) => insideWindow(w, clock)) : true;
    minutes.push({ m, day: clock.day, counted });
  }
  const keyOf = (x: { day: string }) => (q.week ? mondayOf(x.day) : x.day);
  const keys = [...new Set(minutes.map(keyOf))];
  const rows: Partial<ReportRow>[] = [];
  const totals: Partial<ReportRow>[] = [];
  for (const u of users) {
    const mine = intervals.filter((i) => i.userId === u);
    const mySessions = sessions.filter((s) => s.userId === u);
    const statusAt = (m: number) =>
      mine.find((i) => i.startedAt.getTime() <= m && m < end(i))?.status ?? null;
    const statuses = new Map(minutes.map((x) => [x.m, x.counted ? statusAt(x.m) : null]));
    const summarize = (selected: typeof minutes, day: string | null) => {
      const statusMs = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
      let observed = 0;
      let availableMs = 0;
      let first: number | null = null;
      let last: number | null = null;
      const periods: { start: Date; end: Date; ms: number }[] = [];
      let prevUnavailable = false;
      for (const x of selected) {
        const s = statuses.get(x.m) ?? null;
        const unavailable = s !== null && !available.has(s);
        if (s !== null) {
          statusMs[s] += MIN;
          observed += MIN;
          if (available.has(s)) availableMs += MIN;
          first ??= x.m;
          last = x.m + MIN;
        }
        if (unavailable) {
          const p = periods[periods.length - 1];
          if (prevUnavailable && p) {
            p.end = new Date(x.m + MIN);
            p.ms += MIN;
          } else periods.push({ start: new Date(x.m), end: new Date(x.m + MIN), ms: MIN });
        }
        prevUnavailable = unavailable;
      }
      const countedMinutes = selected.filter((x) => x.counted);
      const counted = (m: number) => countedMinutes.some((x) => x.m === m);
      const sessionCount = mySessions.filter((s) => {
        const a = s.startedAt.getTime();
        const b = end(s);
        if (a === b) return counted(a);
        return countedMinutes.some((x) => a <= x.m && x.m < b);
      }).length;
      return {
        userId: u,
        day,
        observedMs: observed,
        availableMs,
        unavailableMs: observed - availableMs,
        unobservedMs: countedMinutes.length * MIN - observed,
        statusMs,
        sessions: sessionCount,
        firstSeen: first === null ? null : new Date(first),
        lastSeen: last === null ? null : new Date(last),
        longestUnavailableMs: Math.max(0, ...periods.map((p) => p.ms)),
        unavailablePeriods: periods,
      };
    };
    for (const k of keys) {
      const selected = minutes.filter((x) => keyOf(x) === k);
      rows.push(summarize(selected, selected[0]!.day));
    }
    totals.push(summarize(minutes, null));
  }
  return { rows, totals };
}

const strip = (rows: ReportRow[]) =>
  rows.map(({ start: _s, end: _e, countedMs: _c, ...rest }) => rest as Partial<ReportRow>);

const cases = [
  { timeZone: 'Europe/Berlin', around: Date.UTC(2026, 2, 29, 1) }, // spring forward, 23-hour day
  { timeZone: 'Europe/Berlin', around: Date.UTC(2026, 9, 25, 1) }, // fall back, 25-hour day
  { timeZone: 'America/New_York', around: Date.UTC(2026, 2, 8, 7) },
  { timeZone: 'America/New_York', around: Date.UTC(2026, 10, 1, 6) },
  { timeZone: 'Asia/Kolkata', around: Date.UTC(2026, 2, 1, 18, 30) }, // UTC+5:30, midnight at :30 UTC
];

const windowChoices: (ScheduleWindow[] | undefined)[] = [
  undefined,
  [{ days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '17:30' }],
  [
    { days: [6, 7], start: '22:00', end: '03:30' }, // crosses midnight and the DST hour
    { days: [1, 7], start: '01:15', end: '12:00' },
  ],
  [
    { days: [5, 6], start: '23:45', end: '00:15' },
    { days: [1], start: '09:45', end: '13:00' },
  ],
];

describe('buildReport against a minute-by-minute oracle', () => {
  it('agrees to the millisecond on random histories across DST changes, midnight, range edges, gaps, windows and weeks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          tz: fc.integer({ min: 0, max: cases.length - 1 }),
          windows: fc.integer({ min: 0, max: windowChoices.length - 1 }),
          fromOffset: fc.integer({ min: -30 * 60, max: 40 * 60 }),
          length: fc.integer({ min: 1, max: 56 * 60 }),
          nowOffset: fc.integer({ min: 0, max: 60 * 60 }),
          busyCountsAsAvailable: fc.boolean(),
          week: fc.boolean(),
        }),
        async (c) => {
          const { timeZone, around } = cases[c.tz]!;
          const users = ['a', 'b', 'c'];
          const historyStart = around - 36 * HOUR;
          const { store } = await randomHistory(c.seed, historyStart, 72 * 60, users);
          const from = around + c.fromOffset * MIN;
          const to = from + c.length * MIN;
          const now = historyStart + (12 * 60 + c.nowOffset) * MIN;
          const windows = windowChoices[c.windows];
          const availableStatuses: Status[] = c.busyCountsAsAvailable ? ['available', 'busy'] : ['available'];
          const report = await buildReport({
            store,
            from: new Date(from),
            to: new Date(to),
            timeZone,
            now: new Date(now),
            policy: { availableStatuses },
            groupBy: c.week ? 'week' : 'day',
            ...(windows ? { windows } : {}),
          });
          const all = { from: new Date(0), to: new Date(8.64e15) };
          const expected = oracle(await store.intervals(all), await store.sessions(all), users, {
            from,
            to,
            timeZone,
            now,
            availableStatuses,
            week: c.week,
            ...(windows ? { windows } : {}),
          });
          expect(strip(report.rows)).toEqual(expected.rows);
          expect(strip(report.totals)).toEqual(expected.totals);
        },
      ),
      {
        numRuns: 40,
        // Besides the random ones, every zone with every set of windows over the whole history, so
        // each day a window crosses (the 23- and 25-hour days among them) is always compared, and
        // over a range that starts in the night, inside a window opened the evening before.
        examples: cases.flatMap((_, tz) =>
          windowChoices.flatMap((_, windows) =>
            [
              { fromOffset: -30 * 60, length: 56 * 60 },
              { fromOffset: -60, length: 20 * 60 },
            ].map((range) => [
              {
                ...range,
                seed: tz * 10 + windows,
                tz,
                windows,
                nowOffset: 60 * 60,
                busyCountsAsAvailable: windows % 2 === 0,
                week: tz % 2 === 1,
              },
            ]),
          ),
        ),
      },
    );
  });
});

/** Writes one user's intervals and sessions as given, minute offsets from a Berlin midnight. */
async function fixture(
  parts: { status: Status; from: number; to: number | null }[],
  sessions: { from: number; to: number | null }[] = [],
) {
  const store = memoryStore();
  const run = await store.startRun(new Date(BERLIN_MIDNIGHT - HOUR));
  const effects: Effect[] = [];
  for (const p of parts) {
    effects.push({ type: 'interval.open', userId: 'u', status: p.status, startedAt: at(p.from) });
    if (p.to !== null) effects.push({ type: 'interval.close', userId: 'u', endedAt: at(p.to) });
  }
  for (const s of sessions) {
    effects.push({ type: 'session.open', userId: 'u', startedAt: at(s.from) });
    if (s.to !== null) {
      effects.push({
        type: 'session.close',
        userId: 'u',
        startedAt: at(s.from),
        endedAt: at(s.to),
        lastSeenAt: at(s.to),
        reason: 'offline',
      });
    }
  }
  await store.writePoll({ runId: run.id, at: at(0), samples: [], effects });
  return store;
}

const BERLIN_MIDNIGHT = Date.UTC(2026, 2, 1, 23); // 2026-03-02 00:00 in Berlin, a Monday
const at = (minutes: number) => new Date(BERLIN_MIDNIGHT + minutes * MIN);
const DAY = 24 * 60;

describe('buildReport', () => {
  it('splits at midnight, merges busy then offline into one period and lets a gap split periods', async () => {
    const store = await fixture([
      { status: 'available', from: DAY - 120, to: DAY - 60 },
      { status: 'busy', from: DAY - 60, to: DAY + 30 },
      { status: 'offline', from: DAY + 30, to: DAY + 90 },
      // 10 unobserved minutes: the tracker lost sight of the user.
      { status: 'away', from: DAY + 100, to: DAY + 110 },
    ]);
    const report = await buildReport({
      store,
      from: at(0),
      to: at(2 * DAY),
      timeZone: 'Europe/Berlin',
      now: at(3 * DAY),
    });
    const [monday, tuesday] = report.rows;
    expect(monday).toMatchObject({
      day: '2026-03-02',
      observedMs: 120 * MIN,
      availableMs: 60 * MIN,
      unavailableMs: 60 * MIN,
    });
    expect(monday!.unobservedMs).toBe(22 * HOUR);
    expect(monday!.longestUnavailableMs).toBe(60 * MIN);
    expect(tuesday).toMatchObject({
      day: '2026-03-03',
      observedMs: 100 * MIN,
      longestUnavailableMs: 90 * MIN,
    });
    expect(tuesday!.unavailablePeriods.map((p) => p.ms)).toEqual([90 * MIN, 10 * MIN]);
    // In the totals the period that crosses midnight counts whole.
    expect(report.totals[0]!.unavailablePeriods.map((p) => p.ms)).toEqual([150 * MIN, 10 * MIN]);
    expect(report.totals[0]!.longestUnavailableMs).toBe(150 * MIN);
    // A period no cut runs through is the row's own object; a joined one is new, the rows' untouched.
    expect(report.totals[0]!.unavailablePeriods[1]).toBe(tuesday!.unavailablePeriods[1]);
    expect(report.totals[0]!.unavailablePeriods[0]).not.toBe(tuesday!.unavailablePeriods[0]);
    // Instants the rows already hold are not made again: the joined period starts on Monday's piece's
    // Date and ends on Tuesday's; a period cut at midnight ends on the row's own end; a row's last
    // instant is its last period's end, and the total's first and last are its rows'.
    const joined = report.totals[0]!.unavailablePeriods[0]!;
    expect(joined.start).toBe(monday!.unavailablePeriods[0]!.start);
    expect(joined.end).toBe(tuesday!.unavailablePeriods[0]!.end);
    expect(monday!.unavailablePeriods[0]!.end).toBe(monday!.end);
    expect(tuesday!.unavailablePeriods[0]!.start).toBe(tuesday!.start);
    expect(tuesday!.lastSeen).toBe(tuesday!.unavailablePeriods[1]!.end);
    expect(report.totals[0]!.firstSeen).toBe(monday!.firstSeen);
    expect(report.totals[0]!.lastSeen).toBe(tuesday!.lastSeen);
    expect(monday!.lastSeen).toBe(monday!.end);
    expect(monday!.unavailablePeriods.map((p) => p.ms)).toEqual([60 * MIN]);
    expect(report.totals[0]!.statusMs).toEqual({
      available: 60 * MIN,
      busy: 90 * MIN,
      dnd: 0,
      away: 10 * MIN,
      offline: 60 * MIN,
      unknown: 0,
    });
  });

  it("shares one Date per instant among a day's rows, from user to user", async () => {
    // Two users whose status changed at the same poll, and a third a minute later.
    const store = memoryStore();
    const run = await store.startRun(at(-60));
    const effects: Effect[] = [];
    for (const [userId, shift] of [
      ['a', 0],
      ['b', 0],
      ['c', 1],
    ] as const) {
      effects.push({ type: 'interval.open', userId, status: 'busy', startedAt: at(9 * 60 + shift) });
      effects.push({ type: 'interval.close', userId, endedAt: at(10 * 60) });
      effects.push({ type: 'interval.open', userId, status: 'away', startedAt: at(DAY + 9 * 60) });
      effects.push({ type: 'interval.close', userId, endedAt: at(DAY + 10 * 60) });
    }
    await store.writePoll({ runId: run.id, at: at(2 * DAY), samples: [], effects });
    const report = await buildReport({
      store,
      from: at(0),
      to: at(2 * DAY),
      timeZone: 'Europe/Berlin',
      now: at(2 * DAY),
    });
    const [a, aNext, b, , c] = report.rows;
    const [pa, pb, pc] = [a, b, c].map((r) => r!.unavailablePeriods[0]!);
    expect(pa!.start.getTime()).toBe(at(9 * 60).getTime());
    expect(pb!.start).toBe(pa!.start);
    expect(b!.firstSeen).toBe(a!.firstSeen);
    expect(pc!.end).toBe(pa!.end);
    expect(c!.lastSeen).toBe(a!.lastSeen);
    expect(pc!.start).not.toBe(pa!.start);
    expect(pc!.start.getTime()).toBe(at(9 * 60 + 1).getTime());
    // Each day has its own: the next day's 09:00 is another instant, and so another Date.
    expect(aNext!.unavailablePeriods[0]!.start.getTime()).toBe(at(DAY + 9 * 60).getTime());
    expect(report.rows[3]!.unavailablePeriods[0]!.start).toBe(aNext!.unavailablePeriods[0]!.start);
    // Sharing changes no figure: each row is the one a report of its user alone gives.
    const alone = await buildReport({
      store,
      from: at(0),
      to: at(2 * DAY),
      timeZone: 'Europe/Berlin',
      now: at(2 * DAY),
      userIds: ['c'],
    });
    expect(alone.rows).toEqual(report.rows.slice(4));
    expect(alone.totals).toEqual(report.totals.slice(2));
  });

  it('keeps one Date per instant among hundreds of instants a day, each the instant it stands for', async () => {
    // 300 people, each busy from their own second past 09:00 to 17:00, and again the next day: far
    // more instants than a day's table starts with, so it grows several times.
    const store = memoryStore();
    const run = await store.startRun(at(-60));
    const effects: Effect[] = [];
    const people = Array.from({ length: 300 }, (_, k) => `p${String(k).padStart(3, '0')}`);
    people.forEach((userId, k) => {
      for (const day of [0, DAY]) {
        const start = new Date(at(day + 9 * 60).getTime() + k * 1000);
        effects.push({ type: 'interval.open', userId, status: 'busy', startedAt: start });
        effects.push({ type: 'interval.close', userId, endedAt: at(day + 17 * 60) });
      }
    });
    await store.writePoll({ runId: run.id, at: at(2 * DAY), samples: [], effects });
    const query = { store, from: at(0), to: at(2 * DAY), timeZone: 'Europe/Berlin', now: at(2 * DAY) };
    const report = await buildReport(query);
    const raw = await buildReport({ ...query, rollups: false });
    expect(report.rows).toEqual(raw.rows);
    const firstDay = report.rows.filter((r) => r.day === report.rows[0]!.day);
    expect(firstDay).toHaveLength(300);
    firstDay.forEach((r, k) => {
      const [period] = r.unavailablePeriods;
      expect(period!.start.getTime()).toBe(at(9 * 60).getTime() + k * 1000);
      expect(r.firstSeen).toBe(period!.start);
      // Everyone's 17:00 is one Date.
      expect(period!.end).toBe(firstDay[0]!.unavailablePeriods[0]!.end);
    });
    expect(new Set(firstDay.map((r) => r.firstSeen)).size).toBe(300);
  });

  it('with windows, counts only the time inside them and splits periods at their edges', async () => {
    const store = await fixture(
      [{ status: 'busy', from: 8 * 60, to: 18 * 60 }],
      [{ from: 17 * 60 + 30, to: 18 * 60 }],
    );
    const report = await buildReport({
      store,
      from: at(0),
      to: at(DAY),
      timeZone: 'Europe/Berlin',
      now: at(DAY),
      windows: [
        { days: [1], start: '09:00', end: '12:00' },
        { days: [1], start: '13:00', end: '17:00' },
      ],
    });
    const row = report.rows[0]!;
    expect(row).toMatchObject({ countedMs: 7 * HOUR, observedMs: 7 * HOUR, unobservedMs: 0, sessions: 0 });
    expect(row.unavailablePeriods.map((p) => [p.start, p.end])).toEqual([
      [at(9 * 60), at(12 * 60)],
      [at(13 * 60), at(17 * 60)],
    ]);
    expect(row.longestUnavailableMs).toBe(4 * HOUR);
    expect([row.firstSeen, row.lastSeen]).toEqual([at(9 * 60), at(17 * 60)]);
  });

  it('counts a session in each day it overlaps and once in the totals', async () => {
    const store = await fixture(
      [{ status: 'available', from: DAY - 60, to: DAY + 60 }],
      [{ from: DAY - 60, to: DAY + 60 }],
    );
    const report = await buildReport({
      store,
      from: at(0),
      to: at(2 * DAY),
      timeZone: 'Europe/Berlin',
      now: at(3 * DAY),
    });
    expect(report.rows.map((r) => r.sessions)).toEqual([1, 1]);
    expect(report.totals[0]!.sessions).toBe(1);
  });

  it('counts open intervals and sessions up to `now`, and never past the range', async () => {
    const store = await fixture([{ status: 'busy', from: 60, to: null }], [{ from: 60, to: null }]);
    const early = await buildReport({
      store,
      from: at(0),
      to: at(DAY),
      timeZone: 'Europe/Berlin',
      now: at(90),
    });
    expect(early.totals[0]).toMatchObject({
      observedMs: 30 * MIN,
      unobservedMs: DAY * MIN - 30 * MIN,
      sessions: 1,
    });
    expect(early.totals[0]!.lastSeen).toEqual(at(90));
    const late = await buildReport({
      store,
      from: at(0),
      to: at(DAY),
      timeZone: 'Europe/Berlin',
      now: at(5 * DAY),
    });
    expect(late.totals[0]!.observedMs).toBe((DAY - 60) * MIN);
  });

  it('has 23- and 25-hour days where the clocks change', async () => {
    const store = memoryStore();
    const spring = await buildReport({
      store,
      from: new Date(Date.UTC(2026, 2, 28, 23)),
      to: new Date(Date.UTC(2026, 2, 29, 22)),
      timeZone: 'Europe/Berlin',
      userIds: ['x'],
    });
    expect(spring.rows.map((r) => [r.day, r.unobservedMs / HOUR])).toEqual([['2026-03-29', 23]]);
    const autumn = await buildReport({
      store,
      from: new Date(Date.UTC(2026, 10, 1, 4)),
      to: new Date(Date.UTC(2026, 10, 2, 5)),
      timeZone: 'America/New_York',
      userIds: ['x'],
    });
    expect(autumn.rows.map((r) => [r.day, r.unobservedMs / HOUR])).toEqual([['2026-11-01', 25]]);
  });

  it('reports every user in the store, and users with intervals but no entry', async () => {
    const store = await fixture([{ status: 'available', from: 0, to: 60 }]);
    await store.upsertUsers([{ key: 'k', id: 'known', severity: 0, displayName: 'Known' }]);
    const report = await buildReport({
      store,
      from: at(0),
      to: at(DAY),
      timeZone: 'Europe/Berlin',
      now: at(DAY),
    });
    expect(report.totals.map((t) => t.userId)).toEqual(['known', 'u']);
    expect(report.users).toEqual([{ id: 'known', displayName: 'Known' }, { id: 'u' }]);
  });

  it('groups by week, by user and by group with the same totals', async () => {
    const { store } = await randomHistory(7, BERLIN_MIDNIGHT, 10 * DAY, ['a', 'b', 'c']);
    await store.upsertUsers([
      { key: 'a', id: 'a', severity: 0, groups: [{ kind: 'team', id: 't1', name: 'One' }] },
      {
        key: 'b',
        id: 'b',
        severity: 0,
        groups: [
          { kind: 'team', id: 't1' },
          { kind: 'team', id: 't2' },
        ],
      },
      { key: 'c', id: 'c', severity: 0 },
    ]);
    const base = { store, from: at(300), to: at(10 * DAY), timeZone: 'Europe/Berlin', now: at(11 * DAY) };
    const days = await buildReport(base);
    const weeks = await buildReport({ ...base, groupBy: 'week' });
    const users = await buildReport({ ...base, groupBy: 'user' });
    const groups = await buildReport({ ...base, groupBy: 'group' });
    expect(weeks.rows.map((r) => `${r.userId} ${r.day}`)).toEqual(
      ['a', 'b', 'c'].flatMap((u) => [`${u} 2026-03-02`, `${u} 2026-03-09`]),
    );
    expect(weeks.rows[0]!.start).toEqual(at(300));
    expect(weeks.totals).toEqual(days.totals);
    expect(users.rows).toEqual(days.totals);
    for (const u of ['a', 'b', 'c']) {
      const sum = (rows: ReportRow[]) =>
        rows.filter((r) => r.userId === u).reduce((s, r) => s + r.observedMs, 0);
      expect(sum(weeks.rows)).toBe(sum(days.totals));
    }
    expect(groups.totals.map((t) => [t.userId, t.members])).toEqual([
      ['none:', 1],
      ['team:t1', 2],
      ['team:t2', 1],
    ]);
    const observed = (id: string) => days.totals.find((t) => t.userId === id)!.observedMs;
    expect(groups.totals[1]!.observedMs).toBe(observed('a') + observed('b'));
    expect(groups.rows.filter((r) => r.userId === 'team:t1')).toHaveLength(days.rows.length / 3);
  });

  it('gives a row over more than 2^31 ms (about 24.8 days) the same figures as the days it spans', async () => {
    const { store } = await randomHistory(11, BERLIN_MIDNIGHT, 30 * DAY, ['a', 'b']);
    const base = { store, from: at(300), to: at(30 * DAY), timeZone: 'Europe/Berlin', now: at(31 * DAY) };
    expect(base.to.getTime() - base.from.getTime()).toBeGreaterThan(2 ** 31);
    for (const rollups of [true, false]) {
      const days = await buildReport({ ...base, rollups });
      const users = await buildReport({ ...base, rollups, groupBy: 'user' });
      const weeks = await buildReport({ ...base, rollups, groupBy: 'week' });
      expect(users.rows).toEqual(days.totals);
      expect(weeks.totals).toEqual(days.totals);
      for (const u of ['a', 'b']) {
        const total = days.totals.find((t) => t.userId === u)!;
        const mine = days.rows.filter((r) => r.userId === u);
        expect(total.observedMs).toBeGreaterThan(0);
        expect(total.observedMs).toBe(mine.reduce((sum, r) => sum + r.observedMs, 0));
        expect(total.availableMs).toBe(mine.reduce((sum, r) => sum + r.availableMs, 0));
        expect(total.countedMs).toBe(mine.reduce((sum, r) => sum + r.countedMs, 0));
        const sessions = await store.sessions({ from: base.from, to: base.to, userIds: [u] });
        expect(total.sessions).toBe(sessions.length);
      }
    }
  });

  it('streams the same rows, user by user, with each total after its days', async () => {
    const { store } = await randomHistory(3, BERLIN_MIDNIGHT, 3 * DAY, ['a', 'b', 'c']);
    const q = { store, from: at(0), to: at(3 * DAY), timeZone: 'Europe/Berlin', now: at(4 * DAY) };
    const report: Report = await buildReport(q);
    const streamed: ReportRow[] = [];
    for await (const r of reportRows({ ...q, batchSize: 2 })) streamed.push(r);
    expect(streamed.filter((r) => r.day !== null)).toEqual(report.rows);
    expect(streamed.filter((r) => r.day === null)).toEqual(report.totals);
    expect(streamed[3]!.day).toBeNull();
  });

  it('gives the same report read in batches as read at once, each batch of rows after the last', async () => {
    const { store } = await randomHistory(5, BERLIN_MIDNIGHT, 3 * DAY, ['a', 'b', 'c']);
    const q = { store, from: at(0), to: at(3 * DAY), timeZone: 'Europe/Berlin', now: at(4 * DAY) };
    for (const rollups of [true, false]) {
      const whole = await buildReport({ ...q, rollups });
      const batched = await buildReport({ ...q, rollups, batchSize: 2 });
      expect(whole.rows).toHaveLength(9);
      expect(batched.rows.map((r) => r.userId)).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']);
      expect(batched.rows).toEqual(whole.rows);
      expect(batched.totals).toEqual(whole.totals);
    }
  });

  it('refuses bad queries, naming the field', async () => {
    const store = memoryStore();
    const bad = (q: Record<string, unknown>) =>
      buildReport({ store, from: at(0), to: at(DAY), timeZone: 'Europe/Berlin', ...q } as never);
    await expect(bad({ timeZone: 'Mars/Olympus' })).rejects.toThrow(/timeZone: expected an IANA time zone/);
    await expect(bad({ to: at(-1) })).rejects.toThrow(/to: expected `to` to be after `from`/);
    await expect(bad({ from: new Date('nope') })).rejects.toThrow(/from: expected a valid Date/);
    await expect(bad({ policy: { availableStatuses: ['free'] } })).rejects.toThrow(
      /policy\.availableStatuses\.0/,
    );
    await expect(bad({ windows: [{ days: [8], start: '09:00', end: '17:00' }] })).rejects.toThrow(
      /windows\.0\.days\.0/,
    );
    await expect(bad({ store: {} })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('local days', () => {
  it('finds where a local day starts, also on the days the clocks change', () => {
    expect(localDayStart('2026-03-29', 'Europe/Berlin')).toEqual(new Date(Date.UTC(2026, 2, 28, 23)));
    expect(localDayStart('2026-03-29', 'Europe/Berlin', 1)).toEqual(new Date(Date.UTC(2026, 2, 29, 22)));
    expect(localDayStart('2026-03-01', 'America/New_York', -1)).toEqual(new Date(Date.UTC(2026, 1, 28, 5)));
    expect(localDay(Date.UTC(2026, 10, 1, 4, 59), 'America/New_York')).toBe('2026-11-01');
    expect(() => localDayStart('29.03.2026', 'UTC')).toThrow(/YYYY-MM-DD/);
  });
});
