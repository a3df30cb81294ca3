import { describe, expect, test } from 'vitest';
import { type Effect, initialState, type MachineEvent, transition, type UserState } from './machine.ts';
import { type PolicyOptions, resolvePolicy } from './policy.ts';
import { StateTable } from './table.ts';

describe('a recorded status', () => {
  test('is kept by set, forgotten by delete, and moves with its user when the table compacts', () => {
    const table = new StateTable(resolvePolicy({}));
    const ids = Array.from({ length: 100 }, (_, n) => `u${n}`);
    for (const id of ids) table.set(id, initialState(id));
    expect(table.recordedStatus('u1')).toBeNull();
    table.recordStatus('u1', 'busy');
    table.recordStatus('u99', 'offline');
    table.recordStatus('nobody', 'away');
    table.set('u1', initialState('u1'));
    expect(table.recordedStatus('u1')).toBe('busy');
    expect(table.recordedStatus('nobody')).toBeNull();

    // Deleting more than half the users moves the rest down over them.
    for (const id of ids.slice(2, 80)) table.delete(id);
    expect(table.recordedStatus('u1')).toBe('busy');
    expect(table.recordedStatus('u99')).toBe('offline');
    expect(table.recordedStatus('u80')).toBeNull();

    table.delete('u1');
    table.set('u1', initialState('u1'));
    expect(table.recordedStatus('u1')).toBeNull();
    expect(() => table.recordStatus('u1', 'gone' as never)).toThrow(/status/);
  });
});

describe('a tick no later than the last sample', () => {
  const at = new Date(Date.UTC(2026, 2, 2, 9));
  const minute = 60_000;

  /** The effects of the events through the table (both ways of ticking) and through `transition`. */
  function both(options: PolicyOptions, state: UserState, events: MachineEvent[]) {
    const policy = resolvePolicy(options);
    let expected: Effect[] = [];
    let current = state;
    for (const event of events) {
      const r = transition(current, event, policy);
      current = r.state;
      expected = expected.concat(r.effects);
    }
    const runs = ['applyAll', 'applyTo'].map((way) => {
      const table = new StateTable(policy);
      table.set(state.userId, state);
      const actual: Effect[] = [];
      for (const event of events) {
        if (event.type === 'sample') table.applySample(event.sample, actual);
        else if (event.type === 'tick' && way === 'applyTo') table.applyTo([state.userId], event, actual);
        else if (event.type === 'tick') table.applyAll(event, actual);
      }
      return actual;
    });
    return { expected, runs };
  }

  test('ends what a state set with that sample left due, as transition does', () => {
    // As a store may resume it: last sampled at `at`, out of the session since 5 minutes before.
    const state: UserState = {
      ...initialState('a'),
      lastSampleAt: at,
      lastSeenAt: at,
      interval: { status: 'away', startedAt: new Date(at.getTime() - 5 * minute) },
      session: {
        startedAt: new Date(at.getTime() - 9 * minute),
        lastSeenAt: at,
        leftAt: new Date(at.getTime() - 5 * minute),
      },
      unavailableSince: new Date(at.getTime() - 5 * minute),
    };
    const { expected, runs } = both(
      { mergeGap: minute, unavailableAfter: [minute, null, null, null] },
      state,
      [{ type: 'tick', at }],
    );
    expect(expected.map((e) => e.type)).toEqual(['session.close', 'unavailable.long']);
    for (const actual of runs) expect(actual).toEqual(expected);
  });

  test('makes a user stale at once when staleAfter is negative, as transition does', () => {
    const sample = { userId: 'a', status: 'busy' as const, observedAt: at };
    const { expected, runs } = both({ staleAfter: -1 }, initialState('a'), [
      { type: 'sample', sample },
      { type: 'tick', at },
    ]);
    expect(expected.map((e) => e.type)).toEqual([
      'interval.open',
      'session.open',
      'interval.close',
      'session.close',
    ]);
    for (const actual of runs) expect(actual).toEqual(expected);
  });
});
