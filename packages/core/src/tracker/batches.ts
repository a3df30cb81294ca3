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
 * two of 5,001 and 5,000, not 10,000 and 1), in their order.
 */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  if (items.length === 0) return [];
  const count = Math.max(1, Math.ceil(items.length / size));
  const base = Math.floor(items.length / count);
  const batches: T[][] = [];
  for (let n = 0, at = 0; n < count; n++) {
    // The first `items.length % count` batches take one more.
    const length = base + (n < items.length % count ? 1 : 0);
    batches.push(items.slice(at, at + length));
    at += length;
  }
  return batches;
}
