import type { Status } from '../model.ts';
import type { RollupRecords } from '../store/index.ts';
import type { Plan } from './plan.ts';
import type { ReportRow, UnavailablePeriod } from './row.ts';
import { S, Tally } from './tally.ts';

/**
 * The counted users' rows, pushed to `rows` user by user in time order, and their totals, pushed to
 * `totals`. An instant several rows of one bucket hold (a poll's, where everyone's status changed at
 * once, or a row's `lastSeen` and its last period's end) is one `Date`, from a table per bucket:
 * about a tenth of the `Date`s a report would otherwise hold, each nearly 100 bytes. A total's
 * periods are its rows' with the cuts between buckets joined: a period no cut runs through is the
 * row's own object, and a joined one starts and ends on its pieces' `Date`s; the total's first and
 * last instants are its rows'.
 */
export function makeRows(
  userIds: readonly string[],
  p: Plan,
  records: (userId: string) => RollupRecords,
  rows: ReportRow[],
  totals: ReportRow[],
): void {
  const buckets = p.buckets.length;
  const instants = p.buckets.map((b, i) => new Instants(b.start, p.starts[i]!, b.end, p.ends[i]!));
  const t = new Tally(p);
  const mine = new Array<ReportRow>(buckets);
  let r = rows.length;
  // Room for every row at once: pushed one by one, a report's rows array is copied into a larger one
  // again and again, each past about 16,000 rows a large object of its own (see PRESIZED).
  if (r + userIds.length * buckets <= PRESIZED) rows.length = r + userIds.length * buckets;
  for (const userId of userIds) {
    t.count(records(userId));
    for (let b = 0; b < buckets; b++) {
      const row = bucketRow(userId, p, t, b, instants[b]!);
      mine[b] = row;
      rows[r++] = row;
    }
    totals.push(totalRow(userId, p, t, mine));
  }
}

/**
 * The most rows `makeRows` makes room for at once. V8 keeps an array whose length is set this long
 * as a plain list (16,777,216 rows: 128 MB of slots); set far longer (40 million in Node 24), it
 * would make it a dictionary, slow to fill and to read. Beyond this, rows are appended one by one.
 */
const PRESIZED = 1 << 24;

/** One bucket's instants as `Date`s: its own start and end, and one for each other instant asked for. */
class Instants {
  /** By milliseconds from the bucket's start, in a bucket too long for `small`. */
  private readonly table = new Map<number, Date>();
  /**
   * In a small bucket, by the same offsets in a table of their own (open addressing, linear probing):
   * a look-up there is a few integer steps inside the caller, where `Map.get` is a call.
   */
  private keys = new Int32Array(64).fill(-1);
  private dates: (Date | undefined)[] = new Array(64);
  private bits = 6;
  private count = 0;
  readonly start: number;
  private readonly length: number;
  private readonly startDate: Date;
  private readonly endDate: Date;
  /** Whether every offset in the bucket is a 32-bit integer (a bucket of up to 24 days). */
  readonly small: boolean;

  constructor(start: number, startDate: Date, end: number, endDate: Date) {
    this.start = start;
    this.length = end - start;
    this.startDate = startDate;
    this.endDate = endDate;
    this.small = this.length <= SMALL_MS;
  }

  /** The instant `offset` milliseconds after the bucket's start, in a bucket that is not small. */
  after(offset: number): Date {
    if (offset === 0) return this.startDate;
    if (offset === this.length) return this.endDate;
    let d = this.table.get(offset);
    if (d === undefined) {
      d = new Date(this.start + offset);
      this.table.set(offset, d);
    }
    return d;
  }

  /** The same in a small bucket; pass the offset as a 32-bit integer (`| 0`). */
  afterSmall(offset: number): Date {
    if (offset === 0) return this.startDate;
    if (offset === this.length) return this.endDate;
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = Math.imul(offset, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const k = keys[i]!;
      if (k === offset) return this.dates[i]!;
      if (k === -1) break;
      i = (i + 1) & mask;
    }
    const d = new Date(this.start + offset);
    keys[i] = offset;
    this.dates[i] = d;
    if (++this.count * 2 > keys.length) this.grow();
    return d;
  }

