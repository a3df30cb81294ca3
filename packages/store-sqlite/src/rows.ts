import type { Interval, Session, SessionEndReason, Status } from '@presence-tracker/core';

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

/** A session from its columns `user_id, started_at, ended_at, id, last seen, end_reason`. */
export function sessionOf([userId, startedAt, endedAt, id, lastSeenAt, endReason]: Row): Session {
  return {
    id: String(id),
    userId: userId as string,
    startedAt: new Date(startedAt as number),
    endedAt: endedAt === null ? null : new Date(endedAt as number),
    lastSeenAt: new Date(lastSeenAt as number),
    endReason: endReason as SessionEndReason | null,
  };
}
