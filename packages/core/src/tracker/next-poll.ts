import type { UserState } from '../machine/index.ts';

/** How far apart polls may be stretched by readings that hold, when nothing else bounds them. */
export const DEFAULT_MAX_POLL_INTERVAL = 15 * 60_000;

export interface PollPace {
  /** The usual time between polls. */
  pollInterval: number;
  /** The longest time between polls however long the readings hold; at least `pollInterval`. */
  maxPollInterval: number;
}

/**
 * When the poll after one that began at `startedAt` should begin. Readings that say how long they hold
 * (`validUntil`) let it wait until the earliest of them, at most `maxPollInterval` after `startedAt`;
 * a single user whose reading says nothing (or who is not observed) keeps the usual `pollInterval`,
 * so no reading goes stale for want of a poll. Never sooner than `pollInterval`.
 */
export function nextPollAt(states: Iterable<UserState>, startedAt: number, pace: PollPace): number {
  const usual = startedAt + pace.pollInterval;
  let at = startedAt + Math.max(pace.maxPollInterval, pace.pollInterval);
  let anyone = false;
  for (const state of states) {
    anyone = true;
    if (state.interval === null || state.heldUntil === null) return usual;
    at = Math.min(at, state.heldUntil.getTime());
  }
  return anyone ? Math.max(at, usual) : usual;
}
