import { STATUSES, type Status } from '../model.ts';

/**
 * Rollups: a store's digest of each person's closed records, one per person per UTC day, kept as it
 * writes so that a report reads one short row per person-day instead of every interval and session.
 *
 * A digest holds the person's closed observed time on that UTC day as pieces `[start, end, status]`
 * (milliseconds from the day's midnight; an interval crossing midnights becomes one piece per day) and
 * the closed sessions overlapping the day (whole, as epoch milliseconds, so a report counts each
 * session once). Pieces are exact to the millisecond and join without a seam, so any local day, week
 * or window in any time zone (whatever its offset: whole hours, half or quarter hours, or the odd
 * minutes of historical local mean time, and across DST changes) is composed exactly from the UTC
 * days it touches; nothing is rounded to a bucket.
 *
 * The text is what stores keep and append to: `s,e,k,` per piece (`k` the status's index in
 * `STATUSES`) and `a,b,` per session, so a write appends to a day's row without reading it.
 */

/** A UTC day, the rollup's bucket. */
export const ROLLUP_DAY_MS = 86_400_000;

/** The UTC midnight (epoch milliseconds) of the day an instant falls in. */
export function rollupDay(at: number): number {
  return Math.floor(at / ROLLUP_DAY_MS) * ROLLUP_DAY_MS;
}

/** One person-day's digest, or text to append to it. */
export interface RollupEntry {
  userId: string;
  /** The day's UTC midnight, epoch milliseconds. */
  day: number;
  /** Interval pieces, `start,end,status,` with offsets from `day`. */
  intervals: string;
  /** Closed sessions overlapping the day, `start,end,` as epoch milliseconds. */
  sessions: string;
}

/** What a store's `rollups()` answers for a range: the digests and what is still open. */
export interface RollupRead {
  /** Digests of the UTC days touching `[from, to)`, ordered by user then day. */
  days: RollupEntry[];
  /** Open intervals starting before `to`: they are in no digest until they close. */
  openIntervals: { userId: string; status: Status; startedAt: Date }[];
  /** Open sessions starting before `to`. */
  openSessions: { userId: string; startedAt: Date }[];
}

/** Each status's index in `STATUSES`, as rollups and reports number them. */
export const STATUS_INDEX: ReadonlyMap<Status, number> = new Map(STATUSES.map((s, i) => [s, i]));

/**
 * Collects what one write closes and turns it into the text each person-day's digest gets appended.
 * Stores call `interval` and `session` for every record the write closes (or writes already closed),
 * then append `entries()` in the same transaction as the records.
 */
export class RollupBatch {
  private readonly byKey = new Map<string, RollupEntry>();

  get size(): number {
    return this.byKey.size;
  }

  /** A closed interval `[startedAt, endedAt)`. Intervals of no length leave nothing. */
  interval(userId: string, status: Status, startedAt: number, endedAt: number): void {
    const k = STATUS_INDEX.get(status);
    if (k === undefined) throw new RangeError(`expected a status, got ${JSON.stringify(status)}`);
    for (let day = rollupDay(startedAt); day < endedAt; day += ROLLUP_DAY_MS) {
      const a = Math.max(startedAt, day) - day;
      const b = Math.min(endedAt, day + ROLLUP_DAY_MS) - day;
      this.entry(userId, day).intervals += `${a},${b},${k},`;
    }
  }

  /** A closed session; one of no length is kept on the day of its instant. */
  session(userId: string, startedAt: number, endedAt: number): void {
    const text = `${startedAt},${endedAt},`;
    const last = Math.max(startedAt, endedAt - 1);
    for (let day = rollupDay(startedAt); day <= last; day += ROLLUP_DAY_MS) {
      this.entry(userId, day).sessions += text;
    }
  }

  entries(): RollupEntry[] {
    return [...this.byKey.values()];
  }

  private entry(userId: string, day: number): RollupEntry {
    const key = `${day}\u0000${userId}`;
    let e = this.byKey.get(key);
    if (!e) {
      e = { userId, day, intervals: '', sessions: '' };
      this.byKey.set(key, e);
    }
    return e;
  }
}

/** One person's records from rollups, as flat numbers: what a report counts. */
export interface RollupRecords {
  /** `[start, end, status index]` triples in start order, epoch milliseconds; `end` is `null` only for the open interval. */
  intervals: (number | null)[];
  /** `[start, end]` pairs, each session once; `end` is `null` for an open session. */
  sessions: (number | null)[];
}

/**
 * A rollup read as each person's records. Sessions kept on several days are counted once (a person's
 * sessions never share a start); a session read both open and closed (a write landed between two
 * reads) is taken closed.
 */
export function decodeRollups(read: RollupRead): Map<string, RollupRecords> {
  const found = new Map<string, RollupRecords>();
  const of = (userId: string): RollupRecords => {
    let r = found.get(userId);
    if (!r) {
      r = { intervals: [], sessions: [] };
      found.set(userId, r);
    }
    return r;
  };
  const sessionStarts = new Map<string, Set<number>>();
  for (const d of read.days) {
    const r = of(d.userId);
    if (d.intervals.length > 0) {
      const n = parseNumbers(d.intervals);
      for (let i = 0; i + 2 < n.length; i += 3) {
        r.intervals.push(d.day + n[i]!, d.day + n[i + 1]!, n[i + 2]!);
      }
    }
    if (d.sessions.length > 0) {
      const n = parseNumbers(d.sessions);
      let seen = sessionStarts.get(d.userId);
      if (!seen) {
        seen = new Set();
        sessionStarts.set(d.userId, seen);
      }
      for (let i = 0; i + 1 < n.length; i += 2) {
        if (seen.has(n[i]!)) continue;
        seen.add(n[i]!);
        r.sessions.push(n[i]!, n[i + 1]!);
      }
    }
  }
  for (const r of found.values()) sortTriples(r.intervals);
  for (const o of read.openIntervals) {
    of(o.userId).intervals.push(o.startedAt.getTime(), null, STATUS_INDEX.get(o.status)!);
  }
  for (const o of read.openSessions) {
    const start = o.startedAt.getTime();
    if (sessionStarts.get(o.userId)?.has(start)) continue;
    of(o.userId).sessions.push(start, null);
  }
  return found;
}

function parseNumbers(text: string): number[] {
  return JSON.parse(`[${text.slice(0, -1)}]`) as number[];
}

/** `[start, end, status]` triples in start order: sorts only when they are not (records are appended in time order). */
export function sortTriples(list: (number | null)[]): void {
  for (let i = 3; i < list.length; i += 3) {
    if ((list[i - 3] as number) > (list[i] as number)) {
      const triples: (number | null)[][] = [];
      for (let j = 0; j < list.length; j += 3) triples.push(list.slice(j, j + 3));
      triples.sort((x, y) => (x[0] as number) - (y[0] as number));
      list.length = 0;
      for (const t of triples) list.push(...t);
      return;
    }
  }
}
