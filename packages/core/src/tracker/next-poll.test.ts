import { describe, expect, test } from 'vitest';
import { initialState, resolvePolicy, StateTable, type UserState } from '../machine/index.ts';
import { nextPollAt } from './next-poll.ts';

const T0 = Date.UTC(2026, 3, 6, 9, 0);
const min = (m: number) => T0 + m * 60_000;
const pace = { pollInterval: 60_000, maxPollInterval: 30 * 60_000 };

/** An observed user whose reading holds until minute `until`, or says nothing with `null`. */
function user(id: string, until: number | null): UserState {
  return {
    ...initialState(id),
    lastSampleAt: new Date(T0),
    lastSeenAt: new Date(T0),
    heldUntil: until === null ? null : new Date(min(until)),
    interval: { status: 'busy', startedAt: new Date(T0) },
  };
}

/** What the tracker's table says of these states. */
function held(states: UserState[]): number | null {
  const table = new StateTable(resolvePolicy());
  for (const s of states) table.set(s.userId, s);
  return table.heldUntilAll();
}

describe('nextPollAt', () => {
  test.each<[string, UserState[], number]>([
    ['nobody tracked: the usual interval', [], 1],
    ['every reading holds: the earliest of them', [user('a', 12), user('b', 7)], 7],
    ['one reading says nothing: the usual interval', [user('a', 12), user('b', null)], 1],
    ['someone unobserved: the usual interval', [user('a', 12), initialState('b')], 1],
    ['readings holding beyond the maximum: the maximum', [user('a', 90), user('b', 45)], 30],
    ['a reading that holds for less than the usual interval: the usual interval', [user('a', 0.5)], 1],
    ['a reading already past: the usual interval', [user('a', -5)], 1],
  ])('%s', (_, states, minute) => {
    expect(nextPollAt(held(states), T0, pace)).toBe(min(minute));
  });

  test('a maximum below pollInterval never makes polls more frequent than pollInterval', () => {
    expect(nextPollAt(held([user('a', 40)]), T0, { pollInterval: 5 * 60_000, maxPollInterval: 60_000 })).toBe(
      min(5),
    );
  });
});
