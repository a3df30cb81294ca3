import {
  type Effect,
  initialState,
  type PresenceSample,
  resolvePolicy,
  StateTable,
  type Status,
  transition,
  type UserState,
} from '@presence-tracker/core';
import { type BenchRow, collector, inTurns } from './lib.ts';

const USERS = 10_000;
const POLLS = 20;
const STATUSES: Status[] = ['available', 'busy', 'away', 'available', 'dnd', 'offline'];

/**
 * The state machine's throughput over 10,000 users, against the least a tracker must do per sample:
 * as the tracker runs it (a `StateTable`, changed in place), and one user at a time through
 * `transition`, which returns a new state each time.
 */
export default async function machine(): Promise<BenchRow[]> {
  const policy = resolvePolicy({ staleAfter: 180_000, mergeGap: 120_000 });
  const t0 = Date.UTC(2026, 2, 2, 8);
  const polls: PresenceSample[][] = Array.from({ length: POLLS }, (_, p) =>
    Array.from({ length: USERS }, (_, u) => ({
      userId: `u${u}`,
      status: STATUSES[(u * 7 + Math.floor(p / ((u % 5) + 1))) % STATUSES.length]!,
      observedAt: new Date(t0 + p * 60_000),
    })),
  );
  const total = USERS * POLLS;

  const machine = () => {
    const states = new Map<string, UserState>();
    let effects = 0;
    for (const poll of polls) {
      for (const sample of poll) {
        const state = states.get(sample.userId) ?? initialState(sample.userId);
        const r = transition(state, { type: 'sample', sample }, policy);
        states.set(sample.userId, r.state);
        effects += r.effects.length;
      }
      const tick = new Date(poll[0]!.observedAt.getTime());
      for (const [id, state] of states)
        states.set(id, transition(state, { type: 'tick', at: tick }, policy).state);
    }
    return effects;
  };

  const table = () => {
    const table = new StateTable(policy, USERS);
    for (let u = 0; u < USERS; u++) table.set(`u${u}`, initialState(`u${u}`));
    const effects: Effect[] = [];
    let count = 0;
    for (const poll of polls) {
      for (const sample of poll) table.applySample(sample, effects);
      table.applyAll({ type: 'tick', at: new Date(poll[0]!.observedAt.getTime()) }, effects);
      count += effects.length;
      effects.length = 0;
    }
    return count;
  };

  // Remember each user's latest status and count changes, nothing else.
  const baseline = () => {
    const last = new Map<string, Status>();
    let changes = 0;
    for (const poll of polls) {
      for (const s of poll) {
        if (last.get(s.userId) !== s.status) changes++;
        last.set(s.userId, s.status);
      }
    }
    return changes;
  };

  // The same with one look-up a sample: each user's latest status in an object of their own, changed
  // in place, as the table changes its rows.
  const holders = () => {
    const last = new Map<string, { status: Status | null }>();
    let changes = 0;
    for (const poll of polls) {
      for (const s of poll) {
        let held = last.get(s.userId);
        if (held === undefined) {
          held = { status: null };
          last.set(s.userId, held);
        }
        if (held.status !== s.status) {
          changes++;
          held.status = s.status;
        }
      }
    }
    return changes;
  };

  // In turns, so a load that drifts during the run weighs on each alike.
  // A full collection before each run: `transition` leaves a new state per sample behind, and without
  // it the run after (the baseline) paid for collecting them, which flattered both machines.
  const [tableMs, machineMs, mapMs, holdersMs] = await inTurns(
    15,
    [async () => table(), async () => machine(), async () => baseline(), async () => holders()],
    collector(),
  );
  // The baseline is the faster of the two ways to keep the latest status.
  const baselineMs = Math.min(mapMs, holdersMs);
  const baselineName =
    mapMs <= holdersMs
      ? 'latest-status map (get and set a sample)'
      : 'latest-status map of objects changed in place (one get a sample)';

  const rate = (ms: number) => (total / ms) * 1000;
  return [
    {
      name: `latest-status map of objects changed in place (one get a sample), ${USERS.toLocaleString('en-US')} users x ${POLLS} polls`,
      value: rate(holdersMs),
      unit: 'samples/s',
      baseline: { name: 'latest-status map (get and set a sample)', value: rate(mapMs) },
    },
    {
      name: `state machine as the tracker runs it (StateTable), ${USERS.toLocaleString('en-US')} users x ${POLLS} polls (samples + ticks)`,
      value: rate(tableMs),
      unit: 'samples/s',
      baseline: { name: baselineName, value: rate(baselineMs) },
    },
    {
      name: `state machine one user at a time (transition), ${USERS.toLocaleString('en-US')} users x ${POLLS} polls (samples + ticks)`,
      value: rate(machineMs),
      unit: 'samples/s',
      baseline: { name: baselineName, value: rate(baselineMs) },
    },
  ];
}
