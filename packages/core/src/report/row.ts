import type { Group, Status } from '../model.ts';

/** A stretch of observed time outside the available statuses. */
export interface UnavailablePeriod {
  start: Date;
  end: Date;
  ms: number;
}

export interface ReportRow {
  /** The user's id; with `groupBy: 'group'`, the group's `kind:id`. */
  userId: string;
  /** `YYYY-MM-DD`, the row's first local day in the report's time zone; `null` for a row over the whole range. */
  day: string | null;
  observedMs: number;
  availableMs: number;
  unavailableMs: number;
  unobservedMs: number;
  /** Time in each status; every status is present and they add up to `observedMs`. */
  statusMs: Record<Status, number>;
  /** Sessions overlapping the row's time. */
  sessions: number;
  /** The first and last observed instants within the row. */
  firstSeen: Date | null;
  lastSeen: Date | null;
  longestUnavailableMs: number;
  /** Unavailability periods clipped to the row, in time order. */
  unavailablePeriods: UnavailablePeriod[];
  /** What the row covers, clipped to the range. */
  start: Date;
  end: Date;
  /** Time counted in the row: its length, or only the part inside `windows`. */
  countedMs: number;
  /** With `groupBy: 'group'`: the group and how many of the report's users belong to it. */
  group?: Group;
  members?: number;
}
