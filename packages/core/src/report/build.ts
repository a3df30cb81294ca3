import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { type Group, type Interval, type Session, STATUSES, type Status, type User } from '../model.ts';
import { isTimeZone, type ScheduleWindow, scheduleSchema } from '../schedule/index.ts';
import type { PresenceStore } from '../store/index.ts';
import { parseOptions } from '../validation.ts';
import { type Bucket, type BucketSize, buckets, type Segment, segments, windowSpans } from './periods.ts';

/** How report rows are cut: per user per local day (default), per user per local ISO week, per user over the range, or per group per local day. */
export type ReportGroupBy = 'day' | 'week' | 'user' | 'group';

export interface ReportQuery {
  store: PresenceStore;
  /** The range is `[from, to)`. */
  from: Date;
  to: Date;
  /** IANA time zone in which days, weeks and windows are read, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** Only these users. Default: every user in the store plus any user with intervals in the range. */
  userIds?: readonly string[];
  /** Count only the time inside these local windows (read in `timeZone`); the rest of the day is left out, not unobserved. */
  windows?: readonly ScheduleWindow[];
  groupBy?: ReportGroupBy;
  policy?: { availableStatuses?: readonly Status[] };
  /**
   * Where open intervals and sessions (`endedAt: null`) stop counting: the store knows nothing after
   * the moment it is read. Default: the current time. Time after it is unobserved.
   */
  now?: Date;
  /** Users read from the store per batch of range queries, in `reportRows`. Default: 200. */
  batchSize?: number;
}

/** A stretch of observed time outside the available statuses. */
export interface UnavailablePeriod {
  start: Date;
  end: Date;
  ms: number;
}

export interface ReportRow {
  /** The user's id; with `groupBy: 'group'`, the group's `kind:id`. */
  userId: string;
  /** `YYYY-MM-DD`, the row's first local day in the report's time zone; `null` for a row over the whole range. */
  day: string | null;
  observedMs: number;
  availableMs: number;
  unavailableMs: number;
  unobservedMs: number;
  /** Time in each status; every status is present and they add up to `observedMs`. */
  statusMs: Record<Status, number>;
  /** Sessions overlapping the row's time. */
  sessions: number;
  /** The first and last observed instants within the row. */
  firstSeen: Date | null;
  lastSeen: Date | null;
  longestUnavailableMs: number;
  /** Unavailability periods clipped to the row, in time order. */
  unavailablePeriods: UnavailablePeriod[];
  /** What the row covers, clipped to the range. */
  start: Date;
  end: Date;
  /** Time counted in the row: its length, or only the part inside `windows`. */
  countedMs: number;
  /** With `groupBy: 'group'`: the group and how many of the report's users belong to it. */
  group?: Group;
  members?: number;
}

export interface ReportUser {
  id: string;
  displayName?: string;
  email?: string;
  groups?: Group[];
}

export interface Report {
  /** Per user per local day (or per the `groupBy` choice), ordered by user id then time. */
  rows: ReportRow[];
  /** Per user (or group) over the whole range, `day: null`. */
  totals: ReportRow[];
  from: Date;
  to: Date;
  timeZone: string;
  groupBy: ReportGroupBy;
  /** Every user the report covers, with what the store knows of them. */
  users: ReportUser[];
}

const statusSchema = z.enum(STATUSES);
const querySchema = z
  .object({
    store: z.custom<PresenceStore>(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as PresenceStore).intervals === 'function' &&
        typeof (s as PresenceStore).sessions === 'function',
      'expected a PresenceStore (with intervals() and sessions())',
    ),
    from: z.date({ error: 'expected a valid Date' }),
    to: z.date({ error: 'expected a valid Date' }),
    timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin'),
    userIds: z.array(z.string().min(1, 'expected a non-empty user id')).optional(),
    windows: scheduleSchema.shape.windows.optional(),
    groupBy: z.enum(['day', 'week', 'user', 'group']).optional(),
    policy: z.object({ availableStatuses: z.array(statusSchema).optional() }).optional(),
    now: z.date({ error: 'expected a valid Date' }).optional(),
    batchSize: z.number().int().positive().optional(),
  })
  .refine((q) => q.from.getTime() < q.to.getTime(), {
    message: 'expected `to` to be after `from`',
    path: ['to'],
  });

