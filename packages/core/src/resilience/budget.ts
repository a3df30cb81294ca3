import PQueue from 'p-queue';
import { systemClock } from '../clock.ts';
import { type TimeSeams, timerSleep } from './sleep.ts';

export interface RequestBudgetOptions extends TimeSeams {
  /** The most requests started in any window. Whole, at least 1. */
  requests: number;
  /** The window, in ms. */
  perMs: number;
}

/**
 * A sliding-window request budget: at most `requests` starts in any `perMs` (or, with `take`, at
 * most `requests` out or answered in any `perMs`), and a pause shared by
 * every caller when the server asks all of them to wait (`hold`, e.g. on a 429 with Retry-After).
 * p-queue gives the waiters their turns in order, one at a time, so no slot is counted twice; the
 * window is counted on the clock seam, not on p-queue's own interval (which reads the system clock),
 * so a test drives it with a manual clock.
 */
export class RequestBudget {
  readonly #requests: number;
  readonly #perMs: number;
  readonly #clock;
  readonly #sleep;
  readonly #turns = new PQueue({ concurrency: 1 });
  readonly #starts: number[] = [];
  /** Slots taken with `take` and not yet released: they count, and have no time yet. */
  #pending = 0;
  /** Wakes the waiter when a pending slot is released, if every counted slot was pending. */
  #onRelease: (() => void) | null = null;
  #holdUntil = 0;

  constructor(options: RequestBudgetOptions) {
    if (!Number.isInteger(options.requests) || options.requests < 1)
      throw new RangeError(
        `RequestBudget: expected requests to be a whole number, 1 or more, got ${options.requests}`,
      );
    if (!(options.perMs > 0)) throw new RangeError(`RequestBudget: expected perMs > 0, got ${options.perMs}`);
    this.#requests = options.requests;
    this.#perMs = options.perMs;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? timerSleep;
  }

  /** Resolves when one more request may start, and counts it. Rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    return this.#turns.add(() => this.#take(signal, false), signal ? { signal } : {});
  }

  /**
   * Like `acquire`, but the slot counts from when the returned `release` is called (when the answer
   * came) rather than from the start, and counts meanwhile. A server that counts requests as they
   * arrive then never sees more than `requests` in its window, however long each took to reach it.
   * Call `release` once the request is over, failed or not; a second call does nothing.
   */
  async take(signal?: AbortSignal): Promise<() => void> {
    await this.#turns.add(() => this.#take(signal, true), signal ? { signal } : {});
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#pending--;
      this.#starts.push(this.#now());
      this.#onRelease?.();
    };
  }

  /** Holds every request until `ms` from now (a longer hold already in place stays). */
  hold(ms: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, this.#now() + ms);
  }

  /** Requests waiting for their turn, the one being served included. */
  get waiting(): number {
    return this.#turns.size + this.#turns.pending;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  async #take(signal: AbortSignal | undefined, pending: boolean): Promise<void> {
    for (;;) {
      const now = this.#now();
      while (this.#starts.length > 0 && this.#starts[0]! <= now - this.#perMs) this.#starts.shift();
      let wait = this.#holdUntil - now;
      if (this.#starts.length + this.#pending >= this.#requests) {
        // Every counted slot is still out: none comes back before one is released and its window passes.
        if (this.#starts.length === 0) {
          await this.#released(signal);
          continue;
        }
        wait = Math.max(wait, this.#starts[0]! + this.#perMs - now);
      }
      if (wait <= 0) {
        if (pending) this.#pending++;
        else this.#starts.push(now);
        return;
      }
      await this.#sleep(wait, signal);
    }
  }

  #released(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const abort = () => {
        this.#onRelease = null;
        reject(signal!.reason);
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.#onRelease = () => {
        this.#onRelease = null;
        signal?.removeEventListener('abort', abort);
        resolve();
      };
    });
  }
}

/** Runs at most `concurrency` tasks at once, the rest in the order they came. */
export interface ConcurrencyLimit {
  <T>(task: () => Promise<T>): Promise<T>;
  /** Drops the tasks not yet started; their callers' promises never settle. */
  clear(): void;
  readonly active: number;
  readonly waiting: number;
}

/** A concurrency limit on p-queue. */
export function concurrencyLimit(concurrency: number): ConcurrencyLimit {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrencyLimit: expected a whole number, 1 or more, got ${concurrency}`);
  const queue = new PQueue({ concurrency });
  const run = <T>(task: () => Promise<T>): Promise<T> => queue.add(task);
  return Object.defineProperties(Object.assign(run, { clear: () => queue.clear() }), {
    active: { get: () => queue.pending },
    waiting: { get: () => queue.size },
  }) as ConcurrencyLimit;
}
