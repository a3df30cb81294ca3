import type { Clock } from '@presence-tracker/core';
import { RequestBudget, type Sleep } from '@presence-tracker/core/resilience';
import type { SlackMethod } from './options.ts';

const MINUTE = 60_000;

/** Raised by a budget asked for a slot now when none is free within the grace. */
class NoSlotNow extends Error {}

/**
 * One sliding-window budget per Web API method (Slack counts each method apart), on core's
 * `RequestBudget` and the clock seam. `take` waits for a slot (look-ups, which a caller waits for);
 * `takeNow` gets one only if it is free now or within `grace`, so a poll reads what the budget allows
 * and never waits out a window. Both share the window, so neither can push the other past the limit.
 */
export class MethodBudgets {
  readonly #budgets: Map<SlackMethod, RequestBudget>;
  readonly #limits: Record<SlackMethod, number>;
  // Signals that mark an acquire as "now or not at all" for the sleep seam below.
  readonly #nowOnly = new WeakSet<AbortSignal>();
  readonly #grace: number;

  constructor(limits: Record<SlackMethod, number>, seams: { clock: Clock; sleep: Sleep; grace: number }) {
    this.#limits = limits;
    this.#grace = seams.grace;
    const sleep: Sleep = (ms, signal) => {
      if (signal && this.#nowOnly.has(signal) && ms > this.#grace) return Promise.reject(new NoSlotNow());
      return seams.sleep(ms, signal);
    };
    this.#budgets = new Map(
      (Object.keys(limits) as SlackMethod[]).map((m) => [
        m,
        new RequestBudget({ requests: limits[m], perMs: MINUTE, clock: seams.clock, sleep }),
      ]),
    );
  }

  /** Waits for a slot of `method`. */
  take(method: SlackMethod, signal?: AbortSignal): Promise<void> {
    return this.#budget(method).acquire(signal);
  }

  /** A slot of `method` if one is free now (or within the grace); false otherwise, with nothing counted. */
  async takeNow(method: SlackMethod): Promise<boolean> {
    const signal = new AbortController().signal;
    this.#nowOnly.add(signal);
    try {
      await this.#budget(method).acquire(signal);
      return true;
    } catch (error) {
      if (error instanceof NoSlotNow) return false;
      throw error;
    }
  }

  /** Holds every call of `method` for `ms` (Slack said `ratelimited`, Retry-After `ms`). */
  hold(method: SlackMethod, ms: number): void {
    this.#budget(method).hold(ms);
  }

  /** Calls a minute `method` is allowed. */
  limit(method: SlackMethod): number {
    return this.#limits[method];
  }

  #budget(method: SlackMethod): RequestBudget {
    const budget = this.#budgets.get(method);
    if (!budget) throw new Error(`no budget for ${method}`);
    return budget;
  }
}

/**
 * The longest time between two readings of one person when `people` are polled every `pollInterval`
 * with `perMinute` presence calls a minute: each poll reads at most a minute's calls, and a poll that
 * comes less than a minute after the last finds the window still full until a minute has passed.
 */
export function sweepDuration(people: number, pollInterval: number, perMinute: number): number {
  if (people <= 0) return 0;
  const pollsPerWindow = Math.ceil(MINUTE / pollInterval);
  if (people * pollsPerWindow <= perMinute) return pollInterval;
  return Math.ceil(people / perMinute) * pollsPerWindow * pollInterval;
}
