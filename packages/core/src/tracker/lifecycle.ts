import { PresenceTrackerError } from '../errors.ts';
import type { Run, User } from '../model.ts';
import { createEvent, type TrackerEvent } from '../notifier/events.ts';
import { runSummary } from '../notifier/run-summary.ts';
import type { TrackerEventData } from '../notifier/schemas.ts';
import { continuableRun } from './continuation.ts';
import { iso } from './events.ts';
import { checkTrackerOptions, type TrackerOptions } from './options.ts';
import { poll } from './poll.ts';
import { recover, recoveredUsers } from './recovery.ts';
import { closeSpool, replay } from './replay.ts';
import { Runtime } from './runtime.ts';
import type { PollResult, Tracker, TrackerState } from './tracker.ts';

const DEFAULT_STOP_TIMEOUT = 10_000;

export function createTracker(options: TrackerOptions): Tracker {
  checkTrackerOptions(options);
  return new PresenceTracker(options);
}

/** A tracker's life: it starts (or continues) a run, polls on a timer, and stops. */
class PresenceTracker extends Runtime implements Tracker {
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  /** Whether the poll loop runs: set before its first poll, when no timer is pending yet. */
  private looping = false;
  private timer: NodeJS.Timeout | null = null;

  get state(): TrackerState {
    return this.lifecycle;
  }

  get run(): Run | null {
    return this.currentRun;
  }

  get users(): readonly User[] {
    return this.tracked;
  }

  get shards(): readonly number[] {
    return this.leases.shards;
  }

  async start(): Promise<void> {
    await this.begin();
    if (this.looping || this.lifecycle !== 'running') return;
    this.looping = true;
    this.loop();
  }

  async runOnce(): Promise<PollResult> {
    await this.begin();
    return this.exclusive(() => poll(this));
  }

  /** Ends the run (or leaves it for the next start); a call while a stop is under way waits for that one. */
  stop(): Promise<void> {
    this.stopping ??= this.end().finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async end(): Promise<void> {
    // A start still getting ready (the store, the spool's replay, the run) finishes first, then stops.
    if (this.starting) await this.starting.catch(() => {});
    if (this.lifecycle === 'stopped' || this.lifecycle === 'idle') {
      this.lifecycle = 'stopped';
      await closeSpool(this);
      return;
    }
    this.lifecycle = 'stopping';
    this.reads.abort(new PresenceTrackerError('TRACKER_STATE', 'the tracker is stopping'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.subscription?.close().catch((e) => this.fail(e, 'unsubscribe', false));
    this.subscription = null;
    try {
      await this.exclusive(async () => {
        const at = this.clock.now();
        // The next start continues this run, or, if it comes later than staleAfter, recovers it and
        // ends it at its last poll: either way nothing but a finished window is closed at this stop.
        const { failure } = await this.closeInBatches(at, !this.options.continueRun);
        if (failure !== null) throw failure;
        if (this.options.continueRun) {
          await this.flushCounters();
          this.logger.info({ runId: this.currentRun!.id }, 'run left open for the next start');
          return;
        }
        await this.flushCounters();
        const run = this.currentRun!;
        await this.options.store.endRun(run.id, at);
        const ended = { ...run, endedAt: at };
        this.currentRun = ended;
        this.emit('run:end', ended);
        const held = this.tracked.filter((u) => this.states.has(u.id));
        await this.announce([createEvent('run.ended', at, await this.runStatistics(ended, held, 'stopped'))]);
      });
      await this.options.coordination?.release();
      if (this.options.coordination) this.leases.hold([]);
    } finally {
      await this.dispatcher.close(this.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT);
      await closeSpool(this);
      this.lifecycle = 'stopped';
    }
  }

  /** Prepares the store, starts the run and recovers what a crashed run left open; once. */
  private begin(): Promise<void> {
    if (this.lifecycle === 'stopping' || this.lifecycle === 'stopped') {
      return Promise.reject(new PresenceTrackerError('TRACKER_STATE', `the tracker is ${this.lifecycle}`));
    }
    this.starting ??= this.exclusive(async () => {
      const { store } = this.options;
      await store.init();
      await replay(this);
      const at = this.clock.now();
      if (this.options.coordination) this.leases.hold(await this.options.coordination.heartbeat(at));
      const left = await store.openState();
      const previous = this.options.continueRun
        ? continuableRun(left.runs, at, this.policy.staleAfter)
        : null;
      let run: Run;
      let started: TrackerEvent[] = [];
      if (previous) {
        // The same run goes on: what it left open is resumed, not recovered, once users are resolved.
        run = { id: previous.id, startedAt: previous.startedAt, endedAt: null };
        this.lastPollAt = previous.lastPollAt;
        this.resume = left;
      } else {
        // The run and its durable run.started notifications are written in one transaction.
        run = await store.startRun(at, {
          outbox: (r) => {
            started = [createEvent('run.started', at, { runId: r.id, startedAt: iso(at) })];
            return this.dispatcher.outboxFor(started);
          },
        });
      }
      this.currentRun = run;
      this.lifecycle = 'running';
      const { users: recovered, ended } = await recover(
        this,
        run,
        previous ? { runs: left.runs, intervals: [], sessions: [] } : left,
      );
      for (const old of ended) {
        this.emit('run:end', old);
        await this.announce([
          createEvent(
            'run.ended',
            at,
            await this.runStatistics(old, await recoveredUsers(this), 'recovered'),
          ),
        ]);
      }
      if (previous) {
        this.logger.info({ runId: run.id, lastPollAt: previous.lastPollAt }, 'run continued');
        return;
      }
      this.emit('run:start', run);
      this.logger.info({ runId: run.id, recovered }, 'run started');
      this.dispatcher.dispatch(started);
    });
    return this.starting.catch((error) => {
      this.starting = null;
      throw error;
    });
  }

  /**
   * Polls every `pollInterval`, or when the poll says (`nextPollAt`: later while every reading holds);
   * how long a poll took comes from the clock, only the wait is a real timer.
   */
  private loop() {
    if (this.lifecycle !== 'running') return;
    const started = this.clock.now().getTime();
    let next = started + this.pollInterval;
    this.exclusive(() => poll(this))
      .then((result) => {
        next = started + (result.nextPollAt.getTime() - result.at.getTime());
      })
      .catch((error) => this.fail(error, 'poll', false))
      .finally(() => {
        if (this.lifecycle !== 'running') return;
        const wait = Math.max(0, next - this.clock.now().getTime());
        this.timer = setTimeout(() => this.loop(), wait);
      });
  }

  /**
   * Each person's time over the run; without them if the store cannot say, so the run still ends.
   * With coordination only the users this tracker held are its to report.
   */
  private async runStatistics(
    run: Run & { endedAt: Date },
    users: readonly User[],
    reason: TrackerEventData['run.ended']['reason'],
  ): Promise<TrackerEventData['run.ended']> {
    try {
      return await runSummary(this.options.store, run, users, this.policy, reason, {
        ...(this.options.runSummaryPeople !== undefined && { maxPeople: this.options.runSummaryPeople }),
        batchSize: this.pollBatchSize,
      });
    } catch (error) {
      this.fail(error, 'run statistics', false);
      return runSummary(this.options.store, run, [], this.policy, reason);
    }
  }
}