  /** Twice the room, every instant placed again. */
  private grow(): void {
    const keys = this.keys;
    const dates = this.dates;
    this.bits++;
    this.keys = new Int32Array(2 * keys.length).fill(-1);
    this.dates = new Array(2 * keys.length);
    const mask = this.keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      const offset = keys[j]!;
      if (offset === -1) continue;
      let i = Math.imul(offset, 0x9e3779b1) >>> (32 - this.bits);
      while (this.keys[i] !== -1) i = (i + 1) & mask;
      this.keys[i] = offset;
      this.dates[i] = dates[j];
    }
  }
}

function bucketRow(userId: string, p: Plan, t: Tally, b: number, at: Instants): ReportRow {
  const list = t.periods;
  const first = t.cells[b]!;
  const n = (t.cells[b + 1]! - first) / 3;
  const periods = new Array<UnavailablePeriod>(n);
  const seen = t.first[b]! !== Number.POSITIVE_INFINITY;
  const s = at.start;
  let firstSeen: Date | null = null;
  let lastSeen: Date | null = null;
  // Two ways, so that in the usual one every offset and length is a 32-bit integer (see makeRow).
  if (at.small) {
    for (let i = 0, k = first; i < n; i++, k += 3) {
      const x = list[k + 1]!;
      const y = list[k + 2]!;
      periods[i] = { start: at.afterSmall((x - s) | 0), end: at.afterSmall((y - s) | 0), ms: (y - x) | 0 };
    }
    if (seen) {
      firstSeen = at.afterSmall((t.first[b]! - s) | 0);
      lastSeen = at.afterSmall((t.last[b]! - s) | 0);
    }
  } else {
    for (let i = 0, k = first; i < n; i++, k += 3) {
      const x = list[k + 1]!;
      const y = list[k + 2]!;
      periods[i] = { start: at.after(x - s), end: at.after(y - s), ms: y - x };
    }
    if (seen) {
      firstSeen = at.after(t.first[b]! - s);
      lastSeen = at.after(t.last[b]! - s);
    }
  }
  return makeRow(
    userId,
    p.buckets[b]!.day,
    p.starts[b]!,
    p.ends[b]!,
    p.counted[b]!,
    t,
    b,
    periods,
    firstSeen,
    lastSeen,
  );
}

/** A user's total over the range, from their rows (`mine`, one per bucket). */
function totalRow(userId: string, p: Plan, t: Tally, mine: readonly ReportRow[]): ReportRow {
  const buckets = p.buckets.length;
  const list = t.periods;
  const joined: UnavailablePeriod[] = [];
  let run: UnavailablePeriod | null = null;
  let runEnd = Number.NaN;
  let firstRow = -1;
  let lastRow = -1;
  // Decided on the numbers, so that only the periods joined are read, not every period's `Date`s.
  for (let b = 0; b < buckets; b++) {
    if (t.first[b]! !== Number.POSITIVE_INFINITY) {
      if (firstRow < 0) firstRow = b;
      lastRow = b;
    }
    const from = t.cells[b]!;
    const to = t.cells[b + 1]!;
    if (from === to) continue;
    const periods = mine[b]!.unavailablePeriods;
    for (let k = from; k < to; k += 3) {
      const piece = periods[(k - from) / 3]!;
      if (run !== null && runEnd === list[k + 1]) {
        run = joinedPeriod(run.start, piece.end, run.ms + piece.ms);
        joined[joined.length - 1] = run;
      } else {
        run = piece;
        joined.push(piece);
      }
      runEnd = list[k + 2]!;
    }
  }
  const firstSeen = firstRow < 0 ? null : mine[firstRow]!.firstSeen;
  const lastSeen = lastRow < 0 ? null : mine[lastRow]!.lastSeen;
  return makeRow(
    userId,
    null,
    p.rangeStart,
    p.rangeEnd,
    p.countedTotal,
    t,
    buckets,
    joined,
    firstSeen,
    lastSeen,
  );
}

