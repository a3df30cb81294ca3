/**
 * The machine's states of many users, kept in two typed arrays and changed in place: what a tracker
 * of a million people holds per person in 68 bytes, without an object or a `Date` per state. It
 * applies exactly the rules of `transition` and produces the same effects; a property test holds the
 * two equal on random histories.
 */
import {
  type PresenceSample,
  type SessionEndReason,
  type Severity,
  STATUSES,
  type Status,
} from '../model.ts';
import {
  IntervalClose,
  IntervalOpen,
  Seen,
  SessionClose,
  SessionOpen,
  UnavailableLong,
} from './effect-objects.ts';
import type { Effect, MachineEvent, UserState } from './machine.ts';
import type { Policy } from './policy.ts';

/** The events that apply to every user at one instant. */
export type TableEvent = Extract<MachineEvent, { type: 'tick' | 'windowClose' | 'stop' }>;

// A user's instants, in epoch milliseconds (`NaN` for none), side by side: one cache line a user.
const TIMES = 8;
const LAST_SAMPLE = 0;
const LAST_SEEN = 1;
const HELD_UNTIL = 2;
const INTERVAL_START = 3;
const SESSION_START = 4;
const SESSION_LAST_SEEN = 5;
const SESSION_LEFT = 6;
const UNAVAILABLE_SINCE = 7;
// A user's small fields.
const FLAGS = 4;
/** The open interval's status, its index in `STATUSES`, or `NONE`. */
const STATUS = 0;
const SESSION_OPEN = 1;
const NOTIFIED = 2;
const SEVERITY = 3;
const NONE = -1;

/** A status's index in `STATUSES`, or `NONE`. */
function codeOf(status: string): number {
  switch (status) {
    case 'available':
      return 0;
    case 'busy':
      return 1;
    case 'dnd':
      return 2;
    case 'away':
      return 3;
    case 'offline':
      return 4;
    case 'unknown':
      return 5;
    default:
      return NONE;
  }
}

/**
 * Users' machine states by user id, in the order they were first set (as a `Map` keeps them).
 *
 * `get` returns the state as `transition` would have it, except for the opening sample's `raw` words,
 * which are not kept: they go to the store with the `interval.open` effect, and nothing reads them back
 * from a state.
 */
export class StateTable {
  readonly policy: Policy;
  private readonly slots = new Map<string, number>();
  private ids: (string | undefined)[] = [];
  /** Slots used so far, live or deleted; deleted ones are reclaimed when they are half of them. */
  private used = 0;
  private capacity = 0;
  private times = new Float64Array(0);
  private flags = new Int8Array(0);
  /**
   * The status last recorded with `recordStatus`, its index in `STATUSES` + 1, or 0: apart from the
   * machine's fields, which the rules walk.
   */
  private recorded = new Uint8Array(0);
  /** By status code: present, available. */
  private readonly present: Uint8Array;
  private readonly available: Uint8Array;
  /** By severity: `unavailableAfter`, `NaN` where it raises nothing. */
  private readonly thresholds: Float64Array;
  /**
   * The latest `lastSampleAt` of the states given to `set`: a user whose last sample is later was last
   * changed by `applySample` (and perhaps by time since), so a tick no later than that sample finds
   * nothing due (see `applyAt`). `Infinity` when a negative `staleAfter` makes a user stale at the very
   * instant of their sample, so that no tick is passed over.
   */
  private setUntil: number;

  constructor(policy: Policy, capacity = 16) {
    this.policy = policy;
    this.present = Uint8Array.from(STATUSES, (s) => (policy.presentStatuses.includes(s) ? 1 : 0));
    this.available = Uint8Array.from(STATUSES, (s) => (policy.availableStatuses.includes(s) ? 1 : 0));
    this.thresholds = Float64Array.from([0, 1, 2, 3], (n) => policy.unavailableAfter[n] ?? Number.NaN);
    this.setUntil = policy.staleAfter >= 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    this.grow(capacity);
  }

