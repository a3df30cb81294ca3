import { PresenceTrackerError } from '../errors.ts';
import type { TrackerOptions } from './options.ts';

/** How many people a poll asks a provider about at once when neither it nor the tracker says. */
export const DEFAULT_POLL_BATCH_SIZE = 10_000;

/**
 * How many people one `getPresence` call of a poll asks about: the tracker's `pollBatchSize`, else the
 * provider's, else `DEFAULT_POLL_BATCH_SIZE`. A provider that must be asked about everyone at once
 * (`pollBatchSize: Infinity`, one that chooses whom to read within a budget) always is.
 */
export function pollBatchSize(options: Pick<TrackerOptions, 'provider' | 'pollBatchSize'>): number {
  const { name, pollBatchSize: own } = options.provider;
  if (own === Number.POSITIVE_INFINITY) return own;
  if (own !== undefined && !(Number.isInteger(own) && own > 0)) {
    throw new PresenceTrackerError(
      'CONFIG_INVALID',
      `provider ${name}: pollBatchSize: expected a whole number of people > 0, or Infinity, received ${String(own)}`,
    );
  }
  return options.pollBatchSize ?? own ?? DEFAULT_POLL_BATCH_SIZE;
}

/**
 * The people in batches of at most `size`, as even as can be (10,001 people in batches of 10,000 are
 * two of 5,001 and 5,000, not 10,000 and 1), in their order. Each batch is made when asked for: a poll
 * holds the batch it is at rather than every batch from its start, which at a million people were
 * 8 MB of arrays that lived through the whole poll and so into V8's old space, garbage at every poll.
 */
export class Batches<T> {
  /** How many batches: 0 for no items. */
  readonly count: number;
  private readonly items: readonly T[];
  private readonly base: number;
  private readonly longer: number;

  constructor(items: readonly T[], size: number) {
    this.items = items;
    this.count = items.length === 0 ? 0 : Math.max(1, Math.ceil(items.length / size));
    this.base = this.count === 0 ? 0 : Math.floor(items.length / this.count);
    // The first `longer` batches take one more.
    this.longer = this.count === 0 ? 0 : items.length % this.count;
  }

  /** Batch `n` (from 0), a new array. */
  at(n: number): T[] {
    const from = n * this.base + Math.min(n, this.longer);
    return this.items.slice(from, from + this.base + (n < this.longer ? 1 : 0));
  }
}
