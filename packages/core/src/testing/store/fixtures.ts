import type { Effect } from '../../machine/index.ts';
import type {
  PresenceSample,
  SessionEndReason,
  Status,
  TrackerEvent,
  TrackerEventType,
  User,
} from '../../model.ts';

/**
 * The instants, users, effects and events the store suites write, for an adapter's own tests too.
 * Instants are whole minutes after `T0`, a Monday at 08:00 UTC.
 */
export const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
export const MINUTE = 60_000;

/** The instant `minutes` after `T0`. */
export const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);

/** Minutes after `T0` of an instant: the inverse of `at`. */
export const minutesOf = (date: Date): number => (date.getTime() - T0) / MINUTE;

export const testUser = (id: string, extra: Partial<User> = {}): User => ({
  key: `${id}@example.com`,
  id,
  severity: 0,
  ...extra,
});

export const intervalOpen = (userId: string, status: Status, minute: number): Effect => ({
  type: 'interval.open',
  userId,
  status,
  startedAt: at(minute),
});

export const intervalClose = (userId: string, minute: number): Effect => ({
  type: 'interval.close',
  userId,
  endedAt: at(minute),
});

export const sessionOpen = (userId: string, minute: number): Effect => ({
  type: 'session.open',
  userId,
  startedAt: at(minute),
});

export const sessionClose = (
  userId: string,
  started: number,
  minute: number,
  reason: SessionEndReason = 'offline',
  lastSeen = minute,
): Effect => ({
  type: 'session.close',
  userId,
  startedAt: at(started),
  endedAt: at(minute),
  lastSeenAt: at(lastSeen),
  reason,
});

export const seen = (userId: string, minute: number, present = true): Effect => ({
  type: 'seen',
  userId,
  at: at(minute),
  present,
});

export const testSample = (
  userId: string,
  minute: number,
  status: Status = 'available',
  raw?: Record<string, unknown>,
): PresenceSample => ({ userId, status, observedAt: at(minute), ...(raw ? { raw } : {}), source: 'poll' });

/** An event with JSON data of some depth, so a store's round trip of it is checked. */
export const testEvent = (n: number, type: TrackerEventType = 'session.started'): TrackerEvent => ({
  id: `evt_${n}`,
  type,
  timestamp: at(n),
  data: { userId: 'u1', n, nested: { list: [1, 'two', null], iso: at(n).toISOString() } },
});
