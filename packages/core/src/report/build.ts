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
import { type Plan, plan } from './plan.ts';
import type { ReportRow } from './row.ts';
import { makeRows } from './rows.ts';

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

export interface ReportUser {
  id: string;
  displayName?: string;
  email?: string;
  groups?: Group[];
}

/**
 * A report, to read and not to change: a total holds the same period objects as its rows wherever no
 * cut between rows runs through a period, the rows of one day (and the totals) share their `start`
 * and `end`, and an instant the rows of one day hold more than once (a period's end and `lastSeen`,
 * a period cut at midnight and the row's `end`, the same poll's instant in several people's rows of
 * one batch of `batchSize`) is one `Date`, and so is a total's `firstSeen` and its first row's.
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
  for (const batch of chunks(users, size)) await countBatch(q, p, batch, rows, totals, prefetched);
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
  const perUser = p.buckets.length;
  for (const batch of chunks(users, q.batchSize ?? 200)) {
    const rows: ReportRow[] = [];
    const totals: ReportRow[] = [];
    await countBatch(q, p, batch, rows, totals);
    for (let i = 0; i < batch.length; i++) {
      yield* rows.slice(i * perUser, (i + 1) * perUser);
      yield totals[i]!;
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

const NONE: RollupRecords = { intervals: [], sessions: [] };

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

/** A batch's records read and its users' rows pushed to `rows` (each user's in time order), their totals to `totals`. */
async function countBatch(
  q: CheckedQuery,
  p: Plan,
  batch: ReportUser[],
  rows: ReportRow[],
  totals: ReportRow[],
  prefetched?: RecordsOf,
): Promise<void> {
  const records =
    prefetched ??
    (await readRecords(
      q,
      batch.map((u) => u.id),
    ));
  const into: RollupRecords = { intervals: [], sessions: [] };
  makeRows(
    batch.map((u) => u.id),
    p,
    (userId) => records.records(userId, into),
    rows,
    totals,
  );
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
