/** The JSON API's shapes, as `/api/v1/openapi.json` describes them (instants as ISO 8601 strings). */

export const STATUSES = ['available', 'busy', 'dnd', 'away', 'offline', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];

export interface Group {
  kind: string;
  id: string;
  name?: string;
}

export interface Person {
  id: string;
  key: string;
  displayName?: string;
  email?: string;
  groups: Group[];
  /** The status of the open interval; `null` when the person is not being observed now. */
  status: Status | null;
  since: string | null;
  lastSeenAt: string | null;
  /** Observed now in a status the server counts as available. */
  reachable: boolean;
}

export interface People {
  at: string;
  people: Person[];
}

export interface Intervals {
  from: string;
  to: string;
  intervals: Interval[];
}

export interface Sessions {
  from: string;
  to: string;
  sessions: Session[];
}

export interface Runs {
  from: string;
  to: string;
  runs: Run[];
}

export interface Interval {
  userId: string;
  status: Status;
  startedAt: string;
  endedAt: string | null;
}

export interface Session {
  id: string;
  userId: string;
  startedAt: string;
  endedAt: string | null;
  lastSeenAt: string;
  endReason: string | null;
}

export interface Run {
  id: string;
  startedAt: string;
  endedAt: string | null;
}

export interface ReportRow {
  /** The person's id; in a report by group, the group's `kind:id`. */
  userId: string;
  day: string | null;
  observedMs: number;
  availableMs: number;
  unavailableMs: number;
  unobservedMs: number;
  statusMs: Record<Status, number>;
  sessions: number;
  firstSeen: string | null;
  lastSeen: string | null;
  longestUnavailableMs: number;
  /** In a report by group: the group (kind `none` for people in none) and how many people are in it. */
  group?: Group;
  members?: number;
}

export interface Report {
  rows: ReportRow[];
  totals: ReportRow[];
  from: string;
  to: string;
  timeZone: string;
  groupBy: 'day' | 'week' | 'user' | 'group';
  users: { id: string; displayName?: string; email?: string }[];
}

export function personName(
  person: { displayName?: string; key?: string; id: string } | undefined,
  id = '',
): string {
  return person?.displayName || person?.key || person?.id || id;
}
