import {
  DelegateBackoff,
  ExponentialBackoff,
  halfJitterGenerator,
  handleWhen,
  type IBackoff,
  retry,
} from 'cockatiel';
import { systemClock } from '../clock.ts';
import type { RetryOptions } from './retry-options.ts';
import { type TimeSeams, timerSleep } from './sleep.ts';

/** What one attempt came to: it threw, or it returned a value (e.g. an HTTP response). */
export type Outcome<T> = { error: unknown } | { value: T };

/** One planned retry, as `onRetry` hears of it. */
export interface RetryInfo<T> {
  /** The attempt about to be made, 2 for the first retry. */
  attempt: number;
  /** How long it waits first, in ms. */
  waitMs: number;
  /** Whether the wait is the one the other side asked for (`requestedWait`) rather than back-off. */
  requested: boolean;
  outcome: Outcome<T>;
}

export interface RetryPolicyOptions<T> extends RetryOptions, TimeSeams {
  /** Whether this outcome is worth another attempt. An error it refuses is thrown at once. */
  retryOn(outcome: Outcome<T>): boolean;
  /**
   * How long the other side asked to wait, in ms from `now` (typically `parseRetryAfter(header, now)`),
   * or `undefined` to back off. Honoured even beyond `maxDelay`.
   */
  requestedWait?(outcome: Outcome<T>, now: number): number | undefined;
  /** Runs before each wait: log it, release the failed response, hold a shared budget. */
  onRetry?(info: RetryInfo<T>): void | Promise<void>;
}

export interface RetryPolicy<T> {
  /**
   * Runs `fn` until an outcome is not worth retrying or the attempts are spent. The last outcome is
   * returned or thrown as it is; an abort of `signal` stops the waiting with the signal's reason.
   */
  execute(
    fn: (context: { attempt: number; signal: AbortSignal }) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T>;
}

/**
 * Retries with cockatiel's retry policy and its exponential back-off with half jitter. The waiting
 * itself goes through the `sleep` seam (cockatiel only yields a turn of the event loop), so tests run
 * through every back-off without a wall clock.
 */
export function retryPolicy<T>(options: RetryPolicyOptions<T>): RetryPolicy<T> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? timerSleep;
  const exponential = new ExponentialBackoff({
    generator: halfJitterGenerator,
    initialDelay: options.baseDelay,
    maxDelay: options.maxDelay,
  });

  return {
    async execute(fn, signal) {
      let backoff: IBackoff<unknown> | undefined;
      let planned: RetryInfo<T> | undefined;
      const plan = (attempt: number, outcome: Outcome<T>): number => {
        backoff = backoff ? backoff.next(undefined) : exponential.next();
        const requested = options.requestedWait?.(outcome, clock.now().getTime());
        planned = {
          attempt: attempt + 1,
          waitMs: requested ?? backoff.duration,
          requested: requested !== undefined,
          outcome,
        };
        // cockatiel's own timer is not the seam; the wait happens before the next attempt below.
        return 0;
      };
      const policy = retry(
        handleWhen((error) => options.retryOn({ error })).orWhenResult((value) =>
          options.retryOn({ value: value as T }),
        ),
        {
          maxAttempts: Math.max(0, options.attempts - 1),
          backoff: new DelegateBackoff((context) => plan(context.attempt, context.result as Outcome<T>)),
        },
      );
      return policy.execute(async ({ attempt, signal: attemptSignal }) => {
        if (attempt > 0 && planned) {
          await options.onRetry?.(planned);
          await sleep(planned.waitMs, attemptSignal);
        }
        return fn({ attempt: attempt + 1, signal: attemptSignal });
      }, signal);
    },
  };
}
