import { EventEmitter } from 'eventemitter3';
import { type Clock, systemClock } from '../clock.ts';
import { type ShardLease, shardOf } from '../coordination/index.ts';
import { PresenceTrackerError } from '../errors.ts';
import { type Logger, silentLogger } from '../logger.ts';
import {
  type Effect,
  initialState,
  type MachineEvent,
  type Policy,
  resolvePolicy,
  transition,
  type UserState,
} from '../machine/index.ts';
import type { PresenceSample, Run, SessionEndReason, Severity, Status, User } from '../model.ts';
import { Dispatcher } from '../notifier/dispatcher.ts';
import { createEvent, type TrackerEvent, type TrackerEventType } from '../notifier/events.ts';
import { runSummary } from '../notifier/run-summary.ts';
import type { TrackerEventData } from '../notifier/schemas.ts';
import { type CompiledSchedule, compileSchedule } from '../schedule/index.ts';
import type { OpenState, PollWrite } from '../store/index.ts';
import { continuableRun, openByUser, resumedState } from './continuation.ts';
import { checkTrackerOptions, type TrackerOptions, type UserSpec } from './options.ts';
import { Spool } from './spool.ts';
import { WriteQueue } from './write-queue.ts';

export type { TrackerOptions, UserSpec } from './options.ts';

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

const DEFAULT_POLL_INTERVAL = 60_000;
const DEFAULT_STOP_TIMEOUT = 10_000;
const DEFAULT_ERROR_QUIET_PERIOD = 60 * 60_000;

/** A place that keeps failing: since when, how often, and what notifiers were last told of it. */
interface Streak {
  since: Date;
  failures: number;
  /** By error (its code, else its message): when it was last sent, and how often it came since. */
  sent: Map<string, { at: number; repeated: number }>;
}

export function createTracker(options: TrackerOptions): Tracker {
  checkTrackerOptions(options);
  return new PresenceTracker(options);
}

class PresenceTracker extends EventEmitter<TrackerEvents> implements Tracker {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly policy: Policy;
  private readonly pollInterval: number;
  private readonly schedule: CompiledSchedule | null;
  private readonly dispatcher: Dispatcher;
  private readonly states = new Map<string, UserState>();
  private readonly lastStatus = new Map<string, Status>();
  private tracked: User[] = [];
  private byId = new Map<string, User>();
  private resolved = false;
  private currentRun: Run | null = null;
  private lifecycle: TrackerState = 'idle';
  private starting: Promise<void> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private lastPollAt: Date | null = null;
  private readonly writes: WriteQueue;
  private spool: Spool | null = null;
  private subscription: { close(): Promise<void> } | null = null;
  /** With coordination, the leases held now; without it, `null`: every user is this tracker's. */
  private leases: ShardLease[] | null = null;
  /** The shards of `leases`, for a constant-time check per user. */
  private held = new Set<number>();
  /** Users whose write the store refused as conflicting; started afresh at the next poll. */
  private readonly conflicted = new Set<string>();
  /**
   * With `continueRun`, what the continued run left open, kept until users are resolved: their states
   * resume from it. `null` when this start began a run of its own.
   */
  private resume: OpenState | null = null;
  /** Places failing now, by `where`. */
  private readonly failing = new Map<string, Streak>();

  private readonly options: TrackerOptions;

