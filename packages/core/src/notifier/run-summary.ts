import type { Policy } from '../machine/index.ts';
import type { Interval, Run, User } from '../model.ts';
import type { PresenceStore } from '../store/index.ts';
import type { TrackerEventData, UserRunStats } from './schemas.ts';

/**
 * The `run.ended` payload: each tracked person's observed, available and unavailable time and
 * sessions within the run, counted from what the store kept, the way reports count them.
 */
export async function runSummary(
  store: PresenceStore,
  run: Run & { endedAt: Date },
  users: readonly User[],
  policy: Pick<Policy, 'availableStatuses'>,
  reason: TrackerEventData['run.ended']['reason'] = 'stopped',
): Promise<TrackerEventData['run.ended']> {
  const from = run.startedAt;
  const to = run.endedAt;
  const ids = users.map((u) => u.id);
  const range = { from, to, userIds: ids };
  const [intervals, sessions] =
    ids.length > 0 && to > from
      ? await Promise.all([store.intervals(range), store.sessions(range)])
      : [[], []];

  const byUser = new Map<string, Interval[]>();
  for (const i of intervals) {
    const list = byUser.get(i.userId);
    if (list) list.push(i);
    else byUser.set(i.userId, [i]);
  }
  const sessionCount = new Map<string, number>();
  for (const s of sessions) sessionCount.set(s.userId, (sessionCount.get(s.userId) ?? 0) + 1);

  const rows = [...users]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((u): UserRunStats => {
      const time = countTime(byUser.get(u.id) ?? [], from, to, policy.availableStatuses);
      return {
        userId: u.id,
        ...(u.displayName ? { displayName: u.displayName } : {}),
        ...(u.email ? { email: u.email } : {}),
        severity: u.severity,
        ...time,
        sessions: sessionCount.get(u.id) ?? 0,
      };
    });

  const sum = (pick: (r: UserRunStats) => number) => rows.reduce((total, r) => total + pick(r), 0);
  return {
    runId: run.id,
    startedAt: from.toISOString(),
    endedAt: to.toISOString(),
    durationMs: Math.max(0, to.getTime() - from.getTime()),
    reason,
    users: rows,
    totals: {
      observedMs: sum((r) => r.observedMs),
      availableMs: sum((r) => r.availableMs),
      unavailableMs: sum((r) => r.unavailableMs),
      sessions: sum((r) => r.sessions),
    },
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
