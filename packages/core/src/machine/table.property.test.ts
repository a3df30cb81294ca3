import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type PresenceSample, type Severity, STATUSES, type Status } from '../model.ts';
import {
  type Effect,
  initialState,
  type MachineEvent,
  type Policy,
  resolvePolicy,
  StateTable,
  transition,
  type UserState,
} from './index.ts';

const USERS = ['a', 'b', 'c', 'd'];
const S = 1000;

type Step =
  | { kind: 'sample'; user: string; offset: number; status: Status; heldFor: number; raw: boolean }
  | { kind: 'tick' | 'windowClose' | 'stop'; offset: number }
  | { kind: 'resume'; user: string; severity: Severity; open: boolean; present: boolean }
  | { kind: 'drop'; user: string };

/**
 * Random histories: samples with random gaps (some older than the last, some the same instant, some
 * holding with `validUntil`, some with raw words), ticks, windows closing, stops, users resumed from a
 * state a store left open, and users dropped and added again.
 */
const history = fc.record({
  staleAfter: fc.integer({ min: 1, max: 20 }),
  mergeGap: fc.integer({ min: 0, max: 6 }),
  unavailableAfter: fc.tuple(
    ...[0, 1, 2, 3].map(() => fc.option(fc.integer({ min: 0, max: 30 }), { nil: null })),
  ) as fc.Arbitrary<[number | null, number | null, number | null, number | null]>,
  present: fc.subarray([...STATUSES], { minLength: 1 }),
  available: fc.subarray([...STATUSES]),
  steps: fc.array(
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          kind: fc.constant('sample' as const),
          user: fc.constantFrom(...USERS),
          offset: fc.integer({ min: -3, max: 25 }),
          status: fc.constantFrom<Status>(...STATUSES),
          heldFor: fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 60 })),
          raw: fc.boolean(),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constantFrom('tick' as const, 'windowClose' as const, 'stop' as const),
          offset: fc.integer({ min: 0, max: 25 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('resume' as const),
          user: fc.constantFrom(...USERS),
          severity: fc.constantFrom<Severity>(0, 1, 2, 3),
          open: fc.boolean(),
          present: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('drop' as const), user: fc.constantFrom(...USERS) }),
      },
    ) as fc.Arbitrary<Step>,
    { minLength: 1, maxLength: 120 },
  ),
});

type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

/** A state a previous process may have left: observed since `t`, in a session or waiting on the merge gap. */
function resumed(user: string, severity: Severity, t: number, open: boolean, present: boolean): UserState {
  if (!open) return { ...initialState(user, severity), lastSampleAt: new Date(t) };
  return {
    userId: user,
    severity,
    lastSampleAt: new Date(t),
    lastSeenAt: new Date(t),
    heldUntil: null,
    interval: { status: present ? 'busy' : 'away', startedAt: new Date(t - 5 * S) },
    session: {
      startedAt: new Date(t - 9 * S),
      lastSeenAt: new Date(t),
      leftAt: present ? null : new Date(t - 5 * S),
    },
    unavailableSince: new Date(t - 5 * S),
    unavailableNotified: present,
  };
}

const withoutRaw = (state: UserState | undefined) =>
  state?.interval
    ? { ...state, interval: { status: state.interval.status, startedAt: state.interval.startedAt } }
    : state;

