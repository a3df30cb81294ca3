export { createTracker } from './lifecycle.ts';
export { DEFAULT_MAX_POLL_INTERVAL } from './next-poll.ts';
export type { TrackerOptions, UserSpec } from './options.ts';
export {
  POLL_COUNTERS,
  POLL_SECONDS_BUCKETS,
  PollCounters,
  type PollOutcome,
  type PollTotals,
  pollTotals,
} from './poll-counters.ts';
export type {
  PollResult,
  Recovered,
  SessionEnded,
  SessionStarted,
  StatusChange,
  Tracker,
  TrackerEvents,
  TrackerState,
  UnavailableLong,
} from './tracker.ts';
