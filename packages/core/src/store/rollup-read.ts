import {
  ROLLUP_DAY_MS,
  type RollupDayRow,
  type RollupEntry,
  type RollupRead,
  STATUS_INDEX,
} from './rollup.ts';

/** One person's records from rollups, as flat numbers: what a report counts. */
export interface RollupRecords {
  /** `[start, end, status index]` triples in start order, epoch milliseconds; `end` is `NaN` only for the open interval. */
  intervals: number[];
  /** `[start, end]` pairs, each session once; `end` is `NaN` for an open session. */
  sessions: number[];
}

interface UserPart {
  days: RollupEntry[];
  /** The person's first and last slice of the read's day rows (see `RollupIndex.slices`), or -1. */
  first: number;
  last: number;
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
  private readonly rows: readonly RollupDayRow[];
  /**
   * Where each person's text lies in the day rows, five numbers a slice: the row's index, where its
   * interval text starts and ends in the row, and its session text's. One array for everyone, each
   * person's slices linked by `next` (-1 after the last), rather than an array per person grown as
   * the rows are read: that was 13 MB of a 1,000-person, 90-day report, most of it thrown away.
   */
  private readonly slices: Int32Array;
  private readonly next: Int32Array;
  private count = 0;
  private readonly scratch: number[] = [];
  /** The last day row's people and their parts: a store hands the same array over for days with the same people. */
  private lastIds: readonly string[] | null = null;
  private lastParts: UserPart[] = [];

  constructor(read: RollupRead) {
    for (const d of read.days) this.part(d.userId).days.push(d);
    // In day order, so that each person's slices are: a store may hand the rows over in any order.
    this.rows = inDayOrder(read.dayRows ?? []);
    let total = 0;
    for (const row of this.rows) total += row.userIds.length;
    this.slices = new Int32Array(5 * total);
    this.next = new Int32Array(total);
    for (let r = 0; r < this.rows.length; r++) this.split(this.rows[r]!, r);
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
    const overlaps = (length: number) => {
      for (let i = 0; i < length; i += 3) if (pieces[i]! < to && pieces[i + 1]! > from) return true;
      return false;
    };
    for (const d of part.days) {
      if (d.intervals.length === 0) continue;
      if (!hasDays(d.intervals) && (d.day >= to || d.day + ROLLUP_DAY_MS < from)) continue;
      if (overlaps(parseText(d.intervals, pieces, 0, d.day))) return true;
    }
    const slices = this.slices;
    for (let n = part.first; n >= 0; n = this.next[n]!) {
      const k = 5 * n;
      const row = this.rows[slices[k]!]!;
      if (slices[k + 1] === slices[k + 2] || row.day >= to || row.day + ROLLUP_DAY_MS < from) continue;
      if (overlaps(parseNumbers(row.intervals, slices[k + 1]!, slices[k + 2]!, pieces, 0, row.day)))
        return true;
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
      const iv = d.intervals;
      const sv = d.sessions;
      if (iv.length > 0) intervals = parseText(iv, into.intervals, intervals, d.day);
      if (sv.length > 0) sessions = parseText(sv, into.sessions, sessions, 0);
    }
    const slices = this.slices;
    const next = this.next;
    const rows = this.rows;
    for (let n = part.first; n >= 0; n = next[n]!) {
      const k = 5 * n;
      const row = rows[slices[k]!]!;
      const a = slices[k + 1]!;
      const b = slices[k + 2]!;
      if (b > a) intervals = parseNumbers(row.intervals, a, b, into.intervals, intervals, row.day);
      const c = slices[k + 3]!;
      const d = slices[k + 4]!;
      if (d > c) sessions = parseNumbers(row.sessions, c, d, into.sessions, sessions, 0);
    }
    into.intervals.length = intervals;
    into.sessions.length = sessions;
    sortTriples(into.intervals);
    if (part.open) into.intervals.push(part.open.startedAt, Number.NaN, part.open.status);
    if (part.openSession !== null) into.sessions.push(part.openSession, Number.NaN);
    uniqueSessions(into.sessions);
    return into;
  }

  /** Notes where each person's texts are in a day row, without copying them. */
  private split(row: RollupDayRow, r: number): void {
    const iv = row.intervals;
    const sv = row.sessions;
    const people = row.userIds.length;
    if (row.userIds !== this.lastIds) {
      this.lastIds = row.userIds;
      this.lastParts = row.userIds.map((userId) => this.part(userId));
    }
    const parts = this.lastParts;
    // n people have n texts, so n - 1 separators; none has no text at all.
    let fits = people === 0 ? iv.length === 0 && sv.length === 0 : true;
    let i = 0;
    let s = 0;
    for (let p = 0; p < people && fits; p++) {
      const ie = endOf(iv, i);
      const se = endOf(sv, s);
      fits = (ie < iv.length || se < sv.length) === p < people - 1 && ie < iv.length === se < sv.length;
      this.link(parts[p]!, r, i, ie, s, se);
      i = ie + 1;
      s = se + 1;
    }
    if (!fits) {
      throw new RangeError(
        `expected a rollup day row's texts to be one per person (${people}), joined by ';'`,
      );
    }
  }

  /** A slice at the end of the person's list. */
  private link(part: UserPart, row: number, ia: number, ib: number, sa: number, sb: number): void {
    const n = this.count++;
    const k = 5 * n;
    const slices = this.slices;
    slices[k] = row;
    slices[k + 1] = ia;
    slices[k + 2] = ib;
    slices[k + 3] = sa;
    slices[k + 4] = sb;
    this.next[n] = -1;
    if (part.last < 0) part.first = n;
    else this.next[part.last] = n;
    part.last = n;
  }

