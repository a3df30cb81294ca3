import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../clock.ts';
import { PresenceTrackerError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createEvent, type TrackerEvent } from '../notifier/events.ts';
import { iso } from './events.ts';
import type { Recovered, TrackerEvents } from './tracker.ts';

/** A place that keeps failing: since when, how often, and what notifiers were last told of it. */
interface Streak {
  since: Date;
  failures: number;
  /** By error (its code, else its message): when it was last sent, and how often it came since. */
  sent: Map<string, { at: number; repeated: number }>;
}

export interface FailuresOptions {
  emitter: EventEmitter<TrackerEvents>;
  logger: Logger;
  clock: Clock;
  /** How long the same error at the same place is kept from notifiers after it was sent. */
  quietPeriod: number;
  /** The run notifiers may be told about: `null` while the tracker is not running. */
  runningRun: () => string | null;
  /** Writes events' durable notifications and hands them to notifiers. */
  announce: (events: TrackerEvent[]) => Promise<void>;
}

/**
 * The places failing now (`provider`, `store`, ...): each failure goes to listeners, and to notifiers
 * as `tracker.error` at most once per quiet period for the same error; `tracker.recovered` follows
 * once the place works again.
 */
export class Failures {
  private readonly o: FailuresOptions;
  /** Places failing now, by `where`. */
  private readonly failing = new Map<string, Streak>();

  constructor(options: FailuresOptions) {
    this.o = options;
  }

  /**
   * Reports a failure as an `error` event, and as `tracker.error` to notifiers unless the same error
   * at the same place was sent within the quiet period (then it is counted, and the count goes with
   * the next one sent). Never throws.
   */
  fail(error: unknown, where: string, notify = true): void {
    const { emitter, logger, clock } = this.o;
    const err = error instanceof Error ? error : new Error(String(error));
    const code = PresenceTrackerError.isInstance(err) ? err.code : undefined;
    logger.error({ where, error: err.message, code: (err as { code?: unknown }).code }, 'tracker error');
    emitter.emit('error', err);
    const runId = this.o.runningRun();
    if (!notify || runId === null) return;
    const now = clock.now();
    let streak = this.failing.get(where);
    if (!streak) {
      streak = { since: now, failures: 0, sent: new Map() };
      this.failing.set(where, streak);
    }
    streak.failures++;
    const key = code ?? err.message;
    const last = streak.sent.get(key);
    if (last && now.getTime() - last.at < this.o.quietPeriod) {
      last.repeated++;
      return;
    }
    streak.sent.set(key, { at: now.getTime(), repeated: 0 });
    const event = createEvent('tracker.error', now, {
      where,
      message: err.message,
      ...(code ? { code } : {}),
      runId,
      since: iso(streak.since),
      ...(last?.repeated ? { repeated: last.repeated } : {}),
    });
    this.o.announce([event]).catch(() => {});
  }

  /** `where` worked: if notifiers were told it failed, they hear that it works again. */
  succeeded(where: string): void {
    const streak = this.failing.get(where);
    if (!streak) return;
    this.failing.delete(where);
    const runId = this.o.runningRun();
    if (runId === null) return;
    const at = this.o.clock.now();
    const recovered: Recovered = { where, since: streak.since, at, failures: streak.failures };
    this.o.logger.info({ where, failures: streak.failures, since: iso(streak.since) }, 'works again');
    this.o.emitter.emit('recovered', recovered);
    const event = createEvent('tracker.recovered', at, {
      where,
      since: iso(streak.since),
      at: iso(at),
      durationMs: Math.max(0, at.getTime() - streak.since.getTime()),
      failures: streak.failures,
      runId,
    });
    this.o.announce([event]).catch((e) => this.fail(e, 'store'));
  }
}