  get size(): number {
    return this.slots.size;
  }

  has(userId: string): boolean {
    return this.slots.has(userId);
  }

  /** The user ids, in the order they were first set. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** Sets a user's state, adding the user at the end if new (its `interval.raw` is not kept). */
  set(userId: string, state: UserState): this {
    let status = NONE;
    if (state.interval !== null) {
      status = codeOf(state.interval.status);
      if (status === NONE) throw statusError('state.interval.status', state.interval.status);
    }
    let i = this.slots.get(userId);
    if (i === undefined) {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      i = this.used++;
      this.slots.set(userId, i);
      this.ids[i] = userId;
    }
    const t = i * TIMES;
    const { session } = state;
    const lastSample = ms(state.lastSampleAt);
    // NaN (no sample yet) compares false.
    if (lastSample > this.setUntil) this.setUntil = lastSample;
    this.times[t + LAST_SAMPLE] = lastSample;
    this.times[t + LAST_SEEN] = ms(state.lastSeenAt);
    this.times[t + HELD_UNTIL] = ms(state.heldUntil);
    this.times[t + INTERVAL_START] =
      state.interval === null ? Number.NaN : state.interval.startedAt.getTime();
    this.times[t + SESSION_START] = session === null ? Number.NaN : session.startedAt.getTime();
    this.times[t + SESSION_LAST_SEEN] = session === null ? Number.NaN : session.lastSeenAt.getTime();
    this.times[t + SESSION_LEFT] = session === null ? Number.NaN : ms(session.leftAt);
    this.times[t + UNAVAILABLE_SINCE] = ms(state.unavailableSince);
    const f = i * FLAGS;
    this.flags[f + STATUS] = status;
    this.flags[f + SESSION_OPEN] = session === null ? 0 : 1;
    this.flags[f + NOTIFIED] = state.unavailableNotified ? 1 : 0;
    this.flags[f + SEVERITY] = state.severity;
    return this;
  }

  /** The user's state as `transition` would have it (without `interval.raw`), built afresh. */
  get(userId: string): UserState | undefined {
    const i = this.slots.get(userId);
    if (i === undefined) return undefined;
    const t = i * TIMES;
    const f = i * FLAGS;
    const times = this.times;
    const status = this.flags[f + STATUS]!;
    return {
      userId,
      severity: this.flags[f + SEVERITY] as Severity,
      lastSampleAt: date(times[t + LAST_SAMPLE]!),
      lastSeenAt: date(times[t + LAST_SEEN]!),
      heldUntil: date(times[t + HELD_UNTIL]!),
      interval:
        status === NONE
          ? null
          : { status: STATUSES[status]!, startedAt: new Date(times[t + INTERVAL_START]!) },
      session:
        this.flags[f + SESSION_OPEN] === 0
          ? null
          : {
              startedAt: new Date(times[t + SESSION_START]!),
              lastSeenAt: new Date(times[t + SESSION_LAST_SEEN]!),
              leftAt: date(times[t + SESSION_LEFT]!),
            },
      unavailableSince: date(times[t + UNAVAILABLE_SINCE]!),
      unavailableNotified: this.flags[f + NOTIFIED] === 1,
    };
  }

  /** Every state, in the order of `keys()`. */
  *values(): IterableIterator<UserState> {
    for (const id of this.slots.keys()) yield this.get(id)!;
  }

  delete(userId: string): boolean {
    const i = this.slots.get(userId);
    if (i === undefined) return false;
    this.slots.delete(userId);
    this.ids[i] = undefined;
    this.flags[i * FLAGS + STATUS] = NONE;
    this.flags[i * FLAGS + SESSION_OPEN] = 0;
    this.recorded[i] = 0;
    if (this.used >= 64 && this.slots.size * 2 < this.used) this.compact();
    return true;
  }

