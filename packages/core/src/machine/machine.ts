/**
 * The per-user session state machine: a pure function, no I/O and no clock of its own.
 * `transition(state, event, policy)` returns the new state and the effects the runtime applies.
 */
import type { PresenceSample, RawPresence, SessionEndReason, Severity, Status } from '../model.ts';
import { type Policy, unavailableThreshold } from './policy.ts';

export interface OpenInterval {
  status: Status;
  startedAt: Date;
  raw?: RawPresence;
}

export interface OpenSession {
  startedAt: Date;
  /** The last sample that showed the user present. */
  lastSeenAt: Date;
  /** Set while the user is out of the present statuses but may still come back within `mergeGap`. */
  leftAt: Date | null;
}

/** Everything the machine remembers about one user. */
export interface UserState {
  readonly userId: string;
  readonly severity: Severity;
  /** The newest sample applied; older ones are ignored. Kept across stale gaps and windows. */
  readonly lastSampleAt: Date | null;
  /** The newest sample while observed; `null` while unobserved. */
  readonly lastSeenAt: Date | null;
  /**
   * Until when the newest sample said it holds (its `validUntil`), while observed; `null` when it said
   * nothing. The user stays observed until then, and `staleAfter` counts from then.
   */
  readonly heldUntil: Date | null;
  /** The open interval; `null` exactly when the user is unobserved. */
  readonly interval: OpenInterval | null;
  readonly session: OpenSession | null;
  /** Start of the current unavailability period, if the user is observed and not available. */
  readonly unavailableSince: Date | null;
  readonly unavailableNotified: boolean;
}

/** What a crashed run left open for one user, as the store kept it. */
export interface LeftOpen {
  interval?: { status: Status; startedAt: Date; lastSeenAt: Date } | null;
  session?: { startedAt: Date; lastSeenAt: Date } | null;
}

export type MachineEvent =
  | { type: 'sample'; sample: PresenceSample }
  | { type: 'tick'; at: Date }
  | { type: 'windowClose'; at: Date }
  | { type: 'stop'; at: Date }
  | { type: 'recover'; open: LeftOpen };

export type Effect =
  | { type: 'interval.open'; userId: string; status: Status; startedAt: Date; raw?: RawPresence }
  | { type: 'interval.close'; userId: string; endedAt: Date }
  | { type: 'session.open'; userId: string; startedAt: Date }
  | {
      type: 'session.close';
      userId: string;
      startedAt: Date;
      endedAt: Date;
      lastSeenAt: Date;
      reason: SessionEndReason;
    }
  /** The user was confirmed at `at`; `present` also moves the open session's last-seen time. */
  | { type: 'seen'; userId: string; at: Date; present: boolean }
  | {
      type: 'unavailable.long';
      userId: string;
      severity: Severity;
      status: Status;
      since: Date;
      at: Date;
      thresholdMs: number;
    };

export interface TransitionResult {
  state: UserState;
  effects: Effect[];
}

export function initialState(userId: string, severity: Severity = 0): UserState {
  return {
    userId,
    severity,
    lastSampleAt: null,
    lastSeenAt: null,
    heldUntil: null,
    interval: null,
    session: null,
    unavailableSince: null,
    unavailableNotified: false,
  };
}

/** Whether the user is currently observed (has an open interval). */
export function isObserved(state: UserState): boolean {
  return state.interval !== null;
}

export function transition(state: UserState, event: MachineEvent, policy: Policy): TransitionResult {
  const effects: Effect[] = [];
  let next: UserState;
  switch (event.type) {
    case 'sample':
      next = applySample(state, event.sample, policy, effects);
      break;
    case 'tick':
      // Most ticks find nothing to do: an unobserved user, or one seen lately and not waiting on anything.
      if (state.interval === null && state.session === null) return { state, effects };
      next = checkUnavailable(settle(state, event.at, policy, effects), event.at, policy, effects);
      break;
    case 'windowClose':
      next = closeAll(settle(state, event.at, policy, effects), event.at, 'window', effects);
      break;
    case 'stop':
      next = closeAll(settle(state, event.at, policy, effects), event.at, 'stopped', effects);
      break;
    case 'recover':
      recover(state.userId, event.open, effects);
      next = state;
      break;
    default: {
      const unhandled: never = event;
      throw new TypeError(`unknown machine event ${(unhandled as { type: string }).type}`);
    }
  }
  return { state: next, effects };
}

/**
 * The last instant the user is known to have held their status: the last sighting, or later when that
 * sample said it holds until a later instant (`validUntil`).
 */
export function confirmedUntil(state: UserState): Date | null {
  if (state.lastSeenAt === null) return null;
  if (state.heldUntil === null || state.heldUntil.getTime() <= state.lastSeenAt.getTime())
    return state.lastSeenAt;
  return state.heldUntil;
}

/** Applies what time alone decides at `now`: staleness, and a session whose merge gap has run out. */
function settle(state: UserState, now: Date, policy: Policy, effects: Effect[]): UserState {
  const { session } = state;
  const confirmed = confirmedUntil(state);
  if (
    confirmed !== null &&
    state.interval !== null &&
    now.getTime() - confirmed.getTime() > policy.staleAfter
  ) {
    return closeAll(state, confirmed, 'stale', effects);
  }
  if (session !== null) {
    const { leftAt } = session;
    if (leftAt !== null && now.getTime() - leftAt.getTime() > policy.mergeGap) {
      effects.push(sessionClose(state.userId, session, leftAt, 'offline'));
      return withSession(state, null);
    }
  }
  return state;
}