  constructor(options: TrackerOptions) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.pollInterval = options.pollInterval ?? DEFAULT_POLL_INTERVAL;
    this.policy = resolvePolicy({ staleAfter: 3 * this.pollInterval, ...options.policy });
    this.schedule = options.schedule ? compileSchedule(options.schedule) : null;
    this.dispatcher = new Dispatcher(options.store, options.notifiers ?? [], this.logger, (error, n) =>
      this.fail(error, `notifier ${n.name}`, false),
    );
    this.writes = new WriteQueue(options.store, (write, why, error) => {
      switch (why) {
        case 'fenced':
          // Another tracker holds these users now; what this one decided about them is void.
          this.dropUsers(() => true);
          this.hold([]);
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
    return (this.leases ?? []).map((l) => l.shard);
  }

  private owns(userId: string): boolean {
    const { coordination } = this.options;
    if (!coordination) return true;
    const shard = shardOf(userId, coordination.shards);
    return this.held.has(shard);
  }

  async start(): Promise<void> {
    await this.begin();
    if (this.timer === null && this.lifecycle === 'running') this.loop();
  }

  async runOnce(): Promise<PollResult> {
    await this.begin();
    return this.exclusive(() => this.poll());
  }

  async stop(): Promise<void> {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'idle') {
      this.lifecycle = 'stopped';
      await this.closeSpool();
      return;
    }
    if (this.starting) await this.starting.catch(() => {});
    this.lifecycle = 'stopping';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.subscription?.close().catch((e) => this.fail(e, 'unsubscribe', false));
    this.subscription = null;
    try {
      await this.exclusive(async () => {
        const at = this.clock.now();
        const effects = this.closeFinishedWindow(at);
        if (this.options.continueRun) {
          // The next start continues this run, or, if it comes later than staleAfter, recovers it and
          // ends it at its last poll: either way nothing is closed at this stop.
          await this.commit(at, [], effects);
          this.logger.info({ runId: this.currentRun!.id }, 'run left open for the next start');
          return;
        }
        effects.push(...this.applyAll({ type: 'stop', at }));
        await this.commit(at, [], effects);
        const run = this.currentRun!;
        await this.options.store.endRun(run.id, at);
        const ended = { ...run, endedAt: at };
        this.currentRun = ended;
        this.emit('run:end', ended);
        const held = this.tracked.filter((u) => this.states.has(u.id));
        await this.announce([this.event('run.ended', at, await this.runStatistics(ended, held, 'stopped'))]);
      });
      await this.options.coordination?.release();
      if (this.options.coordination) this.hold([]);
    } finally {
      await this.dispatcher.close(this.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT);
      await this.closeSpool();
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
      await this.replay();
      const at = this.clock.now();
      if (this.options.coordination) this.hold(await this.options.coordination.heartbeat(at));
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
            started = [this.event('run.started', at, { runId: r.id, startedAt: iso(at) })];
            return this.dispatcher.outboxFor(started);
          },
        });
      }
      this.currentRun = run;
      this.lifecycle = 'running';
      const { users: recovered, ended } = await this.recover(
        run,
        previous ? { runs: left.runs, intervals: [], sessions: [] } : left,
      );
      for (const old of ended) {
        this.emit('run:end', old);
        await this.announce([
          this.event(
            'run.ended',
            at,
            await this.runStatistics(old, await this.recoveredUsers(), 'recovered'),
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
   * Opens the spool and writes what a tracker killed while the store was away left in it, before
   * anything is recovered, so recovery sees every reading that tracker decided.
   */
  private async replay() {
    const path = this.options.spool?.path;
    if (!path) return;
    if (!this.spool) {
      const spool = await Spool.open(path, this.logger);
      this.spool = spool;
      await spool.dropWhere(await this.unknownRuns(spool));
      this.writes.useSpool(spool);
    }
    const failure = await this.writes.flush();
    if (failure) throw failure;
  }

  /**
   * Which held writes name a run the store does not know (its database was replaced meanwhile): they
   * could never land, and would hold up every later write. Only asked when there is something to replay.
   */
  private async unknownRuns(spool: Spool): Promise<(write: PollWrite) => boolean> {
    if (spool.pending.length === 0) return () => false;
    const last = Math.max(...spool.pending.map((p) => p.write.at.getTime()));
    const runs = await this.options.store.runs({ from: new Date(0), to: new Date(last + 1) });
    const known = new Set(runs.map((r) => r.id));
    return (write) => {
      if (known.has(write.runId)) return false;
      this.logger.warn(
        { spool: spool.file, runId: write.runId, at: write.at },
        'spool: dropping a write for a run the store does not know',
      );
      return true;
    };
  }

  private async closeSpool() {
    await this.spool?.close().catch((e) => this.fail(e, 'spool', false));
    this.spool = null;
  }

  /**
   * Closes what crashed runs left open at each user's last sighting, then ends those runs at their last
   * poll; returns how many users were recovered and the runs ended.
   */
  private async recover(run: Run, left: OpenState) {
    const { store, coordination } = this.options;
    await this.recoverUsers(run.startedAt, left);
    const ended: (Run & { endedAt: Date })[] = [];
    for (const old of left.runs) {
      if (old.id === run.id) continue;
      const last = old.lastPollAt ?? old.startedAt;
      // Another tracker's run is alive while it keeps polling; only a silent one is over.
      if (coordination && run.startedAt.getTime() - last.getTime() <= coordination.leaseTtl) continue;
      await store.endRun(old.id, last);
      ended.push({ id: old.id, startedAt: old.startedAt, endedAt: last });
    }
    const users = new Set(
      [...left.intervals, ...left.sessions].map((o) => o.userId).filter((id) => this.owns(id)),
    ).size;
    return { users, ended };
  }

  /** Whom a recovered run's statistics cover: everyone the store knows that this tracker owns. */
  private async recoveredUsers(): Promise<User[]> {
    try {
      return (await this.options.store.users()).filter((u) => this.owns(u.id));
    } catch (error) {
      this.fail(error, 'run statistics', false);
      return [];
    }
  }

  /** Closes, at their last sighting, the open intervals and sessions of the users this tracker owns. */
  private async recoverUsers(at: Date, left: Pick<OpenState, 'intervals' | 'sessions'>) {
    const byUser = new Map<string, MachineEvent & { type: 'recover' }>();
    const entry = (userId: string) => {
      let e = byUser.get(userId);
      if (!e) {
        e = { type: 'recover', open: {} };
        byUser.set(userId, e);
      }
      return e;
    };
    for (const i of left.intervals) if (this.owns(i.userId)) entry(i.userId).open.interval = i;
    for (const s of left.sessions) if (this.owns(s.userId)) entry(s.userId).open.session = s;
    const effects: Effect[] = [];
    for (const [userId, event] of byUser) {
      effects.push(...transition(initialState(userId), event, this.policy).effects);
    }
    if (effects.length > 0) await this.commit(at, [], effects);
  }

  /**
   * Renews this tracker's leases. Users of shards lost are dropped without a word (their new holder
   * recovers them from the store); users of shards gained are recovered, then tracked.
   */
  private async rebalance(at: Date): Promise<boolean> {
    const { coordination } = this.options;
    if (!coordination) return true;
    let leases: ShardLease[];
    try {
      leases = await coordination.heartbeat(at);
      this.succeeded('coordination');
    } catch (error) {
      this.fail(error, 'coordination');
      this.dropUsers(() => true);
      this.hold([]);
      return false;
    }
    const before = new Map((this.leases ?? []).map((l) => [l.shard, l.generation]));
    this.hold(leases);
    // A shard whose generation changed went through other hands: what this tracker knew of it is stale.
    const gained = new Set(leases.filter((l) => before.get(l.shard) !== l.generation).map((l) => l.shard));
    const inGained = (id: string) => gained.has(shardOf(id, coordination.shards));
    this.dropUsers((id) => !this.owns(id) || inGained(id));
    // Before users are resolved there is nobody to recover; resolving recovers every user it keeps.
    if (gained.size > 0 && this.resolved) {
      await this.resync(
        at,
        this.tracked.filter((u) => inGained(u.id)),
      );
      this.logger.info({ gained: [...gained], held: this.shards.length }, 'shards taken over');
    }
    return true;
  }

  /** Closes what the store holds open for these users at their last sighting, then tracks them afresh. */
  private async resync(at: Date, users: readonly User[]) {
    const ids = new Set(users.map((u) => u.id));
    this.dropUsers((id) => ids.has(id));
    await this.recoverUsers(at, await this.options.store.openState({ userIds: users.map((u) => u.id) }));
    for (const u of users) if (this.owns(u.id)) this.states.set(u.id, initialState(u.id, u.severity));
  }

  private hold(leases: ShardLease[]) {
    this.leases = leases;
    this.held = new Set(leases.map((l) => l.shard));
  }

  private dropUsers(which: (userId: string) => boolean) {
    for (const id of [...this.states.keys()]) if (which(id)) this.states.delete(id);
  }

  /** Polls every `pollInterval`; how long a poll took comes from the clock, only the wait is a real timer. */
  private loop() {
    const started = this.clock.now().getTime();
    this.exclusive(() => this.poll())
      .catch((error) => this.fail(error, 'poll', false))
      .finally(() => {
        if (this.lifecycle !== 'running') return;
        const wait = Math.max(0, this.pollInterval - (this.clock.now().getTime() - started));
        this.timer = setTimeout(() => this.loop(), wait);
      });
  }

  /** Runs `task` after every earlier task, so polls, pushes and the stop never interleave. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task);
    this.chain = result.catch(() => {});
    return result;
  }

  private async poll(): Promise<PollResult> {
    const at = this.clock.now();
    if (!(await this.rebalance(at)))
      return this.done({ at, skipped: 'coordination-error', samples: 0, effects: 0 });
    if (!(await this.ensureUsers())) return this.done({ at, skipped: 'no-users', samples: 0, effects: 0 });
    if (this.conflicted.size > 0) {
      const users = this.tracked.filter((u) => this.conflicted.has(u.id));
      this.conflicted.clear();
      await this.resync(at, users);
    }
    const effects = this.closeFinishedWindow(at);
    this.lastPollAt = at;
    if (this.schedule && this.schedule.windowAt(at) === null) {
      await this.commit(at, [], effects);
      return this.done({ at, skipped: 'outside-window', samples: 0, effects: effects.length });
    }

    let samples: PresenceSample[] = [];
    let skipped: PollResult['skipped'];
    try {
      samples = await this.options.provider.getPresence([...this.states.keys()]);
      this.succeeded('provider');
    } catch (error) {
      skipped = 'provider-error';
      this.fail(error, 'provider');
    }
    const applied = this.applySamples(samples, effects);
    effects.push(...this.applyAll({ type: 'tick', at }));
    await this.commit(at, applied, effects);
    return this.done({
      at,
      ...(skipped ? { skipped } : {}),
      samples: applied.length,
      effects: effects.length,
    });
  }

  /** Everything open ends when the window it was seen in closed, however late the next poll comes. */
  private closeFinishedWindow(at: Date): Effect[] {
    if (!this.schedule || !this.lastPollAt) return [];
    const before = this.schedule.windowAt(this.lastPollAt);
    if (!before || before.end > at) return [];
    return this.applyAll({ type: 'windowClose', at: before.end });
  }

  private done(result: PollResult): PollResult {
    this.emit('poll', result);
    return result;
  }

  /** Resolves the configured users once; a failure is reported and tried again on the next poll. */
  private async ensureUsers(): Promise<boolean> {
    if (this.resolved) return true;
    const { provider, store, users } = this.options;
    try {
      let found: User[];
      let unresolved: { key: string; reason: string }[] = [];
      if (users === 'discover') {
        if (!provider.discoverUsers) {
          throw new PresenceTrackerError('CONFIG_INVALID', `provider ${provider.name} cannot discover users`);
        }
        found = (await provider.discoverUsers()).map((u) => ({ ...u, severity: 0 }));
      } else {
        const specs = users.map((u): UserSpec => (typeof u === 'string' ? { key: u } : u));
        const result = await provider.resolveUsers(specs.map((s) => s.key));
        unresolved = result.unresolved;
        const byKey = new Map(specs.map((s) => [s.key.toLowerCase(), s]));
        found = result.resolved.map((u) => {
          const spec = byKey.get(u.key.toLowerCase());
          return {
            ...u,
            ...(spec?.displayName ? { displayName: spec.displayName } : {}),
            severity: spec?.severity ?? 0,
          };
        });
      }
      const unique = [...new Map(found.map((u) => [u.id, u])).values()];
      await store.upsertUsers(unique);
      this.tracked = unique;
      this.byId = new Map(unique.map((u) => [u.id, u]));
      // Shards may have come to this tracker before its users were known: recover those users now.
      const owned = unique.filter((u) => this.owns(u.id));
      if (this.options.coordination) await this.resync(this.clock.now(), owned);
      else await this.resumeUsers(owned);
      this.resolved = true;
      for (const u of unresolved) this.logger.warn({ key: u.key, reason: u.reason }, 'user not found');
      this.logger.info({ users: unique.length, unresolved: unresolved.length }, 'users resolved');
      this.emit('users', { tracked: unique, unresolved });
      this.succeeded('resolving users');
      await this.subscribe();
      return true;
    } catch (error) {
      this.fail(error, 'resolving users');
      return false;
    }
  }

  /** Starts tracking users: afresh, or where a continued run left them. */
  private async resumeUsers(users: readonly User[]) {
    const left = this.resume;
    this.resume = null;
    const open = left ? openByUser(left) : new Map();
    for (const u of users) {
      const was = open.get(u.id);
      this.states.set(u.id, was ? resumedState(u, was, this.policy) : initialState(u.id, u.severity));
      if (was?.interval) this.lastStatus.set(u.id, was.interval.status);
    }
    if (!left) return;
    // People no longer configured: what they left open ends at their last sighting, as in a recovery.
    const kept = new Set(users.map((u) => u.id));
    await this.recoverUsers(this.clock.now(), {
      intervals: left.intervals.filter((i) => !kept.has(i.userId)),
      sessions: left.sessions.filter((s) => !kept.has(s.userId)),
    });
  }

  private async subscribe() {
    const { provider } = this.options;
    if (!provider.subscribe || this.tracked.length === 0) return;
    this.subscription = await provider.subscribe(
      this.tracked.map((u) => u.id),
      (samples) => {
        if (this.lifecycle !== 'running') return;
        this.exclusive(async () => {
          const effects: Effect[] = [];
          const applied = this.applySamples(samples, effects);
          await this.commit(this.clock.now(), applied, effects);
        }).catch((error) => this.fail(error, 'push'));
      },
    );
  }

  private applySamples(samples: readonly PresenceSample[], effects: Effect[]): PresenceSample[] {
    const applied: PresenceSample[] = [];
    const ordered = [...samples].sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
    for (const sample of ordered) {
      const state = this.states.get(sample.userId);
      if (!state) continue;
      const result = transition(state, { type: 'sample', sample }, this.policy);
      this.states.set(sample.userId, result.state);
      effects.push(...result.effects);
      applied.push(sample);
    }
    return applied;
  }

  private applyAll(event: MachineEvent): Effect[] {
    const effects: Effect[] = [];
    for (const [userId, state] of this.states) {
      const result = transition(state, event, this.policy);
      if (result.state !== state) this.states.set(userId, result.state);
      for (const e of result.effects) effects.push(e);
    }
    return effects;
  }

  /**
   * Writes a poll's effects, samples and durable notifications in one transaction, then tells
   * listeners and notifiers, only once the write is in the store. A write that fails is kept (and
   * spooled) and written first next time, so nothing the machine decided is lost while the store is
   * away; its events follow when it lands.
   */
  private async commit(at: Date, samples: PresenceSample[], effects: Effect[]): Promise<void> {
    const events = this.toEvents(effects, at);
    const write: PollWrite = {
      runId: this.currentRun!.id,
      at,
      samples,
      effects,
      outbox: this.dispatcher.outboxFor(events),
      ...(this.leases && this.options.coordination
        ? { fence: { owner: this.options.coordination.owner, leases: this.leases } }
        : {}),
    };
    if (samples.length > 0 || effects.length > 0) {
      await this.writes.add(write, () => {
        for (const s of samples) this.emit('sample', s);
        this.emitEffects(effects);
        this.dispatcher.dispatch(events);
      });
    }
    if (this.writes.size === 0) return;
    const failure = await this.writes.flush();
    if (failure) {
      this.fail(failure, 'store');
      if (this.lifecycle === 'stopping') throw failure;
    } else this.succeeded('store');
  }

  private async announce(events: TrackerEvent[]) {
    const outbox = this.dispatcher.outboxFor(events);
    if (outbox.length > 0) await this.options.store.outboxEnqueue(outbox);
    this.dispatcher.dispatch(events);
  }

  private emitEffects(effects: readonly Effect[]) {
    for (const e of effects) {
      switch (e.type) {
        case 'interval.open': {
          const previous = this.lastStatus.get(e.userId) ?? null;
          this.lastStatus.set(e.userId, e.status);
          this.emit('status', { userId: e.userId, status: e.status, previous, at: e.startedAt });
          break;
        }
        case 'interval.close':
          break;
        case 'session.open':
          this.emit('session:start', { userId: e.userId, startedAt: e.startedAt });
          break;
        case 'session.close':
          this.emit('session:end', {
            userId: e.userId,
            startedAt: e.startedAt,
            endedAt: e.endedAt,
            lastSeenAt: e.lastSeenAt,
            reason: e.reason,
          });
          break;
        case 'unavailable.long':
          this.emit('unavailable:long', { ...e });
          break;
        case 'seen':
          break;
        default: {
          const unhandled: never = e;
          throw new TypeError(`unknown effect ${(unhandled as { type: string }).type}`);
        }
      }
    }
  }

  private toEvents(effects: readonly Effect[], at: Date): TrackerEvent[] {
    const events: TrackerEvent[] = [];
    for (const e of effects) {
      if (e.type === 'session.open') {
        events.push(
          this.event('session.started', at, { ...this.person(e.userId), startedAt: iso(e.startedAt) }),
        );
      } else if (e.type === 'session.close') {
        events.push(
          this.event('session.ended', at, {
            ...this.person(e.userId),
            startedAt: iso(e.startedAt),
            endedAt: iso(e.endedAt),
            durationMs: e.endedAt.getTime() - e.startedAt.getTime(),
            reason: e.reason,
          }),
        );
      } else if (e.type === 'unavailable.long') {
        events.push(
          this.event('unavailable.long', at, {
            ...this.person(e.userId),
            status: e.status,
            since: iso(e.since),
            durationMs: e.at.getTime() - e.since.getTime(),
            thresholdMs: e.thresholdMs,
          }),
        );
      }
    }
    return events;
  }

  private person(userId: string) {
    const u = this.byId.get(userId);
    return {
      userId,
      ...(u?.displayName ? { displayName: u.displayName } : {}),
      ...(u?.email ? { email: u.email } : {}),
      severity: u?.severity ?? 0,
    };
  }

  private event<T extends TrackerEventType>(
    type: T,
    timestamp: Date,
    data: TrackerEventData[T],
  ): TrackerEvent {
    return createEvent(type, timestamp, data);
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
      return await runSummary(this.options.store, run, users, this.policy, reason);
    } catch (error) {
      this.fail(error, 'run statistics', false);
      return runSummary(this.options.store, run, [], this.policy, reason);
    }
  }

  /**
   * Reports a failure as an `error` event, and as `tracker.error` to notifiers unless the same error
   * at the same place was sent within the quiet period (then it is counted, and the count goes with
   * the next one sent). Never throws.
   */
  private fail(error: unknown, where: string, notify = true) {
    const err = error instanceof Error ? error : new Error(String(error));
    const code = PresenceTrackerError.isInstance(err) ? err.code : undefined;
    this.logger.error({ where, error: err.message, code: (err as { code?: unknown }).code }, 'tracker error');
    this.emit('error', err);
    if (!notify || !this.currentRun || this.lifecycle !== 'running') return;
    const now = this.clock.now();
    let streak = this.failing.get(where);
    if (!streak) {
      streak = { since: now, failures: 0, sent: new Map() };
      this.failing.set(where, streak);
    }
    streak.failures++;
    const key = code ?? err.message;
    const last = streak.sent.get(key);
    const quiet = this.options.errorQuietPeriod ?? DEFAULT_ERROR_QUIET_PERIOD;
    if (last && now.getTime() - last.at < quiet) {
      last.repeated++;
      return;
    }
    streak.sent.set(key, { at: now.getTime(), repeated: 0 });
    const event = this.event('tracker.error', now, {
      where,
      message: err.message,
      ...(code ? { code } : {}),
      runId: this.currentRun.id,
      since: iso(streak.since),
      ...(last?.repeated ? { repeated: last.repeated } : {}),
    });
    this.announce([event]).catch(() => {});
  }

  /** `where` worked: if notifiers were told it failed, they hear that it works again. */
  private succeeded(where: string) {
    const streak = this.failing.get(where);
    if (!streak) return;
    this.failing.delete(where);
    if (!this.currentRun || this.lifecycle !== 'running') return;
    const at = this.clock.now();
    const recovered: Recovered = { where, since: streak.since, at, failures: streak.failures };
    this.logger.info({ where, failures: streak.failures, since: iso(streak.since) }, 'works again');
    this.emit('recovered', recovered);
    const event = this.event('tracker.recovered', at, {
      where,
      since: iso(streak.since),
      at: iso(at),
      durationMs: Math.max(0, at.getTime() - streak.since.getTime()),
      failures: streak.failures,
      runId: this.currentRun.id,
    });
    this.announce([event]).catch((e) => this.fail(e, 'store'));
  }
}

function iso(d: Date): string {
  return d.toISOString();
}
