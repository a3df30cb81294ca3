/** The statuses every platform's words are mapped onto. */
export const STATUSES = ['available', 'busy', 'dnd', 'away', 'offline', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];

/** The platform's own words for a reading (its availability, activity or status, as it names them). */
export type RawPresence = Record<string, unknown>;

/** One reading of one user's status at one instant. */
export interface PresenceSample {
  /** The platform's id of the user. */
  userId: string;
  status: Status;
  /** When the platform was read (polled) or when it said so (pushed). */
  observedAt: Date;
  /** The platform's own words, kept as they came. */
  raw?: RawPresence;
  source?: 'poll' | 'push';
  /**
   * The platform says this reading holds until then (a calendar knows when the current block ends).
   * The tracker keeps the user observed until this instant even without a newer reading, and need not
   * poll before it. Optional: a platform that cannot know the future leaves it out.
   */
  validUntil?: Date;
}

/** A team, channel, department or any other collection a user belongs to on the platform. */
export interface Group {
  kind: string;
  id: string;
  name?: string;
}

/** A configured key (e-mail, UPN, username) turned into the platform's id. */
export interface ResolvedUser {
  /** The key as configured. */
  key: string;
  /** The platform's id of the user. */
  id: string;
  displayName?: string;
  email?: string;
  groups?: Group[];
}

/** How loudly notifications about this person are sent: 0 normal, 3 loudest (`+++` in a params.json). */
export type Severity = 0 | 1 | 2 | 3;

export type User = ResolvedUser & { severity: Severity };

export type SessionEndReason = 'offline' | 'window' | 'stale' | 'stopped' | 'recovered';

/** A maximal period in which one user was present. */
export interface Session {
  id: string;
  userId: string;
  startedAt: Date;
  /** `null` while the session is open. */
  endedAt: Date | null;
  /** The last instant a sample showed the user present in this session. */
  lastSeenAt: Date;
  endReason: SessionEndReason | null;
}

/** A maximal period in which one user held one status. Intervals tile a user's observed time. */
export interface Interval {
  userId: string;
  status: Status;
  startedAt: Date;
  /** `null` while the interval is open. */
  endedAt: Date | null;
  /** The platform's words of the sample that opened the interval. */
  raw?: RawPresence;
}

/** A period in which the tracker was observing. */
export interface Run {
  id: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** A half-open range of instants, `[from, to)`. */
export interface TimeRange {
  from: Date;
  to: Date;
}

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

/** The events notifiers receive. Each has a stable id, so receivers can drop a repeated delivery. */
export const TRACKER_EVENT_TYPES = [
  'run.started',
  'run.ended',
  'session.started',
  'session.ended',
  'unavailable.long',
  'tracker.error',
  'tracker.recovered',
] as const;

export type TrackerEventType = (typeof TRACKER_EVENT_TYPES)[number];

/**
 * One thing that happened, as notifiers deliver it. `data` is plain JSON (instants as ISO 8601
 * strings), exactly what a webhook receiver gets in the body's `data`; its shape per type is
 * `TrackerEventData[type]`, checked by the schemas in `notifier/schemas.ts`.
 */
export interface TrackerEvent<T extends TrackerEventType = TrackerEventType> {
  /** Unique and stable across delivery attempts. */
  id: string;
  type: T;
  timestamp: Date;
  data: Record<string, unknown>;
}
