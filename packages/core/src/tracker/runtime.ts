import { EventEmitter } from 'eventemitter3';
import { type Clock, systemClock } from '../clock.ts';
import { ProviderError } from '../errors.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { type Effect, type Policy, resolvePolicy, StateTable } from '../machine/index.ts';
import { isStatus, type PresenceSample, type Run, STATUSES, type User } from '../model.ts';
import { Dispatcher } from '../notifier/dispatcher.ts';
import type { TrackerEvent } from '../notifier/events.ts';
import { type CompiledSchedule, compileSchedule } from '../schedule/index.ts';
import type { OpenState, PollWrite } from '../store/index.ts';
import { Batches, pollBatchSize } from './batches.ts';
import { emitEffects, toEvents } from './events.ts';
import { Failures } from './failures.ts';
import { Leases } from './leases.ts';
import { DEFAULT_MAX_POLL_INTERVAL, type PollPace } from './next-poll.ts';
import type { TrackerOptions } from './options.ts';
import { PollCounters } from './poll-counters.ts';
import type { Spool } from './spool.ts';
import type { TrackerEvents, TrackerState } from './tracker.ts';
import { WriteQueue } from './write-queue.ts';

const DEFAULT_POLL_INTERVAL = 60_000;
const DEFAULT_ERROR_QUIET_PERIOD = 60 * 60_000;

/**
 * What a tracker knows while it runs, shared by its parts (lifecycle, leases, users, recovery, polls):
 * each user's machine state, the run, the writes on their way, and how a poll's effects become a write
 * and then events.
 */