/** Runs the same steps through `transition` (a map of states) and through a table, comparing as it goes. */
function compare(h: History) {
  const policy: Policy = resolvePolicy({
    staleAfter: h.staleAfter * S,
    mergeGap: h.mergeGap * S,
    unavailableAfter: h.unavailableAfter.map((m) =>
      m === null ? null : m * S,
    ) as unknown as Policy['unavailableAfter'],
    presentStatuses: h.present,
    availableStatuses: h.available,
  });
  const states = new Map<string, UserState>(USERS.map((u) => [u, initialState(u)]));
  const table = new StateTable(policy, 1);
  for (const u of USERS) table.set(u, initialState(u));
  let time = 100 * S;
  for (const step of h.steps) {
    const expected: Effect[] = [];
    const actual: Effect[] = [];
    const apply = (userId: string, event: MachineEvent) => {
      const r = transition(states.get(userId)!, event, policy);
      states.set(userId, r.state);
      expected.push(...r.effects);
    };
    switch (step.kind) {
      case 'sample': {
        time += step.offset * S;
        const sample: PresenceSample = { userId: step.user, status: step.status, observedAt: new Date(time) };
        if (step.heldFor !== 0) sample.validUntil = new Date(time + step.heldFor * S);
        if (step.raw) sample.raw = { word: step.status };
        const tracked = states.has(step.user);
        if (tracked) apply(step.user, { type: 'sample', sample });
        expect(table.applySample(sample, actual)).toBe(tracked);
        time = Math.max(time, 100 * S);
        break;
      }
      case 'tick':
      case 'windowClose':
      case 'stop': {
        time += step.offset * S;
        const event = { type: step.kind, at: new Date(time) } as const;
        for (const u of states.keys()) apply(u, event);
        if (step.offset % 2 === 0) table.applyAll(event, actual);
        else {
          // As a poll read in batches does: each part of the people in turn, ids not tracked ignored.
          const ids = [...table.keys(), 'nobody'];
          const half = Math.ceil(ids.length / 2);
          table.applyTo(ids.slice(0, half), event, actual);
          table.applyTo(ids.slice(half), event, actual);
        }
        break;
      }
      case 'resume': {
        const state = resumed(step.user, step.severity, time, step.open, step.present);
        states.delete(step.user);
        states.set(step.user, state);
        table.delete(step.user);
        table.set(step.user, state);
        break;
      }
      case 'drop': {
        const had = states.delete(step.user);
        expect(table.delete(step.user)).toBe(had);
        break;
      }
    }
    expect(actual).toEqual(expected);
    expect([...table.keys()]).toEqual([...states.keys()]);
    for (const [u, state] of states) expect(table.get(u)).toEqual(withoutRaw(state));
  }
  const holds = [...states.values()].map((s) =>
    s.interval === null || s.heldUntil === null ? null : s.heldUntil.getTime(),
  );
  const all = holds.length === 0 || holds.includes(null) ? null : Math.min(...(holds as number[]));
  expect(table.heldUntilAll()).toBe(all);
}

describe('StateTable', () => {
  test('produces the same effects and states as transition on random histories', () => {
    fc.assert(fc.property(history, compare), { numRuns: 500 });
  });

  test('keeps the order and the states of the users left when many are deleted', () => {
    const policy = resolvePolicy({ staleAfter: 60 * S });
    const table = new StateTable(policy);
    const expected = new Map<string, UserState>();
    const at = new Date(Date.UTC(2026, 2, 2, 9));
    for (let n = 0; n < 300; n++) {
      const id = `u${n}`;
      table.set(id, initialState(id, (n % 4) as Severity));
      table.applySample({ userId: id, status: STATUSES[n % STATUSES.length]!, observedAt: at }, []);
      expected.set(id, table.get(id)!);
    }
    for (let n = 0; n < 300; n++) {
      if (n % 5 === 0) continue;
      table.delete(`u${n}`);
      expected.delete(`u${n}`);
    }
    table.set('late', initialState('late'));
    expected.set('late', initialState('late'));
    expect([...table.keys()]).toEqual([...expected.keys()]);
    expect([...table.values()]).toEqual([...expected.values()]);
    expect(table.size).toBe(61);
  });

  test('a status outside the list is refused, naming the field', () => {
    const table = new StateTable(resolvePolicy());
    table.set('a', initialState('a'));
    expect(() =>
      table.applySample({ userId: 'a', status: 'lunch' as Status, observedAt: new Date(0) }, []),
    ).toThrow(/sample\.status: expected one of available, busy, dnd, away, offline, unknown, received lunch/);
  });
});
