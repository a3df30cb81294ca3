import type { Interval } from '@presence-tracker/core';

/** How many bars a row of `[from, to)` has: the intervals overlapping it, open ones running to `now`. */
export function barsExpected(intervals: Interval[], from: Date, to: Date, now: Date): number {
  return intervals.filter((i) => {
    const start = Math.max(from.getTime(), i.startedAt.getTime());
    const end = Math.min(to.getTime(), (i.endedAt ?? now).getTime());
    return end > start;
  }).length;
}
