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

/** What a store's `rollups()` answers for a range: the digests and what is still open. */
export interface RollupRead {
  /** Digests of the UTC days touching `[from, to)`, in any order (the report orders them per person). */
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
  /** The entry last written to: a person's records usually come together. */
  private last: RollupEntry | null = null;

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
    const last = this.last;
    if (last !== null && last.day === day && last.userId === userId) return last;
    const key = `${day}\u0000${userId}`;
    let e = this.byKey.get(key);
    if (!e) {
      e = { userId, day, intervals: '', sessions: '' };
      this.byKey.set(key, e);
    }
    this.last = e;
    return e;
  }
}

/** One person's records from rollups, as flat numbers: what a report counts. */
export interface RollupRecords {
  /** `[start, end, status index]` triples in start order, epoch milliseconds; `end` is `NaN` only for the open interval. */
  intervals: number[];
  /** `[start, end]` pairs, each session once; `end` is `NaN` for an open session. */
  sessions: number[];
}

interface UserPart {
  days: RollupEntry[];
  open: { status: number; startedAt: number } | null;
  openSession: number | null;
}

/**
 * A rollup read, decoded one person at a time into numbers that are reused from person to person,
 * so a report over many people holds only the stored text and its own rows. Sessions kept on several
 * days are counted once (a person's sessions never share a start), and one read both open and closed
 * is taken closed.
 */
export class RollupIndex {
  private readonly byUser = new Map<string, UserPart>();
  private readonly scratch: number[] = [];

  constructor(read: RollupRead) {
    for (const d of read.days) this.part(d.userId).days.push(d);
    for (const o of read.openIntervals) {
      this.part(o.userId).open = { status: STATUS_INDEX.get(o.status)!, startedAt: o.startedAt.getTime() };
    }
    for (const o of read.openSessions) this.part(o.userId).openSession = o.startedAt.getTime();
  }

  /** The people the read names. */
  users(): IterableIterator<string> {
    return this.byUser.keys();
  }

  /**
   * Whether the person has an interval overlapping `[from, to)` (one of no length inside it counts),
   * decoding at most the days that hold one: usually the first.
   */
  hasIntervalIn(userId: string, from: number, to: number): boolean {
    const part = this.byUser.get(userId);
    if (!part) return false;
    if (part.open && part.open.startedAt < to) return true;
    const pieces = this.scratch;
    for (const d of part.days) {
      if (d.intervals.length === 0) continue;
      if (!hasDays(d.intervals) && (d.day >= to || d.day + ROLLUP_DAY_MS < from)) continue;
      pieces.length = parseNumbers(d.intervals, pieces, 0, d.day);
      for (let i = 0; i < pieces.length; i += 3) if (pieces[i]! < to && pieces[i + 1]! > from) return true;
    }
    return false;
  }

  /**
   * One person's records, written over what `into` held. Its arrays are overwritten and cut to
   * length, not emptied first: emptying an array gives up its storage, and refilling it for every
   * person would copy each array over and over as it grew back.
   */
  records(userId: string, into: RollupRecords): RollupRecords {
    const part = this.byUser.get(userId);
    if (!part) {
      into.intervals.length = 0;
      into.sessions.length = 0;
      return into;
    }
    sortDays(part.days);
    let intervals = 0;
    let sessions = 0;
    for (const d of part.days) {
      if (d.intervals.length > 0) intervals = parseNumbers(d.intervals, into.intervals, intervals, d.day);
      if (d.sessions.length > 0) sessions = parseNumbers(d.sessions, into.sessions, sessions, 0);
    }
    into.intervals.length = intervals;
    into.sessions.length = sessions;
    sortTriples(into.intervals);
    if (part.open) into.intervals.push(part.open.startedAt, Number.NaN, part.open.status);
    if (part.openSession !== null) into.sessions.push(part.openSession, Number.NaN);
    uniqueSessions(into.sessions);
    return into;
  }

  private part(userId: string): UserPart {
    let p = this.byUser.get(userId);
    if (!p) {
      p = { days: [], open: null, openSession: null };
      this.byUser.set(userId, p);
    }
    return p;
  }
}

/** A person's digests in day order: sorts only when they are not. */
function sortDays(days: RollupEntry[]): void {
  for (let i = 1; i < days.length; i++) {
    if (days[i - 1]!.day > days[i]!.day) {
      days.sort((x, y) => x.day - y.day);
      return;
    }
  }
}

/**
 * `[start, end]` pairs in start order, each start once (the closed one when a session was read both
 * open and closed). Sessions come in order, a session on several days once a day, so usually this
 * only drops neighbours.
 */
function uniqueSessions(list: number[]): void {
  let sorted = true;
  for (let i = 2; i < list.length && sorted; i += 2) if (list[i - 2]! > list[i]!) sorted = false;
  if (!sorted) {
    const pairs: number[][] = [];
    for (let i = 0; i < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
    pairs.sort((x, y) => x[0]! - y[0]!);
    list.length = 0;
    for (const p of pairs) list.push(p[0]!, p[1]!);
  }
  let w = 0;
  for (let i = 0; i < list.length; i += 2) {
    if (w > 0 && list[w - 2] === list[i]) {
      // The same session twice: keep its end if either copy has one.
      if (Number.isNaN(list[w - 1]!)) list[w - 1] = list[i + 1]!;
      continue;
    }
    list[w++] = list[i]!;
    list[w++] = list[i + 1]!;
  }
  list.length = w;
}

/** The UTC days a read's entry holds: its `day`, or the days its text names after `@`. */
export function rollupEntryDays(entry: RollupEntry): number[] {
  if (!hasDays(entry.intervals)) return [entry.day];
  return Array.from(entry.intervals.matchAll(/@(-?\d+),/g), (m) => Number(m[1]));
}

/** Whether interval text names its own days (`@day,` before each day's pieces). */
function hasDays(text: string): boolean {
  return text.charCodeAt(0) === 64;
}

/**
 * Writes the whole numbers of `1,-2,3,` text into `into` from index `at`, without intermediate
 * strings, and returns the index after the last; `day` is added to the first two of every three
 * (interval pieces), or to none when it is 0. `@d,` makes `d` the day from there on.
 */
function parseNumbers(text: string, into: number[], at: number, day: number): number {
  let n = 0;
  let sign = 1;
  let k = 0;
  let marker = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    // Digits first: they are nearly every character.
    if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
    else if (c === 44) {
      if (marker) {
        day = sign * n;
        marker = false;
      } else {
        into[at++] = k !== 2 ? day + sign * n : sign * n;
        k = k === 2 ? 0 : k + 1;
      }
      n = 0;
      sign = 1;
    } else if (c === 64 && k === 0 && n === 0) marker = true;
    else if (c === 45) sign = -1;
    else throw new RangeError(`unexpected ${JSON.stringify(text[i])} in a rollup at ${i}`);
  }
  return at;
}

/** `[start, end, status]` triples in start order: sorts only when they are not (records are appended in time order). */
export function sortTriples(list: number[]): void {
  for (let i = 3; i < list.length; i += 3) {
    if (list[i - 3]! > list[i]!) {
      const triples: number[][] = [];
      for (let j = 0; j < list.length; j += 3) triples.push(list.slice(j, j + 3));
      triples.sort((x, y) => x[0]! - y[0]!);
      list.length = 0;
      for (const t of triples) list.push(...t);
      return;
    }
  }
}
