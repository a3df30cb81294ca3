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
 * (`validUntil`) let it wait until the earliest of them (`heldUntil`, from `StateTable.heldUntilAll`),
 * at most `maxPollInterval` after `startedAt`; `null`, when a single user's reading says nothing (or
 * a user is not observed, or nobody is tracked), keeps the usual `pollInterval`, so no reading goes
 * stale for want of a poll. Never sooner than `pollInterval`.
 */
export function nextPollAt(heldUntil: number | null, startedAt: number, pace: PollPace): number {
  const usual = startedAt + pace.pollInterval;
  if (heldUntil === null) return usual;
  const longest = startedAt + Math.max(pace.maxPollInterval, pace.pollInterval);
  return Math.max(Math.min(heldUntil, longest), usual);
}
