import { z } from 'zod';
import { type RawPresence, STATUSES, type Status } from '../model.ts';

/** One platform's latest reading of a person, as the merge rule sees it. */
export interface PlatformReading {
  /** The platform's name in `providers` (`chat`, `calendar`). */
  platform: string;
  status: Status;
  observedAt: Date;
  /** The platform says the reading holds until then (a calendar knows when a block ends). */
  validUntil?: Date;
  raw?: RawPresence;
}

/**
 * How a person's readings on several platforms become one status: an ordered list of statuses (the
 * first one any platform shows wins; statuses left out rank after those listed, in the default
 * order), or a function given the readings that count now, in the order the platforms are declared.
 */
export type MergeRule = readonly Status[] | ((readings: readonly PlatformReading[]) => Status);

/**
 * The default rule: do-not-disturb anywhere, then busy anywhere (a meeting, a call, a calendar's busy
 * block), win over available; otherwise the most reachable status wins: available, then away, then
 * offline, and `unknown` only when no platform knows better.
 */
export const DEFAULT_MERGE_ORDER: readonly Status[] = Object.freeze([
  'dnd',
  'busy',
  'available',
  'away',
  'offline',
  'unknown',
] as const);

export const mergeOrderSchema = z
  .array(z.enum(STATUSES))
  .min(1, 'expected at least one status')
  .refine((list) => new Set(list).size === list.length, 'expected every status at most once');

/** The order a list of statuses gives, completed with the statuses it leaves out. */
export function completeOrder(order: readonly Status[]): Status[] {
  return [...order, ...DEFAULT_MERGE_ORDER.filter((s) => !order.includes(s))];
}

/** Merges readings (at least one) by the rule. */
export function mergeReadings(readings: readonly PlatformReading[], rule: MergeRule): Status {
  if (typeof rule === 'function') return rule(readings);
  const rank = (s: Status) => rule.indexOf(s);
  let best = readings[0]!.status;
  for (const r of readings) if (rank(r.status) < rank(best)) best = r.status;
  return best;
}
