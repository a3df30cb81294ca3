import { describe, expect, test } from 'vitest';
import type { Status } from '../model.ts';
import {
  type Effect,
  initialState,
  type MachineEvent,
  resolvePolicy,
  transition,
  type UserState,
} from './index.ts';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const sample = (minute: number, status: Status, raw?: Record<string, unknown>): MachineEvent => ({
  type: 'sample',
  sample: { userId: 'u', status, observedAt: at(minute), ...(raw ? { raw } : {}) },
});
const policy = resolvePolicy({ staleAfter: 5 * 60_000, mergeGap: 0 });

/** Runs events from a fresh state and returns the final state and every effect, with minutes for instants. */
function run(events: MachineEvent[], p = policy, start: UserState = initialState('u')) {
  let state = start;
  const effects: Effect[] = [];
  for (const e of events) {
    const r = transition(state, e, p);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects: effects.map(brief) };
}

const minute = (d: Date) => (d.getTime() - T0) / 60_000;
function brief(e: Effect): string {
  switch (e.type) {
    case 'interval.open':
      return `open ${e.status}@${minute(e.startedAt)}`;
    case 'interval.close':
      return `close@${minute(e.endedAt)}`;
    case 'session.open':
      return `session@${minute(e.startedAt)}`;
    case 'session.close':
      return `end ${e.reason} ${minute(e.startedAt)}-${minute(e.endedAt)} seen ${minute(e.lastSeenAt)}`;
    case 'seen':
      return `seen@${minute(e.at)}${e.present ? '' : ' absent'}`;
    case 'unavailable.long':
      return `long ${e.status} since ${minute(e.since)} at ${minute(e.at)}`;
  }
}

describe('samples', () => {
  test.each([
    // [events, expected effects]
    [
      'first present sample opens an interval and a session',
      [sample(0, 'available')],
      ['open available@0', 'session@0'],
    ],
    ['first offline sample opens only an interval', [sample(0, 'offline')], ['open offline@0']],
    ['first unknown sample is observed but not present', [sample(0, 'unknown')], ['open unknown@0']],
    [
      'same status again is a sighting',
      [sample(0, 'busy'), sample(1, 'busy')],
      ['open busy@0', 'session@0', 'seen@1'],
    ],
    [
      'a change of present status splits the interval, not the session',
      [sample(0, 'available'), sample(1, 'busy')],
      ['open available@0', 'session@0', 'close@1', 'open busy@1', 'seen@1'],
    ],
    [
      'going offline ends the session at the offline sample',
      [sample(0, 'available'), sample(2, 'available'), sample(3, 'offline')],
      ['open available@0', 'session@0', 'seen@2', 'close@3', 'open offline@3', 'end offline 0-3 seen 2'],
    ],
    [
      'unknown ends a session like offline',
      [sample(0, 'away'), sample(1, 'unknown')],
      ['open away@0', 'session@0', 'close@1', 'open unknown@1', 'end offline 0-1 seen 0'],
    ],
    [
      'coming back opens a new session',
      [sample(0, 'available'), sample(1, 'offline'), sample(2, 'available')],
      [
        'open available@0',
        'session@0',
        'close@1',
        'open offline@1',
        'end offline 0-1 seen 0',
        'close@2',
        'open available@2',
        'session@2',
      ],
    ],
    [
      'an older sample is ignored',
      [sample(5, 'available'), sample(3, 'busy')],
      ['open available@5', 'session@5'],
    ],
    [
      'a sample at the same instant as the last is ignored',
      [sample(5, 'available'), sample(5, 'busy')],
      ['open available@5', 'session@5'],
    ],
    [
      'offline sighting while offline is a sighting, not a presence',
      [sample(0, 'offline'), sample(1, 'offline')],
      ['open offline@0', 'seen@1 absent'],
    ],
  ] as [string, MachineEvent[], string[]][])('%s', (_name, events, expected) => {
    expect(run(events).effects).toEqual(expected);
  });

  test('keeps the raw words of the sample that opened the interval', () => {
    const r = transition(initialState('u'), sample(0, 'busy', { activity: 'InACall' }), policy);
    expect(r.effects[0]).toMatchObject({ type: 'interval.open', raw: { activity: 'InACall' } });
    expect(r.state.interval?.raw).toEqual({ activity: 'InACall' });
  });
});

