import type { Policy } from '../machine/index.ts';
import type { Interval, Run, User } from '../model.ts';
import type { PresenceStore } from '../store/index.ts';
import type { TrackerEventData, UserRunStats } from './schemas.ts';

/** How many people a `run.ended` lists by default; its totals count everyone. */
export const DEFAULT_RUN_SUMMARY_PEOPLE = 10_000;

export interface RunSummaryOptions {
  /**
   * How many people the event lists, the first by user id; the totals and `people` count everyone.
   * Default: `DEFAULT_RUN_SUMMARY_PEOPLE`.
   */
  maxPeople?: number;
  /** How many people's intervals and sessions are read from the store at once. Default: 10,000. */
  batchSize?: number;
}

/**
 * The `run.ended` payload: each tracked person's observed, available and unavailable time and
 * sessions within the run, counted from what the store kept, the way reports count them; at most
 * `maxPeople` of them listed, the totals over everyone. The store is read a batch of people at a time,
 * so the summary of a run of a million people holds one batch's records and the listed rows, not every
 * record of the run (reading them all at once had reached 1.5 GB of heap at a stop).
 */
export async function runSummary(
  store: PresenceStore,
  run: Run & { endedAt: Date },
  users: readonly User[],
  policy: Pick<Policy, 'availableStatuses'>,
  reason: TrackerEventData['run.ended']['reason'] = 'stopped',
  options: RunSummaryOptions = {},
): Promise<TrackerEventData['run.ended']> {
  const maxPeople = options.maxPeople ?? DEFAULT_RUN_SUMMARY_PEOPLE;
  const batchSize = options.batchSize ?? 10_000;
  const from = run.startedAt;
  const to = run.endedAt;
  const sorted = [...users].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rows: UserRunStats[] = [];
  const totals = { observedMs: 0, availableMs: 0, unavailableMs: 0, sessions: 0 };
  for (let start = 0; start < sorted.length; start += batchSize) {
    const batch = sorted.slice(start, start + batchSize);
    const range = { from, to, userIds: batch.map((u) => u.id) };
    const [intervals, sessions] =
      to > from ? await Promise.all([store.intervals(range), store.sessions(range)]) : [[], []];
    const byUser = new Map<string, Interval[]>();
    for (const i of intervals) {
      const list = byUser.get(i.userId);
      if (list) list.push(i);
      else byUser.set(i.userId, [i]);
    }
    const sessionCount = new Map<string, number>();
    for (const s of sessions) sessionCount.set(s.userId, (sessionCount.get(s.userId) ?? 0) + 1);
    for (const u of batch) {
      const time = countTime(byUser.get(u.id) ?? [], from, to, policy.availableStatuses);
      const count = sessionCount.get(u.id) ?? 0;
      totals.observedMs += time.observedMs;
      totals.availableMs += time.availableMs;
      totals.unavailableMs += time.unavailableMs;
      totals.sessions += count;
      if (rows.length === maxPeople) continue;
      rows.push({
        userId: u.id,
        ...(u.displayName ? { displayName: u.displayName } : {}),
        ...(u.email ? { email: u.email } : {}),
        severity: u.severity,
        ...time,
        sessions: count,
      });
    }
  }

  return {
    runId: run.id,
    startedAt: from.toISOString(),
    endedAt: to.toISOString(),
    durationMs: Math.max(0, to.getTime() - from.getTime()),
    reason,
    people: users.length,
    users: rows,
    totals,
  };
}

/** One user's intervals (in start order), clipped to `[from, to)`. */
function countTime(intervals: readonly Interval[], from: Date, to: Date, available: readonly string[]) {
  let observedMs = 0;
  let availableMs = 0;
  let longestUnavailableMs = 0;
  let stretch = 0;
  let lastEnd: number | null = null;
  for (const i of intervals) {
    const start = Math.max(i.startedAt.getTime(), from.getTime());
    const end = Math.min((i.endedAt ?? to).getTime(), to.getTime());
    if (end <= start) continue;
    const ms = end - start;
    observedMs += ms;
    if (available.includes(i.status)) {
      availableMs += ms;
      stretch = 0;
    } else {
      // Busy then offline is one stretch; a stale gap between them breaks it.
      stretch = lastEnd === start ? stretch + ms : ms;
      longestUnavailableMs = Math.max(longestUnavailableMs, stretch);
    }
    lastEnd = end;
  }
  return { observedMs, availableMs, unavailableMs: observedMs - availableMs, longestUnavailableMs };
}