/**
 * A period joined across a cut, made property by property (see makeRow): it may pass 2^31 ms, and a
 * double stored into the rows' periods' hidden class would replace it under every period made before.
 */
function joinedPeriod(start: Date, end: Date, ms: number): UnavailablePeriod {
  const period = {} as UnavailablePeriod;
  period.start = start;
  period.end = end;
  period.ms = ms;
  return period;
}

/** Every figure of a row is at most its counted time; up to this one, V8 keeps them inside the row. */
const SMALL_MS = 0x7fffffff;

function makeRow(
  userId: string,
  day: string | null,
  start: Date,
  end: Date,
  countedMs: number,
  t: Tally,
  slot: number,
  unavailablePeriods: UnavailablePeriod[],
  firstSeen: Date | null,
  lastSeen: Date | null,
): ReportRow {
  const ms = t.ms;
  const o = slot * S;
  const available = t.plan.available;
  let observedMs = 0;
  let availableMs = 0;
  for (let k = 0; k < S; k++) {
    observedMs += ms[o + k]!;
    if (available[k]) availableMs += ms[o + k]!;
  }
  let longestUnavailableMs = 0;
  for (const x of unavailablePeriods) if (x.ms > longestUnavailableMs) longestUnavailableMs = x.ms;
  if (countedMs <= SMALL_MS) {
    // Each figure as a 32-bit integer (`| 0`, exact here), which V8 keeps inside the object, where a
    // double is a 16-byte number object of its own: about a dozen a row for the collector to copy.
    return {
      userId,
      day,
      observedMs: observedMs | 0,
      availableMs: availableMs | 0,
      unavailableMs: (observedMs - availableMs) | 0,
      unobservedMs: (countedMs - observedMs) | 0,
      statusMs: {
        available: ms[o]! | 0,
        busy: ms[o + 1]! | 0,
        dnd: ms[o + 2]! | 0,
        away: ms[o + 3]! | 0,
        offline: ms[o + 4]! | 0,
        unknown: ms[o + 5]! | 0,
      },
      sessions: t.sessions[slot]!,
      firstSeen,
      lastSeen,
      longestUnavailableMs: longestUnavailableMs | 0,
      unavailablePeriods,
      start,
      end,
      countedMs: countedMs | 0,
    };
  }
  // Larger figures (a total, a row over a long range) are doubles. Such a row is made property by
  // property, so that its hidden class is not the small rows': a double stored into theirs would
  // replace it, and every row made before would be migrated to the new one when next read.
  const row = {} as ReportRow;
  row.userId = userId;
  row.day = day;
  row.observedMs = observedMs;
  row.availableMs = availableMs;
  row.unavailableMs = observedMs - availableMs;
  row.unobservedMs = countedMs - observedMs;
  row.statusMs = statusMsOf(ms, o);
  row.sessions = t.sessions[slot]!;
  row.firstSeen = firstSeen;
  row.lastSeen = lastSeen;
  row.longestUnavailableMs = longestUnavailableMs;
  row.unavailablePeriods = unavailablePeriods;
  row.start = start;
  row.end = end;
  row.countedMs = countedMs;
  return row;
}

/** Time per status as doubles, property by property (see makeRow). */
function statusMsOf(ms: Float64Array, o: number): Record<Status, number> {
  const statusMs = {} as Record<Status, number>;
  statusMs.available = ms[o]!;
  statusMs.busy = ms[o + 1]!;
  statusMs.dnd = ms[o + 2]!;
  statusMs.away = ms[o + 3]!;
  statusMs.offline = ms[o + 4]!;
  statusMs.unknown = ms[o + 5]!;
  return statusMs;
}