describe('staleness', () => {
  test('a tick after staleAfter ends everything at the last sighting', () => {
    const { effects, state } = run([
      sample(0, 'available'),
      sample(2, 'available'),
      { type: 'tick', at: at(8) },
    ]);
    expect(effects).toEqual(['open available@0', 'session@0', 'seen@2', 'close@2', 'end stale 0-2 seen 2']);
    expect(state.interval).toBeNull();
    expect(state.lastSeenAt).toBeNull();
  });

  test('a tick at exactly staleAfter changes nothing', () => {
    expect(run([sample(0, 'available'), { type: 'tick', at: at(5) }]).effects).toEqual([
      'open available@0',
      'session@0',
    ]);
  });

  test('a late sample after a gap longer than staleAfter ends the old period first, as a tick would', () => {
    const withTick = run([sample(0, 'busy'), { type: 'tick', at: at(9) }, sample(10, 'busy')]).effects;
    const withoutTick = run([sample(0, 'busy'), sample(10, 'busy')]).effects;
    expect(withoutTick).toEqual([
      'open busy@0',
      'session@0',
      'close@0',
      'end stale 0-0 seen 0',
      'open busy@10',
      'session@10',
    ]);
    expect(withTick).toEqual(withoutTick);
  });

  test('an unobserved user stays unobserved through ticks', () => {
    expect(run([{ type: 'tick', at: at(100) }]).effects).toEqual([]);
  });

  test('an offline user goes stale too, without a session', () => {
    expect(run([sample(0, 'offline'), { type: 'tick', at: at(6) }]).effects).toEqual([
      'open offline@0',
      'close@0',
    ]);
  });
});

/** A sample that says it holds until `until` (minutes), as a calendar's does. */
const held = (minute: number, status: Status, until: number): MachineEvent => ({
  type: 'sample',
  sample: { userId: 'u', status, observedAt: at(minute), validUntil: at(until) },
});