  /**
   * The status last recorded for the user with `recordStatus`, or `null`: a tracker's `previous` in
   * its `status` events, kept here rather than in a map of its own (a million entries cost a
   * million-person tracker about 30 MB). It is not part of the machine's state, and `set` keeps it.
   */
  recordedStatus(userId: string): Status | null {
    const i = this.slots.get(userId);
    if (i === undefined) return null;
    const code = this.recorded[i]!;
    return code === 0 ? null : STATUSES[code - 1]!;
  }

  /** Records a user's status for `recordedStatus`; nothing for a user not in the table. */
  recordStatus(userId: string, status: Status): void {
    const i = this.slots.get(userId);
    if (i === undefined) return;
    const code = codeOf(status);
    if (code === NONE) throw statusError('status', status);
    this.recorded[i] = code + 1;
  }

  /**
   * Applies a sample to its user, as `transition` does, appending the effects; `false` when the user is
   * not in the table. A sample not newer than the user's last one changes nothing.
   */
  applySample(sample: PresenceSample, effects: Effect[]): boolean {
    const i = this.slots.get(sample.userId);
    if (i === undefined) return false;
    const times = this.times;
    const flags = this.flags;
    const t = i * TIMES;
    const f = i * FLAGS;
    const observedAt = sample.observedAt;
    const at = observedAt.getTime();
    // NaN (no sample yet) compares false.
    if (at <= times[t + LAST_SAMPLE]!) return true;
    const status = codeOf(sample.status);
    if (status === NONE) throw statusError('sample.status', sample.status);
    const userId = sample.userId;
    this.settle(i, userId, at, effects);

    const current = flags[f + STATUS]!;
    const intervalOpened = current !== status;
    if (intervalOpened) {
      if (current !== NONE) effects.push(new IntervalClose(userId, observedAt));
      effects.push(new IntervalOpen(userId, STATUSES[status]!, observedAt, sample.raw));
      flags[f + STATUS] = status;
      times[t + INTERVAL_START] = at;
    }

    const present = this.present[status] === 1;
    const sessionOpened = present && flags[f + SESSION_OPEN] === 0;
    if (present) {
      if (sessionOpened) {
        flags[f + SESSION_OPEN] = 1;
        times[t + SESSION_START] = at;
        effects.push(new SessionOpen(userId, observedAt));
      }
      times[t + SESSION_LAST_SEEN] = at;
      times[t + SESSION_LEFT] = Number.NaN;
    } else if (flags[f + SESSION_OPEN] === 1 && Number.isNaN(times[t + SESSION_LEFT]!)) {
      if (this.policy.mergeGap > 0) times[t + SESSION_LEFT] = at;
      else {
        effects.push(this.sessionClose(i, userId, observedAt, 'offline'));
        this.closeSession(i);
      }
    }
    // An effect that opened something already says when the user was seen.
    if (!intervalOpened || (present && !sessionOpened)) effects.push(new Seen(userId, observedAt, present));

    times[t + LAST_SAMPLE] = at;
    times[t + LAST_SEEN] = at;
    const until = sample.validUntil;
    times[t + HELD_UNTIL] = until instanceof Date && until.getTime() > at ? until.getTime() : Number.NaN;
    if (this.available[status] === 1) {
      times[t + UNAVAILABLE_SINCE] = Number.NaN;
      flags[f + NOTIFIED] = 0;
    } else if (Number.isNaN(times[t + UNAVAILABLE_SINCE]!)) times[t + UNAVAILABLE_SINCE] = at;
    this.checkUnavailable(i, userId, at, observedAt, effects);
    return true;
  }

  /** Applies a tick, a window's close or a stop to every user, as `transition` does, appending the effects. */
  applyAll(event: TableEvent, effects: Effect[]): Effect[] {
    const at = event.at.getTime();
    for (let i = 0; i < this.used; i++) this.applyAt(i, event, at, effects);
    return effects;
  }