function applySample(state: UserState, sample: PresenceSample, policy: Policy, effects: Effect[]): UserState {
  const at = sample.observedAt;
  if (state.lastSampleAt !== null && at.getTime() <= state.lastSampleAt.getTime()) return state;
  const s = settle(state, at, policy, effects);
  const { userId } = s;
  const status = sample.status;

  let interval = s.interval;
  const intervalOpened = interval === null || interval.status !== status;
  if (intervalOpened) {
    if (interval !== null) effects.push({ type: 'interval.close', userId, endedAt: at });
    if (sample.raw === undefined) {
      interval = { status, startedAt: at };
      effects.push({ type: 'interval.open', userId, status, startedAt: at });
    } else {
      interval = { status, startedAt: at, raw: sample.raw };
      effects.push({ type: 'interval.open', userId, status, startedAt: at, raw: sample.raw });
    }
  }

  const present = policy.presentStatuses.includes(status);
  let session = s.session;
  const sessionOpened = present && session === null;
  if (present) {
    if (session === null) {
      session = { startedAt: at, lastSeenAt: at, leftAt: null };
      effects.push({ type: 'session.open', userId, startedAt: at });
    } else {
      session = { startedAt: session.startedAt, lastSeenAt: at, leftAt: null };
    }
  } else if (session !== null && session.leftAt === null) {
    if (policy.mergeGap > 0) {
      session = { startedAt: session.startedAt, lastSeenAt: session.lastSeenAt, leftAt: at };
    } else {
      effects.push(sessionClose(userId, session, at, 'offline'));
      session = null;
    }
  }
  // An effect that opened something already says when the user was seen.
  if (!intervalOpened || (present && !sessionOpened)) effects.push({ type: 'seen', userId, at, present });

  const available = policy.availableStatuses.includes(status);
  const next: UserState = {
    userId,
    severity: s.severity,
    lastSampleAt: at,
    lastSeenAt: at,
    heldUntil: heldUntil(sample),
    interval,
    session,
    unavailableSince: available ? null : (s.unavailableSince ?? at),
    unavailableNotified: available ? false : s.unavailableNotified,
  };
  return checkUnavailable(next, at, policy, effects);
}

function checkUnavailable(state: UserState, now: Date, policy: Policy, effects: Effect[]): UserState {
  const since = state.unavailableSince;
  if (since === null || state.unavailableNotified || state.interval === null) return state;
  const threshold = unavailableThreshold(policy, state.severity);
  if (threshold === null || now.getTime() - since.getTime() <= threshold) return state;
  effects.push({
    type: 'unavailable.long',
    userId: state.userId,
    severity: state.severity,
    status: state.interval.status,
    since,
    at: now,
    thresholdMs: threshold,
  });
  return {
    userId: state.userId,
    severity: state.severity,
    lastSampleAt: state.lastSampleAt,
    lastSeenAt: state.lastSeenAt,
    heldUntil: state.heldUntil,
    interval: state.interval,
    session: state.session,
    unavailableSince: since,
    unavailableNotified: true,
  };
}

/** Ends everything open at `at`; a session already left (waiting on `mergeGap`) ends when it was left. */
function closeAll(state: UserState, at: Date, reason: SessionEndReason, effects: Effect[]): UserState {
  if (state.interval === null && state.session === null) return state;
  if (state.interval !== null) effects.push({ type: 'interval.close', userId: state.userId, endedAt: at });
  if (state.session !== null) {
    const { leftAt } = state.session;
    effects.push(
      leftAt
        ? sessionClose(state.userId, state.session, leftAt, 'offline')
        : sessionClose(state.userId, state.session, at, reason),
    );
  }
  return {
    userId: state.userId,
    severity: state.severity,
    lastSampleAt: state.lastSampleAt,
    lastSeenAt: null,
    heldUntil: null,
    interval: null,
    session: null,
    unavailableSince: null,
    unavailableNotified: false,
  };
}

/** The same state with another session; every state is built field by field, so all share one shape. */
function withSession(state: UserState, session: OpenSession | null): UserState {
  return {
    userId: state.userId,
    severity: state.severity,
    lastSampleAt: state.lastSampleAt,
    lastSeenAt: state.lastSeenAt,
    heldUntil: state.heldUntil,
    interval: state.interval,
    session,
    unavailableSince: state.unavailableSince,
    unavailableNotified: state.unavailableNotified,
  };
}

function recover(userId: string, open: LeftOpen, effects: Effect[]): void {
  if (open.interval) effects.push({ type: 'interval.close', userId, endedAt: open.interval.lastSeenAt });
  if (open.session) {
    effects.push({
      type: 'session.close',
      userId,
      startedAt: open.session.startedAt,
      endedAt: open.session.lastSeenAt,
      lastSeenAt: open.session.lastSeenAt,
      reason: 'recovered',
    });
  }
}

function sessionClose(userId: string, session: OpenSession, endedAt: Date, reason: SessionEndReason): Effect {
  return {
    type: 'session.close',
    userId,
    startedAt: session.startedAt,
    endedAt,
    lastSeenAt: session.lastSeenAt,
    reason,
  };
}

/** A sample's `validUntil` when it is a valid instant after the reading; otherwise nothing. */
function heldUntil(sample: PresenceSample): Date | null {
  const until = sample.validUntil;
  if (!(until instanceof Date) || !(until.getTime() > sample.observedAt.getTime())) return null;
  return until;
}
