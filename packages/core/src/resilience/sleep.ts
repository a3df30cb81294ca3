import type { Clock } from '../clock.ts';

/** Waits `ms`, or rejects with the signal's reason once it aborts. The seam that tests replace. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Sleeps on the event loop's timers. */
export const timerSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

/**
 * A sleep that moves a test clock forward instead of waiting, and records every wait: limiters and
 * retries built on it run through hours of back-off in moments, with no wall clock.
 */
export function advancingSleep(clock: { advance(ms: number): unknown }): Sleep & { waits: number[] } {
  const waits: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    waits.push(ms);
    clock.advance(ms);
  };
  return Object.assign(sleep, { waits });
}

/** The seams every limiter and retry takes; both default to the real ones. */
export interface TimeSeams {
  clock?: Clock;
  sleep?: Sleep;
}