type CheckedQuery = z.output<typeof querySchema>;

function check(query: ReportQuery): CheckedQuery {
  if (typeof query !== 'object' || query === null)
    throw new ConfigError('invalid report query: expected an object');
  return parseOptions(querySchema, query, 'report query');
}

/** Everything the counting needs that does not depend on the user. */
interface Plan {
  from: number;
  to: number;
  horizon: number;
  buckets: Bucket[];
  segments: Segment[];
  /** Segments of the whole range, for the totals. */
  rangeSegments: Segment[];
  available: ReadonlySet<Status>;
}

function plan(q: CheckedQuery): Plan {
  const from = q.from.getTime();
  const to = q.to.getTime();
  const size: BucketSize = q.groupBy === 'week' ? 'week' : q.groupBy === 'user' ? 'range' : 'day';
  const list = buckets(from, to, q.timeZone, size);
  const spans = q.windows ? windowSpans(q.windows, from, to, q.timeZone) : null;
  return {
    from,
    to,
    horizon: (q.now ?? new Date()).getTime(),
    buckets: list,
    segments: segments(list, spans),
    rangeSegments: segments([{ day: null, start: from, end: to }], spans),
    available: new Set(q.policy?.availableStatuses ?? ['available']),
  };
}

/**
 * Builds a report from the store alone (so it can run in another process while a tracker writes).
 * Every figure is exact to the millisecond; see REPORTS.md for how time is counted.
 */
export async function buildReport(query: ReportQuery): Promise<Report> {
  const q = check(query);
  const p = plan(q);
  const { users, intervals } = await reportUsers(q);
  const rows: ReportRow[] = [];
  const totals: ReportRow[] = [];
  const size = q.batchSize ?? Number.POSITIVE_INFINITY;
  // Without a batch size, the intervals read to find the users are the ones counted.
  const prefetched = size >= users.length ? intervals : undefined;
  for (const batch of chunks(users, size)) {
    const counted = await countBatch(q, p, batch, prefetched);
    for (const c of counted) {
      rows.push(...c.rows);
      totals.push(c.total);
    }
  }
  const report: Report = {
    rows,
    totals,
    from: q.from,
    to: q.to,
    timeZone: q.timeZone,
    groupBy: q.groupBy ?? 'day',
    users,
  };
  return q.groupBy === 'group' ? byGroup(report, p) : report;
}

/**
 * The rows of a report, a batch of users at a time, for ranges too large to hold at once: user by
 * user, each user's rows in time order followed by their total (`day: null`). `groupBy: 'group'`
 * needs every member at once and is refused here.
 */
export async function* reportRows(query: ReportQuery): AsyncGenerator<ReportRow> {
  const q = check(query);
  if (q.groupBy === 'group') {
    throw new ConfigError('invalid report query:', [
      { path: 'groupBy', message: "expected 'day', 'week' or 'user'; 'group' needs buildReport" },
    ]);
  }
  const p = plan(q);
  const { users } = await reportUsers(q);
  for (const batch of chunks(users, q.batchSize ?? 200)) {
    for (const c of await countBatch(q, p, batch)) {
      yield* c.rows;
      yield c.total;
    }
  }
}

async function reportUsers(q: CheckedQuery): Promise<{ users: ReportUser[]; intervals?: Interval[] }> {
  const known = new Map<string, User>();
  for (const u of await q.store.users()) known.set(u.id, u);
  let ids: string[];
  let intervals: Interval[] | undefined;
  if (q.userIds) {
    ids = [...new Set(q.userIds)].sort(compare);
  } else {
    const found = new Set(known.keys());
    // Users whose records outlived their entry (or stores that keep none) are still reported.
    intervals = await q.store.intervals({ from: q.from, to: q.to });
    for (const i of intervals) found.add(i.userId);
    ids = [...found].sort(compare);
  }
  const users = ids.map((id) => {
    const u = known.get(id);
    const user: ReportUser = { id };
    if (u?.displayName !== undefined) user.displayName = u.displayName;
    if (u?.email !== undefined) user.email = u.email;
    if (u?.groups !== undefined) user.groups = u.groups;
    return user;
  });
  return intervals ? { users, intervals } : { users };
}

