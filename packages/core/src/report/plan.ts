import { STATUSES, type Status } from '../model.ts';
import type { ScheduleWindow } from '../schedule/index.ts';
import { type Bucket, type BucketSize, buckets, type Segment, segments, windowSpans } from './periods.ts';

/** Everything the counting needs that does not depend on the user. */
export interface Plan {
  from: number;
  to: number;
  horizon: number;
  buckets: Bucket[];
  /** Each bucket's start and end, and the range's, as the `Date`s every row shares. */
  starts: Date[];
  ends: Date[];
  rangeStart: Date;
  rangeEnd: Date;
  segments: Segment[];
  /** Counted time per bucket, and over the range. */
  counted: number[];
  countedTotal: number;
  /** By status index: whether it counts as available. */
  available: boolean[];
}

/** What a plan is made from: the checked query's range, zone, cut and policy. */
export interface PlanQuery {
  from: Date;
  to: Date;
  timeZone: string;
  windows?: readonly ScheduleWindow[] | undefined;
  groupBy?: 'day' | 'week' | 'user' | 'group' | undefined;
  policy?: { availableStatuses?: readonly Status[] | undefined } | undefined;
  now?: Date | undefined;
}

export function plan(q: PlanQuery): Plan {
  const from = q.from.getTime();
  const to = q.to.getTime();
  const size: BucketSize = q.groupBy === 'week' ? 'week' : q.groupBy === 'user' ? 'range' : 'day';
  const list = buckets(from, to, q.timeZone, size);
  const spans = q.windows ? windowSpans(q.windows, from, to, q.timeZone) : null;
  const cut = segments(list, spans);
  const counted = new Array<number>(list.length).fill(0);
  for (const s of cut) counted[s.bucket]! += s.end - s.start;
  const available = new Set<Status>(q.policy?.availableStatuses ?? ['available']);
  return {
    from,
    to,
    horizon: (q.now ?? new Date()).getTime(),
    buckets: list,
    starts: list.map((b) => new Date(b.start)),
    ends: list.map((b) => new Date(b.end)),
    rangeStart: new Date(from),
    rangeEnd: new Date(to),
    segments: cut,
    counted,
    countedTotal: counted.reduce((x, y) => x + y, 0),
    available: STATUSES.map((s) => available.has(s)),
  };
}
