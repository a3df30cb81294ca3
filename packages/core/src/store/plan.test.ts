import { describe, expect, test } from 'vitest';
import { StoreError } from '../errors.ts';
import type { Effect } from '../machine/index.ts';
import { impliedOpen, opensClosed, planWrite } from './plan.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 8, minute));

describe('planWrite', () => {
  test('closes what was open, inserts what opens, and keeps the newest sightings per user', () => {
    const effects: Effect[] = [
      { type: 'interval.close', userId: 'u1', endedAt: at(5) },
      { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(5) },
      { type: 'seen', userId: 'u1', at: at(5), present: true },
      { type: 'seen', userId: 'u2', at: at(5), present: false },
      { type: 'seen', userId: 'u2', at: at(6), present: false },
    ];
    const plan = planWrite(effects, new Set(['u1', 'u2']), new Set(['u1']));
    expect(plan.intervalChanges).toEqual([{ userId: 'u1', endedAt: at(5), lastSeenAt: null }]);
    expect(plan.sessionChanges).toEqual([]);
    expect(plan.newIntervals).toEqual([
      { userId: 'u1', status: 'busy', startedAt: at(5), endedAt: null, lastSeenAt: at(5), raw: undefined },
    ]);
    expect(plan.sightings).toEqual([
      { userId: 'u1', at: at(5), presentAt: at(5) },
      { userId: 'u2', at: at(6), presentAt: null },
    ]);
  });

  test('a row opened and closed in the same write is inserted closed', () => {
    const plan = planWrite(
      [
        { type: 'session.open', userId: 'u1', startedAt: at(0) },
        {
          type: 'session.close',
          userId: 'u1',
          startedAt: at(0),
          endedAt: at(3),
          lastSeenAt: at(2),
          reason: 'stale',
        },
        { type: 'session.open', userId: 'u1', startedAt: at(4) },
      ],
      new Set(),
      new Set(),
    );
    expect(plan.newSessions).toEqual([
      { userId: 'u1', startedAt: at(0), endedAt: at(3), lastSeenAt: at(2), reason: 'stale' },
      { userId: 'u1', startedAt: at(4), endedAt: null, lastSeenAt: at(4), reason: null },
    ]);
  });

  test('effects that do not fit the open state are refused before anything is planned', () => {
    const refused = (effects: Effect[], intervals: string[] = [], sessions: string[] = []) => {
      try {
        planWrite(effects, new Set(intervals), new Set(sessions));
      } catch (error) {
        expect(StoreError.isInstance(error)).toBe(true);
        return (error as StoreError).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refused([{ type: 'interval.close', userId: 'u1', endedAt: at(1) }])).toContain(
      'u1 has no open interval',
    );
    expect(refused([{ type: 'session.open', userId: 'u1', startedAt: at(1) }], [], ['u1'])).toContain(
      'u1 already has an open session',
    );
    expect(
      refused([{ type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(1) }], ['u1']),
    ).toContain('u1 already has an open interval');
    expect(
      refused([
        { type: 'interval.open', userId: 'u1', status: 'away', startedAt: at(1) },
        { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(2) },
      ]),
    ).toContain('u1 already has an open interval');
  });

  test('the effects say what was open before them: a user whose first interval or session effect is a close', () => {
    const effects: Effect[] = [
      { type: 'seen', userId: 'u0', at: at(1), present: true },
      { type: 'interval.close', userId: 'u1', endedAt: at(1) },
      { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(1) },
      { type: 'interval.open', userId: 'u2', status: 'away', startedAt: at(1) },
      { type: 'interval.close', userId: 'u2', endedAt: at(2) },
      { type: 'session.open', userId: 'u2', startedAt: at(1) },
      {
        type: 'session.close',
        userId: 'u2',
        startedAt: at(1),
        endedAt: at(2),
        lastSeenAt: at(2),
        reason: 'stale',
      },
      {
        type: 'session.close',
        userId: 'u3',
        startedAt: at(0),
        endedAt: at(2),
        lastSeenAt: at(2),
        reason: 'stale',
      },
      { type: 'session.open', userId: 'u3', startedAt: at(3) },
    ];
    const implied = impliedOpen(effects);
    expect([...implied.intervals]).toEqual(['u1']);
    expect([...implied.sessions]).toEqual(['u3']);
    const plan = planWrite(effects, implied.intervals, implied.sessions);
    expect(plan.intervalChanges.map((c) => c.userId)).toEqual(['u1']);
    expect(plan.sessionChanges.map((c) => c.userId)).toEqual(['u3']);
    // u2's new records are all closed: no unique index on open records would see a clash, so the
    // store must look them up; u1's and u3's new records stay open, and the index sees those.
    expect(opensClosed(plan, implied)).toEqual({ intervals: ['u2'], sessions: ['u2'] });
  });

  test('a user whose new records end with an open one, or a write closing none of its new records, needs no look-up', () => {
    const effects: Effect[] = [
      { type: 'interval.open', userId: 'u4', status: 'away', startedAt: at(1) },
      { type: 'interval.close', userId: 'u4', endedAt: at(2) },
      { type: 'interval.open', userId: 'u4', status: 'busy', startedAt: at(2) },
      { type: 'session.open', userId: 'u5', startedAt: at(1) },
    ];
    const implied = impliedOpen(effects);
    const plan = planWrite(effects, implied.intervals, implied.sessions);
    expect(plan.newIntervals.map((r) => r.endedAt)).toEqual([at(2), null]);
    expect(opensClosed(plan, implied)).toEqual({ intervals: [], sessions: [] });
    const opening = effects.slice(3);
    const openOnly = impliedOpen(opening);
    expect(opensClosed(planWrite(opening, openOnly.intervals, openOnly.sessions), openOnly)).toEqual({
      intervals: [],
      sessions: [],
    });
  });
});