export class Runtime extends EventEmitter<TrackerEvents> {
  readonly options: TrackerOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: Policy;
  readonly pollInterval: number;
  /** How far apart polls are: `pollInterval`, stretched up to `maxPollInterval` by readings that hold. */
  readonly pace: PollPace;
  readonly schedule: CompiledSchedule | null;
  /** How many people a poll asks the provider about at once. */
  readonly pollBatchSize: number;
  readonly dispatcher: Dispatcher;
  readonly writes: WriteQueue;
  readonly failures: Failures;
  /** Polls and errors counted since the store last took them (`capabilities.counters`). */
  readonly counters = new PollCounters();
  /** With coordination, the shards held; without it, every user is this tracker's. */
  readonly leases: Leases;
  /**
   * The machine's state of each user this tracker polls, in columns, changed in place; with each
   * user's last status, for `status` events.
   */
  readonly states: StateTable;
  tracked: User[] = [];
  byId = new Map<string, User>();
  resolved = false;
  currentRun: Run | null = null;
  lifecycle: TrackerState = 'idle';
  lastPollAt: Date | null = null;
  spool: Spool | null = null;
  subscription: { close(): Promise<void> } | null = null;
  /** Aborted by `stop()`: reads under way give up their waits, and the poll no longer waits for them. */
  readonly reads = new AbortController();
  /** Users whose write the store refused as conflicting; started afresh at the next poll. */
  readonly conflicted = new Set<string>();
  /**
   * With `continueRun`, what the continued run left open, kept until users are resolved: their states
   * resume from it. `null` when this start began a run of its own.
   */
  resume: OpenState | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(options: TrackerOptions) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.pollInterval = options.pollInterval ?? DEFAULT_POLL_INTERVAL;
    // Leases are renewed at every poll, so trackers that share users keep the usual pace.
    this.pace = {
      pollInterval: this.pollInterval,
      maxPollInterval: options.coordination
        ? this.pollInterval
        : Math.max(this.pollInterval, options.maxPollInterval ?? DEFAULT_MAX_POLL_INTERVAL),
    };
    this.policy = resolvePolicy({ staleAfter: 3 * this.pollInterval, ...options.policy });
    this.states = new StateTable(this.policy);
    this.schedule = options.schedule ? compileSchedule(options.schedule) : null;
    this.pollBatchSize = pollBatchSize(options);
    this.leases = new Leases(options.coordination);
    this.failures = new Failures({
      emitter: this,
      logger: this.logger,
      clock: this.clock,
      quietPeriod: options.errorQuietPeriod ?? DEFAULT_ERROR_QUIET_PERIOD,
      runningRun: () => (this.currentRun && this.lifecycle === 'running' ? this.currentRun.id : null),
      announce: (events) => this.announce(events),
    });
    this.dispatcher = new Dispatcher(options.store, options.notifiers ?? [], this.logger, (error, n) =>
      this.fail(error, `notifier ${n.name}`, false),
    );
    this.on('error', (error) => this.counters.error(error));
    this.writes = new WriteQueue(options.store, (write, why, error) => {
      switch (why) {
        case 'fenced':
          // Another tracker holds these users now; what this one decided about them is void.
          this.dropUsers(() => true);
          this.leases.hold([]);
          this.fail(error, 'store', false);
          break;
        case 'conflict':
          // The store's open state disagrees with the machine's: retrying cannot help. The write is
          // dropped and these users start afresh from what the store holds, at the next poll.
          for (const e of write.effects) this.conflicted.add(e.userId);
          this.fail(error, 'store');
          break;
        default:
          why satisfies never;
      }
    });
  }

  /** Runs `task` after every earlier task, so polls, pushes and the stop never interleave. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task);
    this.chain = result.catch(() => {});
    return result;
  }

  fail(error: unknown, where: string, notify = true): void {
    this.failures.fail(error, where, notify);
  }

  succeeded(where: string): void {
    this.failures.succeeded(where);
  }

  dropUsers(which: (userId: string) => boolean): void {
    for (const id of [...this.states.keys()]) if (which(id)) this.states.delete(id);
  }

  /**
   * Applies samples in time order to the users tracked, appending the effects; returns the samples
   * applied (those of tracked users with a known status). A sample whose status is not one of the
   * statuses is left out and reported as the provider's failure.
   */
  applySamples(samples: readonly PresenceSample[], effects: Effect[]): readonly PresenceSample[] {
    const ordered = inTimeOrder(samples);
    let applied: PresenceSample[] | null = null;
    let refused: PresenceSample | null = null;
    for (let n = 0; n < ordered.length; n++) {
      const sample = ordered[n]!;
      const known = isStatus(sample.status);
      if (!known) refused = sample;
      if (known && this.states.applySample(sample, effects)) {
        applied?.push(sample);
      } else if (applied === null) applied = ordered.slice(0, n);
    }
    if (refused) {
      const { name } = this.options.provider;
      this.fail(
        new ProviderError(
          name,
          `provider ${name} returned a sample whose status is not one of ${STATUSES.join(', ')}: ${String(refused.status)} (user ${refused.userId}); such samples are left out`,
        ),
        'provider samples',
      );
    } else this.succeeded('provider samples');
    return applied ?? ordered;
  }

  /**
   * Ends what is open: when the window the last poll was in has closed by `at` (however late this
   * comes), at the window's end; with `stop`, everything else at `at`. A batch of people at a time
   * (`pollBatchSize`), each batch a write of its own written before the next is decided, so a stop or
   * a window's end for a million people holds a batch's effects, not everyone's. Once the store fails,
   * the rest are only queued (and spooled). Returns how many effects were decided, and the store's
   * failure if it failed.
   */
  async closeInBatches(at: Date, stop: boolean): Promise<{ effects: number; failure: unknown }> {
    const window = this.finishedWindowEnd(at);
    let effects = 0;
    let failure: unknown = null;
    if (window !== null || stop) {
      const windowClose = window && ({ type: 'windowClose', at: window } as const);
      const batches = new Batches([...this.states.keys()], this.pollBatchSize);
      for (let n = 0; n < batches.count; n++) {
        const batch = batches.at(n);
        const decided: Effect[] = [];
        if (windowClose) this.states.applyTo(batch, windowClose, decided);
        if (stop) this.states.applyTo(batch, { type: 'stop', at }, decided);
        effects += decided.length;
        await this.queue(at, [], decided);
        if (failure === null) failure = await this.flushWrites();
      }
    }
    // Writes still waiting from earlier polls are tried even when nothing closes.
    if (failure === null) failure = await this.flushWrites();
    return { effects, failure };
  }

  /** When the window the last poll was in ended, if it has by `at`. */
  private finishedWindowEnd(at: Date): Date | null {
    if (!this.schedule || !this.lastPollAt) return null;
    const before = this.schedule.windowAt(this.lastPollAt);
    return before && before.end <= at ? before.end : null;
  }

  /**
   * Writes a poll's effects, samples and durable notifications in one transaction, then tells
   * listeners and notifiers, only once the write is in the store. A write that fails is kept (and
   * spooled) and written first next time, so nothing the machine decided is lost while the store is
   * away; its events follow when it lands.
   */
  async commit(at: Date, samples: readonly PresenceSample[], effects: Effect[]): Promise<void> {
    await this.queue(at, samples, effects);
    const failure = await this.flushWrites();
    if (failure !== null && this.lifecycle === 'stopping') throw failure;
  }

  /**
   * Queues a write of these samples and effects (spooled before anything else is tried), to go after
   * every earlier one; its events follow when it lands. Nothing is queued when there is nothing to write.
   */
  async queue(at: Date, samples: readonly PresenceSample[], effects: Effect[]): Promise<void> {
    if (samples.length === 0 && effects.length === 0) return;
    const events = toEvents(effects, at, this.byId, this.dispatcher.wantedTypes());
    const fence = this.leases.fence();
    const write: PollWrite = {
      runId: this.currentRun!.id,
      at,
      samples,
      effects,
      outbox: this.dispatcher.outboxFor(events),
      ...(fence ? { fence } : {}),
    };
    await this.writes.add(write, () => {
      for (let n = 0; n < samples.length; n++) this.emit('sample', samples[n]!);
      emitEffects(this, effects, this.states);
      this.dispatcher.dispatch(events);
    });
  }

  /**
   * Writes what is queued, oldest first; returns the store's failure (reported here), the rest staying
   * queued, or `null` once everything is written.
   */
  async flushWrites(): Promise<unknown> {
    if (this.writes.size === 0) return null;
    const failure = await this.writes.flush();
    if (failure === null) {
      this.succeeded('store');
      return null;
    }
    this.fail(failure, 'store');
    return failure;
  }

  /** Adds the counts gathered since the last time to the run's counters in the store. */
  async flushCounters(): Promise<void> {
    if (this.currentRun) await this.counters.flush(this.options.store, this.currentRun.id);
  }

  /** Writes events' durable notifications to the store's outbox, then hands them to notifiers. */
  async announce(events: TrackerEvent[]): Promise<void> {
    const outbox = this.dispatcher.outboxFor(events);
    if (outbox.length > 0) await this.options.store.outboxEnqueue(outbox);
    this.dispatcher.dispatch(events);
  }
}

/** The samples sorted by when they were observed; the same array when they already are. */
function inTimeOrder(samples: readonly PresenceSample[]): readonly PresenceSample[] {
  for (let n = 1; n < samples.length; n++) {
    if (samples[n]!.observedAt.getTime() < samples[n - 1]!.observedAt.getTime()) {
      return [...samples].sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
    }
  }
  return samples;
}
