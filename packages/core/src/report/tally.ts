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
  periods: Float64Array = new Float64Array(3 * 256);
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
    const ms = this.ms;
    const firstOf = this.first;
    const lastOf = this.last;
    let list: Float64Array = this.periods;
    let observedUntil = p.from;
    // Records come in start order, so the first segment to look at mostly only moves forward.
    let from = 0;
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
      // Counted pieces only move forward (each starts where the last ended, or later).
      while (from < segments.length && segments[from]!.end <= a) from++;
      for (let k = from; k < segments.length; k++) {
        const seg = segments[k]!;
        if (seg.start >= b) break;
        const x = Math.max(a, seg.start);
        const y = Math.min(b, seg.end);
        if (x >= y) continue;
        // Written out here rather than in a helper: a double handed to a call V8 does not inline is
        // boxed, 16 bytes of garbage each, about 10 KB a person.
        const bucket = seg.bucket;
        ms[bucket * S + status]! += y - x;
        if (x < firstOf[bucket]!) firstOf[bucket] = x;
        if (y > lastOf[bucket]!) lastOf[bucket] = y;
        ms[totalSlot * S + status]! += y - x;
        if (x < firstOf[totalSlot]!) firstOf[totalSlot] = x;
        if (y > lastOf[totalSlot]!) lastOf[totalSlot] = y;
        if (!unavailable) continue;
        // Touching pieces in one bucket are one period (busy then offline is one).
        const n = this.length;
        if (n > 0 && list[n - 3] === bucket && list[n - 1] === x) {
          list[n - 1] = y;
          continue;
        }
        if (n === list.length) list = this.grow();
        list[n] = bucket;
        list[n + 1] = x;
        list[n + 2] = y;
        this.length = n + 3;
      }
    }

    const sv = records.sessions;
    const sessions = this.sessions;
    from = 0;
    let fromAt = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < sv.length; i += 2) {
      const a = sv[i]!;
      const end = sv[i + 1]!;
      const b = Math.max(a, Number.isNaN(end) ? p.horizon : end);
      let seen = -1;
      let any = false;
      if (a - 1 < fromAt) from = firstEndingAfter(segments, a - 1);
      else while (from < segments.length && segments[from]!.end <= a - 1) from++;
      fromAt = a - 1;
      for (let k = from; k < segments.length; k++) {
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

  /** Twice the room for periods, keeping those counted. */
  private grow(): Float64Array {
    const grown = new Float64Array(2 * this.periods.length);
    grown.set(this.periods);
    this.periods = grown;
    return grown;
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

/** The first segment ending after an instant, for an instant earlier than the last one looked up. */
function firstEndingAfter(list: readonly Segment[], at: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.end <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