  private part(userId: string): UserPart {
    let p = this.byUser.get(userId);
    if (!p) {
      p = { days: [], first: -1, last: -1, open: null, openSession: null };
      this.byUser.set(userId, p);
    }
    return p;
  }
}

/** Day rows by day: as they are when they are so, else a sorted copy. */
function inDayOrder(rows: readonly RollupDayRow[]): readonly RollupDayRow[] {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i - 1]!.day > rows[i]!.day) return [...rows].sort((x, y) => x.day - y.day);
  }
  return rows;
}

/** `;`, between people's texts in a day row. */
const SEPARATOR = 59;

/** Where the text that starts at `from` ends: at the next `;`, or the end. */
function endOf(text: Uint8Array, from: number): number {
  const at = text.indexOf(SEPARATOR, from);
  return at < 0 ? text.length : at;
}

/** Each person-day a read holds, in either form, as `[userId, day]`. */
export function rollupReadDays(read: RollupRead): [string, number][] {
  const found: [string, number][] = read.days.flatMap((d) =>
    rollupEntryDays(d).map((day): [string, number] => [d.userId, day]),
  );
  for (const row of read.dayRows ?? []) for (const userId of row.userIds) found.push([userId, row.day]);
  return found;
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
  sortByStart(list, 2);
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
function rollupEntryDays(entry: RollupEntry): number[] {
  if (!hasDays(entry.intervals)) return [entry.day];
  return Array.from(entry.intervals.matchAll(/@(-?\d+),/g), (m) => Number(m[1]));
}

/** Whether interval text names its own days (`@day,` before each day's pieces). */
function hasDays(text: string): boolean {
  return text.charCodeAt(0) === 64;
}

const encoder = new TextEncoder();
/** A text's bytes, written over from call to call. */
let textBytes = new Uint8Array(1 << 16);

/** `parseNumbers` over a whole text. */
function parseText(text: string, into: number[], at: number, day: number): number {
  if (textBytes.length < text.length) textBytes = new Uint8Array(2 * text.length);
  let { read, written } = encoder.encodeInto(text, textBytes);
  if (read !== text.length) {
    // Not ASCII, so not a digest: room for every byte, for the parser to name the character.
    textBytes = new Uint8Array(3 * text.length);
    ({ read, written } = encoder.encodeInto(text, textBytes));
  }
  return parseNumbers(textBytes, 0, written, into, at, day);
}

/**
 * Writes the whole numbers of `1,-2,3,` text (its ASCII bytes, from `start` to `end`) into `into`
 * from index `at`, without intermediate strings, and returns the index after the last; `day` is added
 * to the first two of every three (interval pieces), or to none when it is 0. `@d,` makes `d` the day
 * from there on.
 */
function parseNumbers(
  text: Uint8Array,
  start: number,
  end: number,
  into: number[],
  at: number,
  day: number,
): number {
  let n = 0;
  let sign = 1;
  let k = 0;
  let marker = false;
  for (let i = start; i < end; i++) {
    const c = text[i]!;
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
    else {
      const found = new TextDecoder().decode(text.subarray(i, Math.min(end, i + 4))).slice(0, 1);
      throw new RangeError(`unexpected ${JSON.stringify(found)} in a rollup at ${i - start}`);
    }
  }
  return at;
}

/** `[start, end, status]` triples in start order: sorts only when they are not (records are appended in time order). */
export function sortTriples(list: number[]): void {
  sortByStart(list, 3);
}

/** Room for two copies of the longest list sorted so far. */
let spare = new Float64Array(6 * 1024);

/**
 * Records of `stride` numbers each, sorted stably by their first, in place; nothing is done when they
 * are in order. A person's pieces usually are, or come as a few runs in order (one per entry a store
 * handed over), so this merges the runs it finds, pass after pass, in a buffer kept from call to call:
 * no array per record, as sorting them with `Array.prototype.sort` needed.
 */
function sortByStart(list: number[], stride: number): void {
  const n = list.length;
  let sorted = true;
  for (let i = stride; i < n && sorted; i += stride) if (list[i - stride]! > list[i]!) sorted = false;
  if (sorted) return;
  if (spare.length < 2 * n) spare = new Float64Array(2 * n);
  const buffer = spare;
  for (let i = 0; i < n; i++) buffer[i] = list[i]!;
  let from = 0;
  let to = n;
  for (let runs = 2; runs > 1; ) {
    runs = 0;
    for (let i = 0; i < n; runs++) {
      const middle = runEnd(buffer, from, i, n, stride);
      const end = middle < n ? runEnd(buffer, from, middle, n, stride) : n;
      let a = i;
      let b = middle;
      let o = i;
      while (a < middle && b < end) {
        // Ties keep the earlier run's record first.
        const x = buffer[from + b]! < buffer[from + a]! ? b : a;
        for (let k = 0; k < stride; k++) buffer[to + o + k] = buffer[from + x + k]!;
        o += stride;
        if (x === a) a += stride;
        else b += stride;
      }
      for (; a < middle; a++, o++) buffer[to + o] = buffer[from + a]!;
      for (; b < end; b++, o++) buffer[to + o] = buffer[from + b]!;
      i = end;
    }
    const written = to;
    to = from;
    from = written;
  }
  for (let i = 0; i < n; i++) list[i] = buffer[from + i]!;
}

/** Where the run of records in order that starts at `i` ends. */
function runEnd(buffer: Float64Array, base: number, i: number, n: number, stride: number): number {
  let e = i + stride;
  while (e < n && buffer[base + e - stride]! <= buffer[base + e]!) e += stride;
  return e;
}
