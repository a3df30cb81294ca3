import { ProviderError } from '../errors.ts';
import type { PresenceStore } from '../store/index.ts';
import type { PollResult } from './tracker.ts';

/** The upper bounds, in seconds, of the buckets a poll's duration is counted in (then `+Inf`). */
export const POLL_SECONDS_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A poll's outcome: `ok`, or why nothing was read (`PollResult.skipped`). */
export type PollOutcome = 'ok' | NonNullable<PollResult['skipped']>;

/**
 * The names of the counters a tracker keeps in a store with `capabilities.counters`. A poll's
 * duration is counted in the one bucket it falls in (not cumulatively), so a bucket added later
 * only starts counting.
 */
export const POLL_COUNTERS = {
  polls: (outcome: PollOutcome) => `polls.${outcome}`,
  samples: 'samples',
  errors: 'errors',
  providerErrors: 'errors.provider',
  milliseconds: 'poll.ms',
  bucket: (le: number) => `poll.seconds.le.${Number.isFinite(le) ? le : '+Inf'}`,
} as const;

/** What a tracker's counters say, summed over runs: what a metrics endpoint shows. */
export interface PollTotals {
  /** Polls by outcome. */
  polls: Partial<Record<PollOutcome, number>>;
  /** Readings applied. */
  samples: number;
  /** Errors the tracker met, of any kind, and those that came from the provider. */
  errors: number;
  providerErrors: number;
  /** How long polls took, from their start to their write in the store. */
  seconds: {
    sum: number;
    count: number;
    /** Polls that took at most `le` seconds, for each of `POLL_SECONDS_BUCKETS`. */
    buckets: { le: number; count: number }[];
  };
}

/** Reads `counters()` as poll totals; counters a tracker does not keep are left out. */
export function pollTotals(counters: Readonly<Record<string, number>>): PollTotals {
  const polls: PollTotals['polls'] = {};
  for (const [name, value] of Object.entries(counters)) {
    if (name.startsWith('polls.')) polls[name.slice('polls.'.length) as PollOutcome] = value;
  }
  let below = 0;
  const buckets = POLL_SECONDS_BUCKETS.map((le) => {
    below += counters[POLL_COUNTERS.bucket(le)] ?? 0;
    return { le, count: below };
  });
  return {
    polls,
    samples: counters[POLL_COUNTERS.samples] ?? 0,
    errors: counters[POLL_COUNTERS.errors] ?? 0,
    providerErrors: counters[POLL_COUNTERS.providerErrors] ?? 0,
    seconds: {
      sum: (counters[POLL_COUNTERS.milliseconds] ?? 0) / 1000,
      count: below + (counters[POLL_COUNTERS.bucket(Number.POSITIVE_INFINITY)] ?? 0),
      buckets,
    },
  };
}

/**
 * Polls and errors counted under `POLL_COUNTERS`' names: the tracker's counts since it last wrote
 * them to the store, or a host's own tally of a tracker's `poll` and `error` events.
 */
export class PollCounters {
  private counts: Record<string, number> = {};

  /** Counts a poll that took `milliseconds`, from its start to its write. */
  poll(result: PollResult, milliseconds: number): void {
    const ms = Math.max(0, Math.round(milliseconds));
    const le = POLL_SECONDS_BUCKETS.find((bound) => ms <= bound * 1000) ?? Number.POSITIVE_INFINITY;
    this.add({
      [POLL_COUNTERS.polls(result.skipped ?? 'ok')]: 1,
      [POLL_COUNTERS.samples]: result.samples,
      [POLL_COUNTERS.milliseconds]: ms,
      [POLL_COUNTERS.bucket(le)]: 1,
    });
  }

  error(error: unknown): void {
    this.add({ [POLL_COUNTERS.errors]: 1 });
    if (ProviderError.isInstance(error)) this.add({ [POLL_COUNTERS.providerErrors]: 1 });
  }

  add(counts: Readonly<Record<string, number>>): void {
    for (const [name, amount] of Object.entries(counts))
      this.counts[name] = (this.counts[name] ?? 0) + amount;
  }

  /** What is counted so far. */
  peek(): Record<string, number> {
    return { ...this.counts };
  }

  /**
   * Adds what was counted to `runId`'s counters in the store (when it keeps counters) and starts
   * again from zero. A store that fails leaves the counts here for the next time, so a store that
   * is away loses none (a process that dies meanwhile loses what it held).
   */
  async flush(store: PresenceStore, runId: string): Promise<void> {
    if (!store.capabilities.counters || !store.addCounters) return;
    const counts = this.counts;
    if (Object.keys(counts).length === 0) return;
    this.counts = {};
    try {
      await store.addCounters({ runId, counts });
    } catch {
      // The store is away (the poll's own write says so): the counts wait for the next flush.
      this.add(counts);
    }
  }
}