  /**
   * Applies a tick, a window's close or a stop to these users only (those in the table), as `applyAll`
   * does to everyone, appending the effects: a poll read in batches ticks each batch's people.
   */
  applyTo(userIds: readonly string[], event: TableEvent, effects: Effect[]): Effect[] {
    const at = event.at.getTime();
    for (let n = 0; n < userIds.length; n++) {
      const i = this.slots.get(userIds[n]!);
      if (i !== undefined) this.applyAt(i, event, at, effects);
    }
    return effects;
  }

  private applyAt(i: number, event: TableEvent, at: number, effects: Effect[]): void {
    const flags = this.flags;
    // Deleted (both cleared), or neither observed nor in a session: time alone changes nothing.
    if (flags[i * FLAGS + STATUS] === NONE && flags[i * FLAGS + SESSION_OPEN] === 0) return;
    // A tick no later than the user's last sample, which `applySample` applied: the sample settled the
    // user and checked the unavailability at its instant, after which the user is confirmed until at
    // least then, a session left is within its merge gap and an unavailability within its threshold,
    // at that instant and so at any earlier one; a tick since then changed nothing or closed things.
    // Nothing is due. Most ticks come right after the poll's samples, and skip every user read.
    const last = this.times[i * TIMES + LAST_SAMPLE]!;
    if (at <= last && last > this.setUntil && event.type === 'tick') return;
    const userId = this.ids[i]!;
    this.settle(i, userId, at, effects);
    if (event.type === 'tick') this.checkUnavailable(i, userId, at, event.at, effects);
    else this.closeAll(i, userId, event.at, event.type === 'stop' ? 'stopped' : 'window', effects);
  }