describe('readings that say how long they hold (validUntil), with staleAfter = 5', () => {
  test.each<[string, MachineEvent[], string[]]>([
    [
      'a reading held until 60 keeps the user observed through a tick at 64',
      [held(0, 'busy', 60), { type: 'tick', at: at(64) }],
      // Busy for more than the hour severity 0 allows, by the calendar's word: announced.
      ['open busy@0', 'session@0', 'long busy since 0 at 64'],
    ],
    [
      'staleAfter counts from validUntil: a tick at 65 changes nothing, at 66 ends everything at 60',
      [held(0, 'available', 60), { type: 'tick', at: at(65) }, { type: 'tick', at: at(66) }],
      ['open available@0', 'session@0', 'close@60', 'end stale 0-60 seen 0'],
    ],
    [
      'the next reading after validUntil, within staleAfter, continues as usual',
      [held(0, 'busy', 60), held(62, 'available', 120)],
      ['open busy@0', 'session@0', 'close@62', 'open available@62', 'seen@62'],
    ],
    [
      'a reading later than validUntil + staleAfter comes after a stale gap that began at validUntil',
      [held(0, 'busy', 60), sample(70, 'busy')],
      ['open busy@0', 'session@0', 'close@60', 'end stale 0-60 seen 0', 'open busy@70', 'session@70'],
    ],
    [
      'a newer reading without validUntil counts from its own sighting again',
      [held(0, 'available', 60), sample(10, 'available'), { type: 'tick', at: at(16) }],
      ['open available@0', 'session@0', 'seen@10', 'close@10', 'end stale 0-10 seen 10'],
    ],
    [
      'a validUntil soon after the sighting still moves the stale deadline: ticks at 7 and 8 end everything at 2',
      [held(0, 'busy', 2), { type: 'tick', at: at(7) }, { type: 'tick', at: at(8) }],
      ['open busy@0', 'session@0', 'close@2', 'end stale 0-2 seen 0'],
    ],
    [
      'a validUntil not after the reading is ignored',
      [held(10, 'busy', 10), { type: 'tick', at: at(16) }],
      ['open busy@10', 'session@10', 'close@10', 'end stale 10-10 seen 10'],
    ],
    [
      'a window closing before validUntil ends everything at the window, not later',
      [held(0, 'busy', 60), { type: 'windowClose', at: at(30) }],
      ['open busy@0', 'session@0', 'close@30', 'end window 0-30 seen 0'],
    ],
    [
      'stopping before validUntil ends everything at the stop',
      [held(0, 'available', 60), { type: 'stop', at: at(20) }],
      ['open available@0', 'session@0', 'close@20', 'end stopped 0-20 seen 0'],
    ],
    [
      'after a stale gap, nothing is held over from the old reading',
      [held(0, 'busy', 60), { type: 'tick', at: at(66) }, sample(70, 'busy'), { type: 'tick', at: at(76) }],
      [
        'open busy@0',
        'session@0',
        'close@60',
        'end stale 0-60 seen 0',
        'open busy@70',
        'session@70',
        'close@70',
        'end stale 70-70 seen 70',
      ],
    ],
  ])('%s', (_, events, expected) => {
    expect(run(events).effects).toEqual(expected);
  });

  test('the state remembers validUntil while observed and forgets it when unobserved', () => {
    expect(run([held(0, 'busy', 60)]).state.heldUntil).toEqual(at(60));
    expect(run([held(0, 'busy', 60), { type: 'tick', at: at(66) }]).state.heldUntil).toBeNull();
  });
});

describe('mergeGap', () => {
  const merging = resolvePolicy({ staleAfter: 10 * 60_000, mergeGap: 3 * 60_000 });

  test('a short drop to offline does not split the session', () => {
    const { effects, state } = run(
      [sample(0, 'available'), sample(1, 'offline'), sample(3, 'available')],
      merging,
    );
    expect(effects).toEqual([
      'open available@0',
      'session@0',
      'close@1',
      'open offline@1',
      'close@3',
      'open available@3',
      'seen@3',
    ]);
    expect(state.session).toEqual({ startedAt: at(0), lastSeenAt: at(3), leftAt: null });
  });

  test('coming back exactly at the gap still merges', () => {
    const { effects } = run([sample(0, 'available'), sample(1, 'offline'), sample(4, 'available')], merging);
    expect(effects.filter((e) => e.startsWith('end') || e.startsWith('session'))).toEqual(['session@0']);
  });

  test('a longer drop ends the session when it was left, decided by a tick', () => {
    const { effects } = run(
      [
        sample(0, 'available'),
        sample(1, 'offline'),
        { type: 'tick', at: at(3) },
        { type: 'tick', at: at(5) },
      ],
      merging,
    );
    expect(effects).toEqual([
      'open available@0',
      'session@0',
      'close@1',
      'open offline@1',
      'end offline 0-1 seen 0',
    ]);
  });

  test('a longer drop decided by the next sample gives the same session', () => {
    const { effects } = run([sample(0, 'available'), sample(1, 'offline'), sample(6, 'available')], merging);
    expect(effects).toEqual([
      'open available@0',
      'session@0',
      'close@1',
      'open offline@1',
      'end offline 0-1 seen 0',
      'close@6',
      'open available@6',
      'session@6',
    ]);
  });

  test('stopping while a session waits on the gap ends it when it was left', () => {
    const { effects } = run(
      [sample(0, 'available'), sample(1, 'offline'), { type: 'stop', at: at(2) }],
      merging,
    );
    expect(effects).toEqual([
      'open available@0',
      'session@0',
      'close@1',
      'open offline@1',
      'close@2',
      'end offline 0-1 seen 0',
    ]);
  });

  test('staleness while a session waits on the gap ends it when it was left', () => {
    const { effects } = run(
      [sample(0, 'available'), sample(1, 'offline'), { type: 'tick', at: at(20) }],
      merging,
    );
    expect(effects).toEqual([
      'open available@0',
      'session@0',
      'close@1',
      'open offline@1',
      'close@1',
      'end offline 0-1 seen 0',
    ]);
  });
});