async function countBatch(
  q: CheckedQuery,
  p: Plan,
  batch: ReportUser[],
  prefetched?: Interval[],
): Promise<{ rows: ReportRow[]; total: ReportRow }[]> {
  const userIds = batch.map((u) => u.id);
  const [intervals, sessions] = await Promise.all([
    prefetched ?? q.store.intervals({ from: q.from, to: q.to, userIds }),
    // A session of no length at `from` still counts, and the store's overlap test would miss it.
    q.store.sessions({ from: new Date(p.from - 1), to: q.to, userIds }),
  ]);
  const intervalsOf = groupByUser(intervals);
  const sessionsOf = groupByUser(sessions);
  return userIds.map((id) => countUser(id, intervalsOf.get(id) ?? [], sessionsOf.get(id) ?? [], p));
}

/** A row being filled. */
interface Acc {
  row: ReportRow;
  first: number;
  last: number;
  periods: [number, number][];
}

function newAcc(userId: string, day: string | null, start: number, end: number, countedMs: number): Acc {
  const statusMs: Record<Status, number> = { available: 0, busy: 0, dnd: 0, away: 0, offline: 0, unknown: 0 };
  return {
    row: {
      userId,
      day,
      observedMs: 0,
      availableMs: 0,
      unavailableMs: 0,
      unobservedMs: 0,
      statusMs,
      sessions: 0,
      firstSeen: null,
      lastSeen: null,
      longestUnavailableMs: 0,
      unavailablePeriods: [],
      start: new Date(start),
      end: new Date(end),
      countedMs,
    },
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
    periods: [],
  };
}

function addPiece(acc: Acc, status: Status, a: number, b: number, available: boolean): void {
  const ms = b - a;
  acc.row.statusMs[status] += ms;
  acc.row.observedMs += ms;
  if (available) acc.row.availableMs += ms;
  else {
    acc.row.unavailableMs += ms;
    // Pieces arrive in time order; touching ones belong to one period (busy then offline is one).
    const last = acc.periods[acc.periods.length - 1];
    if (last && last[1] === a) last[1] = b;
    else acc.periods.push([a, b]);
  }
  if (a < acc.first) acc.first = a;
  if (b > acc.last) acc.last = b;
}

function finish(acc: Acc): ReportRow {
  const r = acc.row;
  r.unobservedMs = r.countedMs - r.observedMs;
  if (acc.first !== Number.POSITIVE_INFINITY) {
    r.firstSeen = new Date(acc.first);
    r.lastSeen = new Date(acc.last);
  }
  for (const [a, b] of acc.periods) {
    r.unavailablePeriods.push({ start: new Date(a), end: new Date(b), ms: b - a });
    if (b - a > r.longestUnavailableMs) r.longestUnavailableMs = b - a;
  }
  return r;
}

function countUser(
  userId: string,
  intervals: Interval[],
  sessions: Session[],
  p: Plan,
): { rows: ReportRow[]; total: ReportRow } {
  const counted = new Array<number>(p.buckets.length).fill(0);
  for (const s of p.segments) counted[s.bucket]! += s.end - s.start;
  const rows = p.buckets.map((b, i) => newAcc(userId, b.day, b.start, b.end, counted[i]!));
  const total = newAcc(
    userId,
    null,
    p.from,
    p.to,
    counted.reduce((x, y) => x + y, 0),
  );

  let observedUntil = p.from;
  for (const interval of intervals) {
    // Intervals tile observed time; if a store ever returns overlapping ones, count each instant once.
    const a = Math.max(interval.startedAt.getTime(), observedUntil);
    const b = Math.min(endOf(interval, p.horizon), p.to);
    if (a >= b) continue;
    observedUntil = b;
    const available = p.available.has(interval.status);
    for (let k = firstSegmentEndingAfter(p.segments, a); k < p.segments.length; k++) {
      const seg = p.segments[k]!;
      if (seg.start >= b) break;
      const x = Math.max(a, seg.start);
      const y = Math.min(b, seg.end);
      if (x >= y) continue;
      addPiece(rows[seg.bucket]!, interval.status, x, y, available);
      addPiece(total, interval.status, x, y, available);
    }
  }

  for (const session of sessions) {
    const a = session.startedAt.getTime();
    const b = Math.max(a, endOf(session, p.horizon));
    let seen = -1;
    let any = false;
    for (let k = firstSegmentEndingAfter(p.segments, a - 1); k < p.segments.length; k++) {
      const seg = p.segments[k]!;
      if (seg.start > b || (seg.start === b && a < b)) break;
      const overlaps =
        a === b ? seg.start <= a && a < seg.end : Math.max(a, seg.start) < Math.min(b, seg.end);
      if (!overlaps) continue;
      any = true;
      if (seg.bucket !== seen) {
        rows[seg.bucket]!.row.sessions++;
        seen = seg.bucket;
      }
    }
    if (any) total.row.sessions++;
  }

  return { rows: rows.map(finish), total: finish(total) };
}