  /**
   * Until when every user's reading holds: the earliest `validUntil` kept, or `null` as soon as one
   * user is unobserved or has a reading that says nothing (and when there is nobody).
   */
  heldUntilAll(): number | null {
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.used; i++) {
      if (this.ids[i] === undefined) continue;
      const until = this.times[i * TIMES + HELD_UNTIL]!;
      if (this.flags[i * FLAGS + STATUS] === NONE || Number.isNaN(until)) return null;
      if (until < earliest) earliest = until;
    }
    return earliest === Number.POSITIVE_INFINITY ? null : earliest;
  }

  /** Staleness, and a session whose merge gap has run out, at `now` (as `transition`'s settle). */
  private settle(i: number, userId: string, now: number, effects: Effect[]): void {
    const t = i * TIMES;
    const seen = this.times[t + LAST_SEEN]!;
    const held = this.times[t + HELD_UNTIL]!;
    // The sighting, or `validUntil` when later; `Math.max` would turn a missing `validUntil` (NaN) into NaN.
    // biome-ignore lint/complexity/useMathMinMax: NaN must not win
    const confirmed = held > seen ? held : seen;
    if (this.flags[i * FLAGS + STATUS] !== NONE && now - confirmed > this.policy.staleAfter) {
      this.closeAll(i, userId, new Date(confirmed), 'stale', effects);
      return;
    }
    const leftAt = this.times[t + SESSION_LEFT]!;
    if (this.flags[i * FLAGS + SESSION_OPEN] === 1 && now - leftAt > this.policy.mergeGap) {
      effects.push(this.sessionClose(i, userId, new Date(leftAt), 'offline'));
      this.closeSession(i);
    }
  }

  private checkUnavailable(i: number, userId: string, now: number, nowDate: Date, effects: Effect[]): void {
    const f = i * FLAGS;
    const since = this.times[i * TIMES + UNAVAILABLE_SINCE]!;
    const status = this.flags[f + STATUS]!;
    if (Number.isNaN(since) || this.flags[f + NOTIFIED] === 1 || status === NONE) return;
    const severity = this.flags[f + SEVERITY] as Severity;
    const threshold = this.thresholds[severity]!;
    // NaN (raises nothing) compares false.
    if (!(now - since > threshold)) return;
    effects.push(
      new UnavailableLong(userId, severity, STATUSES[status]!, new Date(since), nowDate, threshold),
    );
    this.flags[f + NOTIFIED] = 1;
  }

  /** Ends everything open at `at`; a session already left (waiting on `mergeGap`) ends when it was left. */
  private closeAll(i: number, userId: string, at: Date, reason: SessionEndReason, effects: Effect[]): void {
    const t = i * TIMES;
    const f = i * FLAGS;
    if (this.flags[f + STATUS] === NONE && this.flags[f + SESSION_OPEN] === 0) return;
    if (this.flags[f + STATUS] !== NONE) effects.push(new IntervalClose(userId, at));
    if (this.flags[f + SESSION_OPEN] === 1) {
      const leftAt = this.times[t + SESSION_LEFT]!;
      effects.push(
        Number.isNaN(leftAt)
          ? this.sessionClose(i, userId, at, reason)
          : this.sessionClose(i, userId, new Date(leftAt), 'offline'),
      );
    }
    this.times[t + LAST_SEEN] = Number.NaN;
    this.times[t + HELD_UNTIL] = Number.NaN;
    this.times[t + INTERVAL_START] = Number.NaN;
    this.times[t + UNAVAILABLE_SINCE] = Number.NaN;
    this.flags[f + STATUS] = NONE;
    this.flags[f + NOTIFIED] = 0;
    this.closeSession(i);
  }

  private closeSession(i: number): void {
    const t = i * TIMES;
    this.flags[i * FLAGS + SESSION_OPEN] = 0;
    this.times[t + SESSION_START] = Number.NaN;
    this.times[t + SESSION_LAST_SEEN] = Number.NaN;
    this.times[t + SESSION_LEFT] = Number.NaN;
  }

  private sessionClose(i: number, userId: string, endedAt: Date, reason: SessionEndReason): Effect {
    const t = i * TIMES;
    return new SessionClose(
      userId,
      new Date(this.times[t + SESSION_START]!),
      endedAt,
      new Date(this.times[t + SESSION_LAST_SEEN]!),
      reason,
    );
  }

  /** Makes room for `capacity` users, keeping what is there. */
  private grow(capacity: number): void {
    const size = Math.max(16, capacity);
    const times = new Float64Array(size * TIMES).fill(Number.NaN);
    times.set(this.times.subarray(0, this.used * TIMES));
    const flags = new Int8Array(size * FLAGS);
    flags.set(this.flags.subarray(0, this.used * FLAGS));
    const recorded = new Uint8Array(size);
    recorded.set(this.recorded.subarray(0, this.used));
    this.times = times;
    this.flags = flags;
    this.recorded = recorded;
    this.capacity = size;
  }

  /** Moves the live users down over the deleted ones, keeping their order. */
  private compact(): void {
    let to = 0;
    for (let from = 0; from < this.used; from++) {
      const id = this.ids[from];
      if (id === undefined) continue;
      if (to !== from) {
        this.times.copyWithin(to * TIMES, from * TIMES, (from + 1) * TIMES);
        this.flags.copyWithin(to * FLAGS, from * FLAGS, (from + 1) * FLAGS);
        this.recorded[to] = this.recorded[from]!;
        this.ids[to] = id;
        this.slots.set(id, to);
      }
      to++;
    }
    this.times.fill(Number.NaN, to * TIMES, this.used * TIMES);
    this.flags.fill(0, to * FLAGS, this.used * FLAGS);
    this.recorded.fill(0, to, this.used);
    for (let i = to; i < this.used; i++) this.flags[i * FLAGS + STATUS] = NONE;
    this.ids.length = to;
    this.used = to;
  }
}

function ms(d: Date | null): number {
  return d === null ? Number.NaN : d.getTime();
}

function date(t: number): Date | null {
  return Number.isNaN(t) ? null : new Date(t);
}

function statusError(field: string, value: unknown): TypeError {
  return new TypeError(`${field}: expected one of ${STATUSES.join(', ')}, received ${String(value)}`);
}
