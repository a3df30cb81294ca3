import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { addWeeks } from 'date-fns/addWeeks';
import { startOfDay } from 'date-fns/startOfDay';
import { startOfISOWeek } from 'date-fns/startOfISOWeek';
import { compileSchedule, type ScheduleWindow } from '../schedule/index.ts';

/** A local calendar day, `YYYY-MM-DD`, of an instant in a time zone. */
export function localDay(at: Date | number, timeZone: string): string {
  const d = new TZDate(typeof at === 'number' ? at : at.getTime(), timeZone);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The instant a local day begins, e.g. `localDayStart('2026-03-29', 'Europe/Berlin')`; `offsetDays`
 * moves by calendar days first, so `localDayStart(day, tz, 1)` is where that day ends.
 */
export function localDayStart(day: string, timeZone: string, offsetDays = 0): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`expected a day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const local = startOfDay(
    new TZDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + offsetDays, 12, 0, timeZone),
  );
  return new Date(local.getTime());
}

/** A span of time a report row covers: a local day, a local week, or the whole range. */
export interface Bucket {
  /** `YYYY-MM-DD` of the bucket's first local day inside the range, or `null` for the whole range. */
  day: string | null;
  /** The bucket clipped to the range, as epoch milliseconds. */
  start: number;
  end: number;
}

export type BucketSize = 'day' | 'week' | 'range';

/**
 * Cuts `[from, to)` at local midnights (or at local Monday midnights). Days are 23, 24 or 25 hours long;
 * the time-zone library, not offset arithmetic, decides where each one starts.
 */
export function buckets(from: number, to: number, timeZone: string, size: BucketSize): Bucket[] {
  if (size === 'range') return [{ day: null, start: from, end: to }];
  const first = new TZDate(from, timeZone);
  let start: TZDate = size === 'day' ? startOfDay(first) : startOfISOWeek(first);
  const found: Bucket[] = [];
  while (start.getTime() < to) {
    const next: TZDate = size === 'day' ? addDays(start, 1) : addWeeks(start, 1);
    const a = Math.max(start.getTime(), from);
    const b = Math.min(next.getTime(), to);
    if (a < b) found.push({ day: localDay(a, timeZone), start: a, end: b });
    start = next;
  }
  return found;
}

/**
 * The instants inside the schedule windows, as sorted, disjoint `[start, end)` pairs clipped to
 * `[from, to)`. Windows are read in `timeZone`, exactly as the tracker's schedule reads them.
 */
export function windowSpans(
  windows: readonly ScheduleWindow[],
  from: number,
  to: number,
  timeZone: string,
): [number, number][] {
  return compileSchedule({ timeZone, windows: [...windows] }).spans(from, to);
}

/** The counted time: each bucket cut by the windows (or whole when there are none). */
export interface Segment {
  start: number;
  end: number;
  bucket: number;
}

export function segments(list: readonly Bucket[], windows: [number, number][] | null): Segment[] {
  const found: Segment[] = [];
  list.forEach((b, bucket) => {
    if (windows === null) {
      found.push({ start: b.start, end: b.end, bucket });
      return;
    }
    for (const [a, z] of windows) {
      const start = Math.max(a, b.start);
      const end = Math.min(z, b.end);
      if (start < end) found.push({ start, end, bucket });
    }
  });
  return found;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
