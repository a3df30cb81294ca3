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
  /**
   * Interval pieces, `start,end,status,` with offsets from `day`. A read may also hand over several
   * of a person's days as one entry, each day's pieces after its midnight as `@day,`
   * (`@86400000,0,60000,1,@172800000,...`): fewer rows to carry, the same pieces.
   */
  intervals: string;
  /** Closed sessions overlapping the day (or days), `start,end,` as epoch milliseconds. */
  sessions: string;
}

/**
 * Everyone's digests of one UTC day in one row, as a store keyed by day reads them without sorting:
 * the people in `userIds`, and each one's text in the same order, joined by `;` (which digests never
 * hold), as bytes (the text is ASCII): a report holds them outside the JavaScript heap, where its
 * collector never copies them. `"0,60000,1,;;5,9,2,"` with three people gives the second no pieces
 * that day.
 */
export interface RollupDayRow {
  /** The day's UTC midnight, epoch milliseconds. */
  day: number;
  /**
   * The people with a digest that day, each once. Days with the same people may share one array (a
   * store that does saves the report looking each person up again for every day); none changes it.
   */
  userIds: string[];
  /** Each person's interval pieces, `start,end,status,` with offsets from `day` (no `@day,`), joined by `;`. */
  intervals: Uint8Array;
  /** Each person's closed sessions overlapping the day, `start,end,` as epoch milliseconds, joined by `;`. */
  sessions: Uint8Array;
}

/** What a store's `rollups()` answers for a range: the digests and what is still open. */
export interface RollupRead {
  /** Digests of the UTC days touching `[from, to)`, in any order (the report orders them per person). */
  days: RollupEntry[];
  /**
   * More digests, a day's for many people at a time, in any order; a person-day is in `days` or
   * here, not both. A store reads whichever form costs it less.
   */
  dayRows?: RollupDayRow[];
  /** Open intervals starting before `to`: they are in no digest until they close. */
  openIntervals: { userId: string; status: Status; startedAt: Date }[];
  /** Open sessions starting before `to`. */
  openSessions: { userId: string; startedAt: Date }[];
}

/** Each status's index in `STATUSES`, as rollups and reports number them. */
export const STATUS_INDEX: ReadonlyMap<Status, number> = new Map(STATUSES.map((s, i) => [s, i]));

/** A person-day of a batch: its numbers, made text only once, at the end. */
interface Collected {
  userId: string;
  day: number;
  /** `start, end, status index` per piece, offsets from `day`. */
  intervals: number[];
  /** `start, end` per session, epoch milliseconds. */
  sessions: number[];
}

/**
 * Collects what one write closes and turns it into the text each person-day's digest gets appended.
 * Stores call `interval` and `session` for every record the write closes (or writes already closed),
 * then append `entries()` in the same transaction as the records. The numbers are kept as numbers
 * until then and made text in one pass: appending each piece's text to its person-day's string as it
 * came made a chain of small strings per person that the store's join then had to flatten.
 */
export class RollupBatch {
  private readonly byKey = new Map<string, Collected>();
  /** The entry last written to: a person's records usually come together. */
  private last: Collected | null = null;

  get size(): number {
    return this.byKey.size;
  }

  /** A closed interval `[startedAt, endedAt)`. */
  interval(userId: string, status: Status, startedAt: number, endedAt: number): void {
    const k = STATUS_INDEX.get(status);
    if (k === undefined) throw new RangeError(`expected a status, got ${JSON.stringify(status)}`);
    // One of no length (seen once, then stale) is kept on the day of its instant: it counts no time,
    // but its person is still one with intervals in a range around it.
    const last = Math.max(startedAt, endedAt - 1);
    for (let day = rollupDay(startedAt); day <= last; day += ROLLUP_DAY_MS) {
      const a = Math.max(startedAt, day) - day;
      const b = Math.min(endedAt, day + ROLLUP_DAY_MS) - day;
      this.entry(userId, day).intervals.push(a, b, k);
    }
  }

  /** A closed session; one of no length is kept on the day of its instant. */
  session(userId: string, startedAt: number, endedAt: number): void {
    const last = Math.max(startedAt, endedAt - 1);
    for (let day = rollupDay(startedAt); day <= last; day += ROLLUP_DAY_MS) {
      this.entry(userId, day).sessions.push(startedAt, endedAt);
    }
  }

  /** A text per person-day, in the order the write first named each. */
  entries(): RollupEntry[] {
    const out: RollupEntry[] = [];
    for (const e of this.byKey.values()) {
      out.push({
        userId: e.userId,
        day: e.day,
        intervals: text(e.intervals),
        sessions: text(e.sessions),
      });
    }
    return out;
  }

  private entry(userId: string, day: number): Collected {
    const last = this.last;
    if (last !== null && last.day === day && last.userId === userId) return last;
    const key = `${day}\u0000${userId}`;
    let e = this.byKey.get(key);
    if (!e) {
      e = { userId, day, intervals: [], sessions: [] };
      this.byKey.set(key, e);
    }
    this.last = e;
    return e;
  }
}

/** `numbers` as digest text (`1,2,3,`). */
function text(numbers: readonly number[]): string {
  let out = '';
  for (let i = 0; i < numbers.length; i++) out += `${numbers[i]!},`;
  return out;
}
