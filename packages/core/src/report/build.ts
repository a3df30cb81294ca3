import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { type Group, STATUSES, type Status, type User } from '../model.ts';
import { isTimeZone, type ScheduleWindow, scheduleSchema } from '../schedule/index.ts';
import {
  type PresenceStore,
  RollupIndex,
  type RollupRecords,
  STATUS_INDEX,
  sortTriples,
} from '../store/index.ts';
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
  /**
   * Read the store's rollups when it keeps them (`capabilities.rollups`). Default: true. `false` reads
   * every interval and session instead: the reference the rollups are tested against. The figures are
   * the same either way.
   */
  rollups?: boolean;
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

/**
 * A report, to read and not to change: a total holds the same period objects as its rows wherever no
 * cut between rows runs through a period, the rows of one day (and the totals) share their `start`
 * and `end`, and an instant a row holds twice (a period's end and `lastSeen`, a period cut at
 * midnight and the row's `end`, a total's `firstSeen` and its first row's) is one `Date`.
 */
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
    rollups: z.boolean().optional(),
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
  /** Each bucket's start and end, and the range's, as the `Date`s every row shares. */
  starts: Date[];
  ends: Date[];
  rangeStart: Date;
  rangeEnd: Date;
  segments: Segment[];
  /** Counted time per bucket, and over the range. */
  counted: number[];
  countedTotal: number;
  /** By status index: whether it counts as available. */
  available: boolean[];
}

function plan(q: CheckedQuery): Plan {
  const from = q.from.getTime();
  const to = q.to.getTime();
  const size: BucketSize = q.groupBy === 'week' ? 'week' : q.groupBy === 'user' ? 'range' : 'day';
  const list = buckets(from, to, q.timeZone, size);
  const spans = q.windows ? windowSpans(q.windows, from, to, q.timeZone) : null;
  const cut = segments(list, spans);
  const counted = new Array<number>(list.length).fill(0);
  for (const s of cut) counted[s.bucket]! += s.end - s.start;
  const available = new Set<Status>(q.policy?.availableStatuses ?? ['available']);
  return {
    from,
    to,
    horizon: (q.now ?? new Date()).getTime(),
    buckets: list,
    starts: list.map((b) => new Date(b.start)),
    ends: list.map((b) => new Date(b.end)),
    rangeStart: new Date(from),
    rangeEnd: new Date(to),
    segments: cut,
    counted,
    countedTotal: counted.reduce((x, y) => x + y, 0),
    available: STATUSES.map((s) => available.has(s)),
  };
}

/**
 * Builds a report from the store alone (so it can run in another process while a tracker writes).
 * Every figure is exact to the millisecond; see REPORTS.md for how time is counted.
 */
