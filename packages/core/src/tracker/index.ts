export { createTracker } from './lifecycle.ts';
export type { TrackerOptions, UserSpec } from './options.ts';
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
