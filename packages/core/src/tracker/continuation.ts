import type { LeftOpen, Policy, UserState } from '../machine/index.ts';
import { unavailableThreshold } from '../machine/policy.ts';
import type { User } from '../model.ts';
import type { OpenState } from '../store/index.ts';

type OpenRun = OpenState['runs'][number];

/**
 * The run a new start may continue: the newest open run, if its last poll was no longer than
 * `staleAfter` ago, so that nobody it watched has gone stale in between.
 */
export function continuableRun(runs: readonly OpenRun[], at: Date, staleAfter: number): OpenRun | null {
  let newest: OpenRun | null = null;
  for (const run of runs) if (!newest || lastPoll(run) > lastPoll(newest)) newest = run;
  if (!newest) return null;
  const gap = at.getTime() - lastPoll(newest).getTime();
  return gap >= 0 && gap <= staleAfter ? newest : null;
}

export function lastPoll(run: OpenRun): Date {
  return run.lastPollAt ?? run.startedAt;
}

/** What the store holds open, by user. */
export function openByUser(left: Pick<OpenState, 'intervals' | 'sessions'>): Map<string, LeftOpen> {
  const byUser = new Map<string, LeftOpen>();
  const entry = (userId: string) => {
    let e = byUser.get(userId);
    if (!e) {
      e = {};
      byUser.set(userId, e);
    }
    return e;
  };
  for (const i of left.intervals) entry(i.userId).interval = i;
  for (const s of left.sessions) entry(s.userId).session = s;
  return byUser;
}

/**
 * The machine's state for a user whose interval and session a previous process of the same run left
 * open, so that the next sample continues them instead of starting afresh. An unavailability stretch
 * is taken to begin with the open interval (the store keeps no more of it), and counts as announced
 * once its threshold had passed at the last sighting, so a continued run does not announce it again.
 */
export function resumedState(user: User, open: LeftOpen, policy: Policy): UserState {
  const interval = open.interval ?? null;
  const session = open.session ?? null;
  const lastSeenAt = interval?.lastSeenAt ?? null;
  const present = interval !== null && policy.presentStatuses.includes(interval.status);
  const unavailableSince =
    interval !== null && !policy.availableStatuses.includes(interval.status) ? interval.startedAt : null;
  const threshold = unavailableThreshold(policy, user.severity);
  return {
    userId: user.id,
    severity: user.severity,
    lastSampleAt: lastSeenAt ?? session?.lastSeenAt ?? null,
    lastSeenAt,
    // The store keeps no sample's validUntil: a continued user is confirmed to the last sighting.
    heldUntil: null,
    interval: interval && { status: interval.status, startedAt: interval.startedAt },
    session: session && {
      startedAt: session.startedAt,
      lastSeenAt: session.lastSeenAt,
      // Out of the present statuses with the session still open: left, waiting on the merge gap.
      leftAt: interval !== null && !present ? interval.startedAt : null,
    },
    unavailableSince,
    unavailableNotified:
      unavailableSince !== null &&
      lastSeenAt !== null &&
      threshold !== null &&
      lastSeenAt.getTime() - unavailableSince.getTime() > threshold,
  };
}