describe('window close, stop and recovery', () => {
  test.each([
    ['windowClose', 'window'],
    ['stop', 'stopped'],
  ] as const)('%s ends what is open at that instant', (type, reason) => {
    const { effects, state } = run([sample(0, 'available'), sample(2, 'busy'), { type, at: at(4) }]);
    expect(effects.slice(-2)).toEqual(['close@4', `end ${reason} 0-4 seen 2`]);
    expect(state.interval).toBeNull();
    expect(state.session).toBeNull();
  });

  test('a stale user at stop ends at the last sighting, as stale', () => {
    const { effects } = run([sample(0, 'available'), { type: 'stop', at: at(30) }]);
    expect(effects).toEqual(['open available@0', 'session@0', 'close@0', 'end stale 0-0 seen 0']);
  });

  test('stopping an unobserved user does nothing', () => {
    expect(run([{ type: 'stop', at: at(1) }]).effects).toEqual([]);
  });

  test('recovery closes what a crashed run left open at its last sighting', () => {
    const { effects, state } = run([
      {
        type: 'recover',
        open: {
          interval: { status: 'busy', startedAt: at(0), lastSeenAt: at(7) },
          session: { startedAt: at(0), lastSeenAt: at(6) },
        },
      },
    ]);
    expect(effects).toEqual(['close@7', 'end recovered 0-6 seen 6']);
    expect(state).toEqual(initialState('u'));
  });

  test('a sample after a window closed starts afresh', () => {
    const { effects } = run([
      sample(0, 'available'),
      { type: 'windowClose', at: at(1) },
      sample(2, 'available'),
    ]);
    expect(effects.slice(-2)).toEqual(['open available@2', 'session@2']);
  });
});

describe('long unavailability', () => {
  const alerting = resolvePolicy({
    staleAfter: 60 * 60_000,
    unavailableAfter: [null, 20 * 60_000, 10 * 60_000, 5 * 60_000],
  });

  test('alerts once, when the period outlasts the severity threshold', () => {
    const start = initialState('u', 2);
    const { effects } = run(
      [
        sample(0, 'busy'),
        { type: 'tick', at: at(10) },
        sample(11, 'away'),
        { type: 'tick', at: at(12) },
        { type: 'tick', at: at(30) },
      ],
      alerting,
      start,
    );
    expect(effects.filter((e) => e.startsWith('long'))).toEqual(['long away since 0 at 11']);
  });

  test('becoming available resets the period', () => {
    const { effects } = run(
      [
        sample(0, 'busy'),
        sample(4, 'available'),
        sample(6, 'busy'),
        { type: 'tick', at: at(11) },
        { type: 'tick', at: at(12) },
      ],
      alerting,
      initialState('u', 3),
    );
    expect(effects.filter((e) => e.startsWith('long'))).toEqual(['long busy since 6 at 12']);
  });

  test('severity with no threshold never alerts', () => {
    const { effects } = run(
      [sample(0, 'offline'), { type: 'tick', at: at(59) }],
      alerting,
      initialState('u', 0),
    );
    expect(effects.filter((e) => e.startsWith('long'))).toEqual([]);
  });
});

test('an unknown event type fails loudly', () => {
  expect(() => transition(initialState('u'), { type: 'nope' } as unknown as MachineEvent, policy)).toThrow(
    /unknown/,
  );
});
