import { STATUSES } from '../model.ts';
import type { RollupRecords } from '../store/index.ts';
import type { Segment } from './periods.ts';
import type { Plan } from './plan.ts';

/** How many statuses each slot counts time in. */
export const S = STATUSES.length;

/**
 * One user's figures as numbers, per bucket and over the range (the last slot), counted from their
 * records before any of their rows is made. Reused from user to user: counting allocates nothing.
 */
export class Tally {
  readonly plan: Plan;
  /** Time per slot and status. */
  readonly ms: Float64Array;
  /** The first and last observed instant per slot. */
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly sessions: Int32Array;
  /** The rows' unavailability periods as `[bucket, start, end]` triples, in time order. */
  periods = new Float64Array(3 * 256);
  /** Where each bucket's triples begin in `periods`, and (last) where they end. */
  readonly cells: Int32Array;
  private length = 0;

  constructor(p: Plan) {
    this.plan = p;
    const slots = p.buckets.length + 1;
    this.ms = new Float64Array(slots * S);
    this.first = new Float64Array(slots);
    this.last = new Float64Array(slots);
    this.sessions = new Int32Array(slots);
    this.cells = new Int32Array(slots);
  }

  /** Counts a user from their records, replacing the last user's figures. */
  count(records: RollupRecords): void {
    const p = this.plan;
    this.ms.fill(0);
    this.first.fill(Number.POSITIVE_INFINITY);
    this.last.fill(Number.NEGATIVE_INFINITY);
    this.sessions.fill(0);
    this.length = 0;
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
        this.add(seg.bucket, status, x, y);
        this.add(totalSlot, status, x, y);
        if (unavailable) this.period(seg.bucket, x, y);
      }
    }

    const sv = records.sessions;
    const sessions = this.sessions;
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
          sessions[seg.bucket]!++;
          seen = seg.bucket;
        }
      }
      if (any) sessions[totalSlot]!++;
    }
    this.index();
  }

  /** A piece of observed time in a slot. */
  private add(slot: number, status: number, a: number, b: number): void {
    this.ms[slot * S + status]! += b - a;
    if (a < this.first[slot]!) this.first[slot] = a;
    if (b > this.last[slot]!) this.last[slot] = b;
  }

  /** A piece of unavailable time; touching ones in one bucket are one period (busy then offline is one). */
  private period(bucket: number, a: number, b: number): void {
    const n = this.length;
    const list = this.periods;
    if (n > 0 && list[n - 3] === bucket && list[n - 1] === a) {
      list[n - 1] = b;
      return;
    }
    if (n === list.length) {
      this.periods = new Float64Array(2 * n);
      this.periods.set(list);
    }
    this.periods[n] = bucket;
    this.periods[n + 1] = a;
    this.periods[n + 2] = b;
    this.length = n + 3;
  }

  /** Where each bucket's periods begin. */
  private index(): void {
    const list = this.periods;
    const buckets = this.plan.buckets.length;
    let k = 0;
    for (let b = 0; b < buckets; b++) {
      this.cells[b] = k;
      while (k < this.length && list[k] === b) k += 3;
    }
    this.cells[buckets] = this.length;
  }
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
