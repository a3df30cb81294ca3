import type { ShardLease } from '../coordination/index.ts';
import type { Effect } from '../machine/index.ts';
import type { Interval, PresenceSample, Run, Session, Status, TrackerEvent, User } from '../model.ts';
import type { RollupRead } from './rollup.ts';

/** A range query: records overlapping `[from, to)`, optionally for some users only. */
export interface RangeQuery {
  from: Date;
  to: Date;
  userIds?: readonly string[];
}

/** Everything one poll (or one pushed batch) changes, written atomically. */
export interface PollWrite {
  runId: string;
  /** The instant the poll was made; stored as the run's latest heartbeat. */
  at: Date;
  /** Raw readings, kept when the store keeps samples. */
  samples: readonly PresenceSample[];
  /** What the state machine decided, in order. */
  effects: readonly Effect[];
  /** Events for durable notifiers, committed with the effects that caused them. */
  outbox?: readonly OutboxMessage[];
  /**
   * With coordination: the leases the writer believes it holds. A store that coordinates refuses the
   * whole write with a `StoreError` coded `STORE_FENCED` when any of them has changed hands.
   */
  fence?: { owner: string; leases: readonly ShardLease[] };
}

/** What a run that did not end cleanly left open, for recovery. */
export interface OpenState {
  runs: { id: string; startedAt: Date; lastPollAt: Date | null }[];
  intervals: { userId: string; status: Status; startedAt: Date; lastSeenAt: Date }[];
  sessions: { userId: string; startedAt: Date; lastSeenAt: Date }[];
}

/** An event waiting for one durable notifier. */
export interface OutboxMessage {
  /** The notifier's name. */
  notifier: string;
  event: TrackerEvent;
}

export interface OutboxEntry extends OutboxMessage {
  /** Increases in the order entries were written; delivery follows it. */
  seq: number;
  attempts: number;
  /** When the next attempt is due; `null` once the entry has been given up (dead). */
  nextAttemptAt: Date | null;
  lastError: string | null;
}

export interface OutboxAttempt {
  seq: number;
  attempts: number;
  /** When to try again, or `null` to give the entry up. */
  nextAttemptAt: Date | null;
  error: string;
}

/** What a store can do beyond the contract every store meets; the conformance suite reads it. */
export interface StoreCapabilities {
  /** Raw samples are kept and `samples()` answers. */
  samples: boolean;
  /**
   * Writes carrying a `fence` are checked against the leases the store keeps, and refused with
   * `STORE_FENCED` when a lease changed hands. A tracker given `coordination` needs it.
   */
  fencing: boolean;
  /** The store was opened only to read: every write is refused with `STORE_READ_ONLY`. */
  readOnly: boolean;
  /**
   * The store keeps rollups as it writes (a digest per person per UTC day, see `RollupBatch`) and
   * `rollups()` answers; reports then read them instead of every interval and session.
   */
  rollups?: boolean;
  /**
   * The store numbers what it writes and `changes()` answers: what was opened or closed since a
   * cursor, so a reader in another process follows the writes without reading everything again.
   */
  changes?: boolean;
  /**
   * The store keeps named counters per run (`addCounters`, `counters()`): how many polls a tracker
   * made, the samples it applied, the errors it met, so a reader in another process (a dashboard's
   * `/metrics`) reports them without running the tracker.
   */
  counters?: boolean;
}

/** What `addCounters` adds: amounts to named counters of one run. */
export interface CounterAdd {
  runId: string;
  /** Whole, non-negative amounts by counter name; a name not seen before starts at 0. */
  counts: Readonly<Record<string, number>>;
}

/** What `changes()` answers: what was written after a cursor. */
export interface StoreChanges {
  /** Where this answer ends; pass it as `after` next time. Opaque: compare nothing but equality. */
  cursor: string;
  /**
   * Intervals, sessions and runs opened or closed after the cursor, each once, as it is now (a
   * record opened and closed in between comes closed), in the order of their last change.
   */
  intervals: Interval[];
  sessions: Session[];
  runs: Run[];
}

