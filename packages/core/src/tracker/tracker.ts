import type { EventEmitter } from 'eventemitter3';
import type { PresenceSample, Run, SessionEndReason, Severity, Status, User } from '../model.ts';

export interface StatusChange {
  userId: string;
  status: Status;
  /** The status before, or `null` when the user was unobserved. */
  previous: Status | null;
  at: Date;
}

export interface SessionStarted {
  userId: string;
  startedAt: Date;
}

export interface SessionEnded {
  userId: string;
  startedAt: Date;
  endedAt: Date;
  lastSeenAt: Date;
  reason: SessionEndReason;
}

export interface UnavailableLong {
  userId: string;
  severity: Severity;
  status: Status;
  since: Date;
  at: Date;
  thresholdMs: number;
}

/** A place that failed (see the `error` event) works again. */
export interface Recovered {
  /** `provider`, `store`, `resolving users` or `coordination`. */
  where: string;
  /** When it began failing. */
  since: Date;
  at: Date;
  /** How many times it failed in between. */
  failures: number;
}

export interface PollResult {
  at: Date;
  /** Why nothing was read: outside every window, no users yet, the provider or the coordination failed. */
  skipped?: 'outside-window' | 'provider-error' | 'no-users' | 'coordination-error';
  samples: number;
  effects: number;
  /**
   * People this poll did not read although others were read (the poll reads in batches of
   * `pollBatchSize`): their batch's read failed, or the tracker began to stop before reaching them.
   * Absent when everyone was read; when nobody was, `skipped` says why.
   */
  unread?: number;
  /**
   * When the next poll is due: `pollInterval` after this one, or later, up to `maxPollInterval`, when
   * every tracked person's reading says it holds longer (`validUntil`). `start()` polls then.
   */
  nextPollAt: Date;
}

/**
 * The events a tracker emits, with their arguments. Notifiers get the same happenings as
 * `TrackerEvent`s, named with a dot: `run:start` is `run.started`, `run:end` is `run.ended`,
 * `session:start` is `session.started`, `session:end` is `session.ended`, `unavailable:long` is
 * `unavailable.long`, `error` is `tracker.error` (notifiers get the same error at most once per
 * `errorQuietPeriod`, listeners every time, and never notifiers' own failures), `recovered` is
 * `tracker.recovered`. `users`, `sample`, `status` and `poll` are for listeners only. The events of a
 * poll are emitted once its write is in the store.
 */
export interface TrackerEvents {
  'run:start': [run: Run];
  'run:end': [run: Run];
  users: [users: { tracked: User[]; unresolved: { key: string; reason: string }[] }];
  sample: [sample: PresenceSample];
  status: [change: StatusChange];
  'session:start': [session: SessionStarted];
  'session:end': [session: SessionEnded];
  'unavailable:long': [alert: UnavailableLong];
  poll: [result: PollResult];
  error: [error: Error];
  recovered: [recovered: Recovered];
}

export type TrackerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface Tracker extends EventEmitter<TrackerEvents> {
  /**
   * Starts a run (or, with `continueRun`, continues the last one) and polls every `pollInterval`
   * inside the schedule's windows until `stop()`.
   */
  start(): Promise<void>;
  /** One poll cycle, starting the run first if needed; for cron-style use. */
  runOnce(): Promise<PollResult>;
  /**
   * Closes open sessions (`stopped`), ends the run, waits for deliveries (bounded), and resolves. With
   * `continueRun`, writes what is pending and leaves the run and its sessions open for the next start.
   */
  stop(): Promise<void>;
  readonly state: TrackerState;
  /** The current run, once started. */
  readonly run: Run | null;
  /** The users configured and resolved; with coordination, this tracker polls only those it holds. */
  readonly users: readonly User[];
  /** With coordination: the shards this tracker holds now. */
  readonly shards: readonly number[];
}
