/**
 * The effects `StateTable` decides, made by constructors rather than object literals. A poll makes an
 * effect or two for every person, and they live only until the poll's batch is written. V8 keeps
 * feedback on each object literal's site: when most objects a site made before a young-generation
 * collection are still alive at it, V8 may decide the site makes long-lived objects and allocate the
 * rest of them straight into old space. Early in a tracker's first poll a batch's effects are all
 * alive at such a moment often enough; from then on every effect of every poll went to old space,
 * where only a full collection frees them, and old space grew to several times what lives in it.
 * Objects made by `new` have no such feedback and always start young. Their fields are the `Effect`
 * union's, in the same order, so they read, spread and serialise as the literals did.
 */
import type { RawPresence, SessionEndReason, Severity, Status } from '../model.ts';

export class IntervalOpen {
  readonly type = 'interval.open';
  readonly userId: string;
  readonly status: Status;
  readonly startedAt: Date;
  // Declared only: a field would be an own `raw: undefined` on every open without one.
  declare readonly raw?: RawPresence;
  constructor(userId: string, status: Status, startedAt: Date, raw: RawPresence | undefined) {
    this.userId = userId;
    this.status = status;
    this.startedAt = startedAt;
    // Absent, not `undefined`, when the reading had none, as the literal left it.
    if (raw !== undefined) this.raw = raw;
  }
}

export class IntervalClose {
  readonly type = 'interval.close';
  readonly userId: string;
  readonly endedAt: Date;
  constructor(userId: string, endedAt: Date) {
    this.userId = userId;
    this.endedAt = endedAt;
  }
}

export class SessionOpen {
  readonly type = 'session.open';
  readonly userId: string;
  readonly startedAt: Date;
  constructor(userId: string, startedAt: Date) {
    this.userId = userId;
    this.startedAt = startedAt;
  }
}

export class SessionClose {
  readonly type = 'session.close';
  readonly userId: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly lastSeenAt: Date;
  readonly reason: SessionEndReason;
  constructor(userId: string, startedAt: Date, endedAt: Date, lastSeenAt: Date, reason: SessionEndReason) {
    this.userId = userId;
    this.startedAt = startedAt;
    this.endedAt = endedAt;
    this.lastSeenAt = lastSeenAt;
    this.reason = reason;
  }
}

export class Seen {
  readonly type = 'seen';
  readonly userId: string;
  readonly at: Date;
  readonly present: boolean;
  constructor(userId: string, at: Date, present: boolean) {
    this.userId = userId;
    this.at = at;
    this.present = present;
  }
}

export class UnavailableLong {
  readonly type = 'unavailable.long';
  readonly userId: string;
  readonly severity: Severity;
  readonly status: Status;
  readonly since: Date;
  readonly at: Date;
  readonly thresholdMs: number;
  constructor(
    userId: string,
    severity: Severity,
    status: Status,
    since: Date,
    at: Date,
    thresholdMs: number,
  ) {
    this.userId = userId;
    this.severity = severity;
    this.status = status;
    this.since = since;
    this.at = at;
    this.thresholdMs = thresholdMs;
  }
}