/** What `startRun` writes together with the run. */
export interface StartRunOptions {
  /**
   * Messages for durable notifiers, written in the run's transaction. A function, because the
   * messages name the run, whose id the store assigns; it may be called more than once.
   */
  outbox?: (run: Run) => readonly OutboxMessage[];
}

/**
 * Where users, runs, intervals, sessions, samples and the notification outbox are kept.
 * Every store passes `storeConformance` from `@presence-tracker/core/testing`.
 *
 * Stores prepare themselves (schema, migrations) on first use; `init()` lets a host app fail fast.
 * Instants are `Date` in and out. Range queries return records overlapping `[from, to)`, open ones
 * included, ordered by start time, then user id.
 */
export interface PresenceStore {
  /** A short name for logs and errors, e.g. `memory`. */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** Creates or migrates the schema. Idempotent. */
  init(): Promise<void>;

  /** Inserts users or updates them by id (display name, e-mail, key, groups, severity). */
  upsertUsers(users: readonly User[]): Promise<void>;
  /** Every known user, ordered by id. */
  users(): Promise<User[]>;

  /**
   * Records the start of a run and returns it with its id. `options.outbox` messages are queued in
   * the same transaction, so a run never exists without its `run.started` notifications.
   */
  startRun(startedAt: Date, options?: StartRunOptions): Promise<Run>;
  /** Ends a run. Ending an ended run is an error. */
  endRun(runId: string, endedAt: Date): Promise<void>;
  /** Runs overlapping `[from, to)`. */
  runs(query: { from: Date; to: Date }): Promise<Run[]>;

  /**
   * Applies one poll's effects, keeps its samples and queues its outbox messages in one transaction:
   * all of it is written or none of it.
   */
  writePoll(write: PollWrite): Promise<void>;
  /** Runs, intervals and sessions still open, for recovery after a crash. */
  openState(query?: { userIds?: readonly string[] }): Promise<OpenState>;

  sessions(query: RangeQuery): Promise<Session[]>;
  intervals(query: RangeQuery): Promise<Interval[]>;
  /** Raw samples observed in `[from, to)`, ordered by time then user; empty when samples are not kept. */
  samples(query: RangeQuery): Promise<PresenceSample[]>;
  /**
   * With `capabilities.rollups`: the digests of the UTC days touching `[from, to)` and the records
   * still open, read together (one snapshot), so that they hold exactly what `intervals()` and
   * `sessions()` would answer. Digests are written in the same transaction as the records they sum up.
   */
  rollups?(query: RangeQuery): Promise<RollupRead>;

  /**
   * With `capabilities.changes`: what was opened or closed after `after`, a cursor from an earlier
   * answer, read in one snapshot. `after: null` answers the current cursor alone, to start following
   * from now. A reader polls it; a poll that finds nothing costs one indexed read.
   */
  changes?(query: { after: string | null }): Promise<StoreChanges>;

  /**
   * With `capabilities.counters`: adds to a run's named counters, in one transaction. Counters are
   * only ever added to, so their sums never go down while the store keeps its runs.
   */
  addCounters?(add: CounterAdd): Promise<void>;
  /** With `capabilities.counters`: every counter, summed over all runs. */
  counters?(): Promise<Record<string, number>>;

  /** Queues messages outside a poll (a run starting or ending). */
  outboxEnqueue(messages: readonly OutboxMessage[]): Promise<void>;
  /** Undelivered, not-dead entries of one notifier, oldest first. */
  outboxPending(query: { notifier: string; limit?: number }): Promise<OutboxEntry[]>;
  /** Marks entries delivered; they are not returned again. */
  outboxDelivered(seqs: readonly number[]): Promise<void>;
  /** Records a failed attempt. */
  outboxFailed(attempt: OutboxAttempt): Promise<void>;

  /** Removes everything about one user: the user, samples, intervals, sessions. */
  purgeUser(userId: string): Promise<void>;

  /** Releases connections and files. Further calls fail with a `StoreError` (`STORE_CLOSED`). */
  close(): Promise<void>;
}
