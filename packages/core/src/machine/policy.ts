import type { Severity, Status } from '../model.ts';

/** How readings become sessions, availability and alerts. Durations are milliseconds. */
export interface Policy {
  /** Statuses in which a user counts as present (in a session). Default: all but `offline` and `unknown`. */
  presentStatuses: readonly Status[];
  /** Statuses that count as available. Default: `['available']`. */
  availableStatuses: readonly Status[];
  /** A user not confirmed by a sample for longer than this becomes unobserved. Default: 3 poll intervals. */
  staleAfter: number;
  /** A drop out of the present statuses that comes back within this does not split a session. Default: 0. */
  mergeGap: number;
  /**
   * How long an unavailability may last before `unavailable.long` is raised, per severity (index 0..3);
   * `null` raises nothing for that severity. Default: 60, 30, 15 and 5 minutes.
   */
  unavailableAfter: readonly [number | null, number | null, number | null, number | null];
}

export type PolicyOptions = Partial<Policy>;

const MINUTE = 60_000;

export const DEFAULT_POLICY: Policy = Object.freeze({
  presentStatuses: Object.freeze(['available', 'busy', 'dnd', 'away'] as Status[]),
  availableStatuses: Object.freeze(['available'] as Status[]),
  staleAfter: 3 * 60_000,
  mergeGap: 0,
  unavailableAfter: Object.freeze([
    60 * MINUTE,
    30 * MINUTE,
    15 * MINUTE,
    5 * MINUTE,
  ]) as Policy['unavailableAfter'],
});

export function resolvePolicy(options: PolicyOptions = {}, defaults: Policy = DEFAULT_POLICY): Policy {
  return {
    presentStatuses: options.presentStatuses ?? defaults.presentStatuses,
    availableStatuses: options.availableStatuses ?? defaults.availableStatuses,
    staleAfter: options.staleAfter ?? defaults.staleAfter,
    mergeGap: options.mergeGap ?? defaults.mergeGap,
    unavailableAfter: options.unavailableAfter ?? defaults.unavailableAfter,
  };
}

export function unavailableThreshold(policy: Policy, severity: Severity): number | null {
  return policy.unavailableAfter[severity] ?? null;
}