export async function buildReport(query: ReportQuery): Promise<Report> {
  const q = check(query);
  const p = plan(q);
  const { users, records } = await reportUsers(q);
  const rows: ReportRow[] = [];
  const totals: ReportRow[] = [];
  const size = q.batchSize ?? Number.POSITIVE_INFINITY;
  // Without a batch size, the records read to find the users are the ones counted.
  const prefetched = size >= users.length ? records : undefined;
  for (const batch of chunks(users, size)) {
    const counter = await countBatch(q, p, batch, prefetched);
    for (const u of batch) totals.push(counter.count(u.id, rows));
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
  const rows: ReportRow[] = [];
  for (const batch of chunks(users, q.batchSize ?? 200)) {
    const counter = await countBatch(q, p, batch);
    for (const u of batch) {
      rows.length = 0;
      const total = counter.count(u.id, rows);
      yield* rows;
      yield total;
    }
  }
}

/** Each user's records, as the counting reads them: decoded from rollups, or the raw records regrouped. */
interface RecordsOf {
  users(): Iterable<string>;
  /** Whether the user has an interval overlapping `[from, to)` (one of no length inside it counts). */
  hasIntervalIn(userId: string, from: number, to: number): boolean;
  /** One user's records; `into` may be filled and returned, valid until the next call. */
  records(userId: string, into: RollupRecords): RollupRecords;
}

class RawRecords implements RecordsOf {
  readonly byUser = new Map<string, RollupRecords>();

  users(): Iterable<string> {
    return this.byUser.keys();
  }

  records(userId: string): RollupRecords {
    return this.byUser.get(userId) ?? NONE;
  }

  hasIntervalIn(userId: string, from: number, to: number): boolean {
    const iv = this.records(userId).intervals;
    for (let i = 0; i < iv.length; i += 3) {
      const end = iv[i + 1]!;
      if (iv[i]! < to && (Number.isNaN(end) || end > from)) return true;
    }
    return false;
  }

  of(userId: string): RollupRecords {
    let r = this.byUser.get(userId);
    if (!r) {
      r = { intervals: [], sessions: [] };
      this.byUser.set(userId, r);
    }
    return r;
  }
}

function fromRollups(q: CheckedQuery): boolean {
  return (
    q.rollups !== false && q.store.capabilities.rollups === true && typeof q.store.rollups === 'function'
  );
}

async function reportUsers(q: CheckedQuery): Promise<{ users: ReportUser[]; records?: RecordsOf }> {
  const known = new Map<string, User>();
  for (const u of await q.store.users()) known.set(u.id, u);
  let ids: string[];
  let records: RecordsOf | undefined;
  if (q.userIds) {
    ids = [...new Set(q.userIds)].sort(compare);
  } else {
    const found = new Set(known.keys());
    // Users whose records outlived their entry (or stores that keep none) are still reported.
    records = await readRecords(q);
    const from = q.from.getTime();
    const to = q.to.getTime();
    for (const id of records.users()) {
      if (!found.has(id) && records.hasIntervalIn(id, from, to)) found.add(id);
    }
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
  return records ? { users, records } : { users };
}

/**
 * The records overlapping the range: from the store's rollups when it keeps them (one digest per
 * person per UTC day, and what is still open), else from its two range queries. Both give the same
 * records, cut at UTC midnights or not, and the counting cannot tell them apart.
 */
async function readRecords(q: CheckedQuery, userIds?: readonly string[]): Promise<RecordsOf> {
  const range = userIds ? { from: q.from, to: q.to, userIds } : { from: q.from, to: q.to };
  if (fromRollups(q)) return new RollupIndex(await q.store.rollups!(range));
  const [intervals, sessions] = await Promise.all([
    q.store.intervals(range),
    // A session of no length at `from` still counts, and the store's overlap test would miss it.
    q.store.sessions({ ...range, from: new Date(q.from.getTime() - 1) }),
  ]);
  const found = new RawRecords();
  const of = (userId: string) => found.of(userId);
  for (const i of intervals) {
    of(i.userId).intervals.push(
      i.startedAt.getTime(),
      i.endedAt?.getTime() ?? Number.NaN,
      STATUS_INDEX.get(i.status)!,
    );
  }
  for (const s of sessions)
    of(s.userId).sessions.push(s.startedAt.getTime(), s.endedAt?.getTime() ?? Number.NaN);
  // Stores answer in start order already; sort only what is not.
  for (const r of found.byUser.values()) sortTriples(r.intervals);
  return found;
}

/** A batch's records read, ready to count its users one at a time. */
async function countBatch(
  q: CheckedQuery,
  p: Plan,
  batch: ReportUser[],
  prefetched?: RecordsOf,
): Promise<{ count(userId: string, rows: ReportRow[]): ReportRow }> {
  const userIds = batch.map((u) => u.id);
  const records = prefetched ?? (await readRecords(q, userIds));
  const scratch = new Scratch(p);
  const into: RollupRecords = { intervals: [], sessions: [] };
  return { count: (userId, rows) => countUser(userId, records.records(userId, into), p, scratch, rows) };
}

const NONE: RollupRecords = { intervals: [], sessions: [] };
const S = STATUSES.length;

/**
 * One user's figures while they are counted, per bucket (the last slot is the range's total), reused
 * from user to user so that counting allocates only the rows it returns.
 */
class Scratch {
  readonly ms: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly sessions: Int32Array;
  /** Unavailability periods as `[slot, start, end]` triples, in time order. */
  readonly periods: number[] = [];
  /** One row's periods while they are made. */
  readonly pieces: UnavailablePeriod[] = [];
  /** By status index: whether it counts as available. */
  readonly available: readonly boolean[];

  constructor(p: Plan) {
    this.available = p.available;
    const buckets = p.buckets.length;
    this.ms = new Float64Array((buckets + 1) * S);
    this.first = new Float64Array(buckets + 1);
    this.last = new Float64Array(buckets + 1);
    this.sessions = new Int32Array(buckets + 1);
  }

  reset(): void {
    this.ms.fill(0);
    this.first.fill(Number.POSITIVE_INFINITY);
    this.last.fill(Number.NEGATIVE_INFINITY);
    this.sessions.fill(0);
    this.periods.length = 0;
  }

  /** A piece of observed time; `period` is false for the total, whose periods are the rows' joined. */
  add(slot: number, status: number, a: number, b: number, period: boolean): void {
    this.ms[slot * S + status]! += b - a;
    if (a < this.first[slot]!) this.first[slot] = a;
    if (b > this.last[slot]!) this.last[slot] = b;
    if (!period) return;
    // Pieces arrive in time order; touching ones belong to one period (busy then offline is one).
    const list = this.periods;
    const n = list.length;
    if (n > 0 && list[n - 3] === slot && list[n - 1] === a) list[n - 1] = b;
    else list.push(slot, a, b);
  }
}

function countUser(
  userId: string,
  records: RollupRecords,
  p: Plan,
  s: Scratch,
  rows: ReportRow[],
): ReportRow {
  s.reset();
  const totalSlot = p.buckets.length;
  const iv = records.intervals;
  const segments = p.segments;
  let observedUntil = p.from;
  // Records come in start order, so the first segment to look at only moves forward.
  const first = new SegmentCursor(segments);
  for (let i = 0; i < iv.length; i += 3) {
    const start = iv[i]!;
    const end = iv[i + 1]!;
    const status = iv[i + 2]!;
    // Intervals tile observed time; if a store ever returns overlapping ones, count each instant once.
    const a = Math.max(start, observedUntil);
    const b = Math.min(Number.isNaN(end) ? Math.max(start, p.horizon) : end, p.to);
    if (a >= b) continue;
    observedUntil = b;
    const unavailable = !p.available[status];
    for (let k = first.endingAfter(a); k < segments.length; k++) {
      const seg = segments[k]!;
      if (seg.start >= b) break;
      const x = Math.max(a, seg.start);
      const y = Math.min(b, seg.end);
      if (x >= y) continue;
      s.add(seg.bucket, status, x, y, unavailable);
      s.add(totalSlot, status, x, y, false);
    }
  }

  const sv = records.sessions;
  const firstForSession = new SegmentCursor(segments);
  for (let i = 0; i < sv.length; i += 2) {
    const a = sv[i]!;
    const end = sv[i + 1]!;
    const b = Math.max(a, Number.isNaN(end) ? p.horizon : end);
    let seen = -1;
    let any = false;
    for (let k = firstForSession.endingAfter(a - 1); k < segments.length; k++) {
      const seg = segments[k]!;
      if (seg.start > b || (seg.start === b && a < b)) break;
      const overlaps =
        a === b ? seg.start <= a && a < seg.end : Math.max(a, seg.start) < Math.min(b, seg.end);
      if (!overlaps) continue;
      any = true;
      if (seg.bucket !== seen) {
        s.sessions[seg.bucket]!++;
        seen = seg.bucket;
      }
    }
    if (any) s.sessions[totalSlot]!++;
  }

  return makeRows(userId, p, s, rows);
}

/**
 * The counted user's rows, pushed to `rows`, and their total. Row periods are in bucket order; the
 * total's are the same pieces with the cuts between buckets joined, so a period no cut runs through is
 * the row's own object, shared, not a copy, and a joined one starts and ends on its pieces' `Date`s.
 * The total's first and last instants are its rows'.
 */
function makeRows(userId: string, p: Plan, s: Scratch, rows: ReportRow[]): ReportRow {
  const list = s.periods;
  const pieces = s.pieces;
  const joined: UnavailablePeriod[] = [];
  let k = 0;
  let run: UnavailablePeriod | null = null;
  let firstSeen: Date | null = null;
  let lastSeen: Date | null = null;
  for (let slot = 0; slot < p.buckets.length; slot++) {
    const start = p.starts[slot]!;
    const end = p.ends[slot]!;
    pieces.length = 0;
    for (; k < list.length && list[k] === slot; k += 3) {
      const x = list[k + 1]!;
      const y = list[k + 2]!;
      const piece: UnavailablePeriod = { start: dateOf(x, start), end: dateOf(y, end), ms: y - x };
      pieces.push(piece);
      if (run !== null && run.end.getTime() === x) {
        run = { start: run.start, end: piece.end, ms: run.ms + piece.ms };
        joined[joined.length - 1] = run;
      } else {
        run = piece;
        joined.push(piece);
      }
    }
    // A row's first and last instants are its periods' ends or its own wherever they fall on them.
    let rowFirst: Date | null = null;
    let rowLast: Date | null = null;
    if (s.first[slot] !== Number.POSITIVE_INFINITY) {
      const first = s.first[slot]!;
      const last = s.last[slot]!;
      const n = pieces.length;
      rowFirst = n > 0 && pieces[0]!.start.getTime() === first ? pieces[0]!.start : dateOf(first, start);
      rowLast = n > 0 && pieces[n - 1]!.end.getTime() === last ? pieces[n - 1]!.end : dateOf(last, end);
      firstSeen ??= rowFirst;
      lastSeen = rowLast;
    }
    // A copy exactly as long as it needs to be: an array grown by push keeps room for 17.
    const periods = pieces.slice();
    rows.push(
      makeRow(
        userId,
        p.buckets[slot]!.day,
        start,
        end,
        p.counted[slot]!,
        slot,
        s,
        periods,
        rowFirst,
        rowLast,
      ),
    );
  }
  const totalSlot = p.buckets.length;
  return makeRow(
    userId,
    null,
    p.rangeStart,
    p.rangeEnd,
    p.countedTotal,
    totalSlot,
    s,
    joined,
    firstSeen,
    lastSeen,
  );
}

/** `edge` when `ms` is its instant, else a new `Date`. */
function dateOf(ms: number, edge: Date): Date {
  return edge.getTime() === ms ? edge : new Date(ms);
}

function makeRow(
  userId: string,
  day: string | null,
  start: Date,
  end: Date,
  countedMs: number,
  slot: number,
  s: Scratch,
  unavailablePeriods: UnavailablePeriod[],
  firstSeen: Date | null,
  lastSeen: Date | null,
): ReportRow {
  const ms = s.ms;
  const o = slot * S;
  const available = s.available;
  let observedMs = 0;
  let availableMs = 0;
  for (let k = 0; k < S; k++) {
    observedMs += ms[o + k]!;
    if (available[k]) availableMs += ms[o + k]!;
  }
  let longestUnavailableMs = 0;
  for (const x of unavailablePeriods) if (x.ms > longestUnavailableMs) longestUnavailableMs = x.ms;
  return {
    userId,
    day,
    observedMs,
    availableMs,
    unavailableMs: observedMs - availableMs,
    unobservedMs: countedMs - observedMs,
    statusMs: {
      available: ms[o]!,
      busy: ms[o + 1]!,
      dnd: ms[o + 2]!,
      away: ms[o + 3]!,
      offline: ms[o + 4]!,
      unknown: ms[o + 5]!,
    },
    sessions: s.sessions[slot]!,
    firstSeen,
    lastSeen,
    longestUnavailableMs,
    unavailablePeriods,
    start,
    end,
    countedMs,
  };
}

/** The first segment ending after an instant, for instants that mostly come in order. */
class SegmentCursor {
  private readonly list: readonly Segment[];
  private k = 0;
  private last = Number.NEGATIVE_INFINITY;

  constructor(list: readonly Segment[]) {
    this.list = list;
  }

  endingAfter(at: number): number {
    if (at < this.last) this.k = firstSegmentEndingAfter(this.list, at);
    else while (this.k < this.list.length && this.list[this.k]!.end <= at) this.k++;
    this.last = at;
    return this.k;
  }
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
  const sum = emptyRow(key, first.day, first.start.getTime(), first.end.getTime());
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

function emptyRow(userId: string, day: string | null, start: number, end: number): ReportRow {
  const statusMs = Object.fromEntries(STATUSES.map((x) => [x, 0])) as Record<Status, number>;
  return {
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
    countedMs: 0,
  };
}

function* chunks<T>(list: T[], size: number): Generator<T[]> {
  if (list.length === 0) return;
  const step = Number.isFinite(size) ? size : list.length;
  for (let i = 0; i < list.length; i += step) yield list.slice(i, i + step);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
