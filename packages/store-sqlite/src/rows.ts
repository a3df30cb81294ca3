import type { Interval, Session, SessionEndReason, Status } from '@presence-tracker/core';
import type { SightingOverlay } from './sightings.ts';

type Row = unknown[];

/** An interval from its columns `user_id, status, started_at, ended_at, raw`. */
export function intervalOf([userId, status, startedAt, endedAt, raw]: Row): Interval {
  const interval: Interval = {
    userId: userId as string,
    status: status as Status,
    startedAt: new Date(startedAt as number),
    endedAt: endedAt === null ? null : new Date(endedAt as number),
  };
  if (raw !== null) interval.raw = JSON.parse(raw as string);
  return interval;
}

/**
 * Sessions from their columns `user_id, started_at, ended_at, id, last seen, end_reason`, where an
 * open session's last seen is as of `last_seen`, and the sightings still in the log may be later.
 */
export function sessionsOf(rows: readonly Row[], overlay: SightingOverlay): Session[] {
  return rows.map(([userId, startedAt, endedAt, id, lastSeenAt, endReason]) => ({
    id: String(id),
    userId: userId as string,
    startedAt: new Date(startedAt as number),
    endedAt: endedAt === null ? null : new Date(endedAt as number),
    lastSeenAt: new Date(
      endedAt === null
        ? Math.max(lastSeenAt as number, overlay.presentAt(userId as string))
        : (lastSeenAt as number),
    ),
    endReason: endReason as SessionEndReason | null,
  }));
}