function endOf(r: { startedAt: Date; endedAt: Date | null }, horizon: number): number {
  return r.endedAt === null ? Math.max(r.startedAt.getTime(), horizon) : r.endedAt.getTime();
}

function firstSegmentEndingAfter(list: readonly Segment[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.end <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function groupByUser<T extends { userId: string; startedAt: Date }>(list: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of list) {
    let mine = map.get(item.userId);
    if (!mine) {
      mine = [];
      map.set(item.userId, mine);
    }
    mine.push(item);
  }
  // Stores answer in start order already; sort only what is not.
  for (const mine of map.values()) {
    for (let i = 1; i < mine.length; i++) {
      if (mine[i - 1]!.startedAt.getTime() > mine[i]!.startedAt.getTime()) {
        mine.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
        break;
      }
    }
  }
  return map;
}

/** Sums the users' rows per group; a user in several groups counts in each, one in none under `none:`. */
function byGroup(report: Report, p: Plan): Report {
  const groups = new Map<string, { group: Group; members: string[] }>();
  for (const u of report.users) {
    const list = u.groups?.length ? u.groups : [{ kind: 'none', id: '' }];
    for (const g of list) {
      const key = `${g.kind}:${g.id}`;
      let entry = groups.get(key);
      if (!entry) {
        entry = { group: { ...g }, members: [] };
        groups.set(key, entry);
      }
      entry.members.push(u.id);
    }
  }
  const rowsOf = new Map<string, ReportRow[]>();
  for (const r of report.rows) {
    let mine = rowsOf.get(r.userId);
    if (!mine) {
      mine = [];
      rowsOf.set(r.userId, mine);
    }
    mine.push(r);
  }
  const totalOf = new Map(report.totals.map((t) => [t.userId, t]));
  const rows: ReportRow[] = [];
  const totals: ReportRow[] = [];
  for (const [key, { group, members }] of [...groups.entries()].sort((x, y) => compare(x[0], y[0]))) {
    p.buckets.forEach((_, i) => {
      rows.push(
        sumRows(
          key,
          group,
          members.map((m) => rowsOf.get(m)![i]!),
        ),
      );
    });
    totals.push(
      sumRows(
        key,
        group,
        members.map((m) => totalOf.get(m)!),
      ),
    );
  }
  return { ...report, rows, totals };
}

function sumRows(key: string, group: Group, list: ReportRow[]): ReportRow {
  const first = list[0]!;
  const sum = newAcc(key, first.day, first.start.getTime(), first.end.getTime(), 0).row;
  for (const r of list) {
    sum.observedMs += r.observedMs;
    sum.availableMs += r.availableMs;
    sum.unavailableMs += r.unavailableMs;
    sum.unobservedMs += r.unobservedMs;
    sum.countedMs += r.countedMs;
    sum.sessions += r.sessions;
    for (const s of STATUSES) sum.statusMs[s] += r.statusMs[s];
    if (r.firstSeen && (!sum.firstSeen || r.firstSeen < sum.firstSeen)) sum.firstSeen = r.firstSeen;
    if (r.lastSeen && (!sum.lastSeen || r.lastSeen > sum.lastSeen)) sum.lastSeen = r.lastSeen;
    sum.longestUnavailableMs = Math.max(sum.longestUnavailableMs, r.longestUnavailableMs);
    sum.unavailablePeriods.push(...r.unavailablePeriods);
  }
  sum.unavailablePeriods.sort((x, y) => x.start.getTime() - y.start.getTime());
  sum.group = group;
  sum.members = list.length;
  return sum;
}

function* chunks<T>(list: T[], size: number): Generator<T[]> {
  if (list.length === 0) return;
  const step = Number.isFinite(size) ? size : list.length;
  for (let i = 0; i < list.length; i += step) yield list.slice(i, i + step);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
