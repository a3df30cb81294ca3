import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRollupAgreement, ROLLUP_ZONES } from '../testing/index.ts';
import { memoryStore } from './memory.ts';
import { RollupBatch, type RollupDayRow, type RollupEntry } from './rollup.ts';
import { RollupIndex, type RollupRecords, rollupReadDays, sortTriples } from './rollup-read.ts';

const DAY = 86_400_000;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('RollupBatch', () => {
  it('gives each person-day one entry, its pieces in the order they were added, however people and days interleave', () => {
    const batch = new RollupBatch();
    batch.interval('a', 'available', DAY + 1000, DAY + 2000);
    batch.interval('a', 'busy', DAY + 2000, DAY + 3000);
    batch.interval('b', 'away', DAY + 1000, 2 * DAY + 500);
    batch.session('a', DAY + 1000, DAY + 3000);
    batch.interval('a', 'dnd', DAY + 3000, DAY + 4000);
    batch.interval('b', 'offline', 2 * DAY + 500, 2 * DAY + 600);
    batch.interval('a', 'available', 2 * DAY, 2 * DAY + 10);
    batch.interval('a', 'busy', DAY + 4000, DAY + 5000);
    expect(batch.size).toBe(4);
    expect(batch.entries()).toEqual([
      {
        userId: 'a',
        day: DAY,
        intervals: '1000,2000,0,2000,3000,1,3000,4000,2,4000,5000,1,',
        sessions: `${DAY + 1000},${DAY + 3000},`,
      },
      { userId: 'b', day: DAY, intervals: `1000,${DAY},3,`, sessions: '' },
      { userId: 'b', day: 2 * DAY, intervals: '0,500,3,500,600,4,', sessions: '' },
      { userId: 'a', day: 2 * DAY, intervals: '0,10,0,', sessions: '' },
    ]);
  });
});

describe('RollupIndex', () => {
  const decode = (days: RollupEntry[], userId = 'u1'): RollupRecords =>
    new RollupIndex({ days, openIntervals: [], openSessions: [] }).records(userId, {
      intervals: [],
      sessions: [],
    });

  it('decodes days handed over in any order, and several days in one entry after their @day, markers', () => {
    const days: RollupEntry[] = [
      { userId: 'u1', day: 2 * DAY, intervals: '0,60000,1,', sessions: `${DAY},${2 * DAY + 60000},` },
      { userId: 'u1', day: DAY, intervals: '3600000,86400000,0,', sessions: `${DAY},${2 * DAY + 60000},` },
    ];
    const expected = {
      intervals: [DAY + 3_600_000, 2 * DAY, 0, 2 * DAY, 2 * DAY + 60_000, 1],
      sessions: [DAY, 2 * DAY + 60_000],
    };
    expect(decode(days)).toEqual(expected);
    const joined: RollupEntry = {
      userId: 'u1',
      day: 0,
      intervals: `@${DAY},3600000,86400000,0,@${2 * DAY},0,60000,1,`,
      sessions: `${DAY},${2 * DAY + 60000},${DAY},${2 * DAY + 60000},`,
    };
    expect(decode([joined])).toEqual(expected);
    // Out of order inside one entry too.
    expect(decode([{ ...joined, intervals: `@${2 * DAY},0,60000,1,@${DAY},3600000,86400000,0,` }])).toEqual(
      expected,
    );
  });

  it('finds a person with an interval in a range without decoding more than it must', () => {
    const index = new RollupIndex({
      days: [{ userId: 'u1', day: 0, intervals: `@${DAY},0,60000,1,@${3 * DAY},0,0,4,`, sessions: '' }],
      openIntervals: [],
      openSessions: [],
    });
    expect(index.hasIntervalIn('u1', DAY, DAY + 1)).toBe(true);
    expect(index.hasIntervalIn('u1', DAY + 60_000, 3 * DAY)).toBe(false);
    // One of no length counts inside the range, not at its start.
    expect(index.hasIntervalIn('u1', 3 * DAY - 1, 3 * DAY + 1)).toBe(true);
    expect(index.hasIntervalIn('u1', 3 * DAY, 3 * DAY + 1)).toBe(false);
    expect(index.hasIntervalIn('nobody', 0, 4 * DAY)).toBe(false);
  });

  it('decodes day rows, in any order and beside entries, each person from their own text', () => {
    const rows: RollupDayRow[] = [
      {
        day: 2 * DAY,
        userIds: ['u2', 'u1', 'u;3'],
        intervals: bytes('0,5,4,;0,60000,1,;'),
        sessions: bytes(`;${DAY},${2 * DAY + 60000},;`),
      },
      {
        day: DAY,
        userIds: ['u1'],
        intervals: bytes('3600000,86400000,0,'),
        sessions: bytes(`${DAY},${2 * DAY + 60000},`),
      },
    ];
    const read = { days: [], dayRows: rows, openIntervals: [], openSessions: [] };
    const index = new RollupIndex(read);
    const into = { intervals: [], sessions: [] };
    expect(index.records('u1', into)).toEqual({
      intervals: [DAY + 3_600_000, 2 * DAY, 0, 2 * DAY, 2 * DAY + 60_000, 1],
      sessions: [DAY, 2 * DAY + 60_000],
    });
    expect(index.records('u2', into)).toEqual({ intervals: [2 * DAY, 2 * DAY + 5, 4], sessions: [] });
    expect(index.records('u;3', into)).toEqual({ intervals: [], sessions: [] });
    expect([...index.users()].sort()).toEqual(['u1', 'u2', 'u;3']);
    expect(index.hasIntervalIn('u2', 2 * DAY + 4, 3 * DAY)).toBe(true);
    expect(index.hasIntervalIn('u2', 2 * DAY + 5, 3 * DAY)).toBe(false);
    expect(index.hasIntervalIn('u;3', 0, 3 * DAY)).toBe(false);
    expect(rollupReadDays(read)).toEqual([
      ['u2', 2 * DAY],
      ['u1', 2 * DAY],
      ['u;3', 2 * DAY],
      ['u1', DAY],
    ]);
    // The same person-days, one as an entry and one in a row, decode alike.
    const mixed = new RollupIndex({
      days: [{ userId: 'u1', day: 2 * DAY, intervals: '0,60000,1,', sessions: `${DAY},${2 * DAY + 60000},` }],
      dayRows: [rows[1]!],
      openIntervals: [{ userId: 'u1', status: 'away', startedAt: new Date(2 * DAY + 60_000) }],
      openSessions: [],
    });
    expect(mixed.records('u1', into).intervals).toEqual([
      DAY + 3_600_000,
      2 * DAY,
      0,
      2 * DAY,
      2 * DAY + 60_000,
      1,
      2 * DAY + 60_000,
      Number.NaN,
      3,
    ]);
  });

  it('decodes day rows that share one array of people, each day from its own texts', () => {
    const people = ['u1', 'u2'];
    const index = new RollupIndex({
      days: [],
      dayRows: [
        { day: DAY, userIds: people, intervals: bytes('0,5,1,;10,20,2,'), sessions: bytes(';') },
        { day: 3 * DAY, userIds: ['u2'], intervals: bytes('7,8,3,'), sessions: bytes('') },
        {
          day: 2 * DAY,
          userIds: people,
          intervals: bytes(';0,60000,4,'),
          sessions: bytes(`${2 * DAY},${2 * DAY + 1},;`),
        },
      ],
      openIntervals: [],
      openSessions: [],
    });
    const into = { intervals: [], sessions: [] };
    expect(index.records('u1', into)).toEqual({
      intervals: [DAY, DAY + 5, 1],
      sessions: [2 * DAY, 2 * DAY + 1],
    });
    expect(index.records('u2', into)).toEqual({
      intervals: [DAY + 10, DAY + 20, 2, 2 * DAY, 2 * DAY + 60_000, 4, 3 * DAY + 7, 3 * DAY + 8, 3],
      sessions: [],
    });
    expect(people).toEqual(['u1', 'u2']);
  });

  it('refuses a day row whose texts are not one per person', () => {
    const row =
      (userIds: string[], intervals: string, sessions = ';'.repeat(Math.max(0, userIds.length - 1))) =>
      () =>
        new RollupIndex({
          days: [],
          dayRows: [{ day: DAY, userIds, intervals: bytes(intervals), sessions: bytes(sessions) }],
          openIntervals: [],
          openSessions: [],
        });
    expect(row(['a', 'b'], '0,1,0,;0,1,0,')).not.toThrow();
    expect(row([], '')).not.toThrow();
    expect(row(['a', 'b', 'c'], '0,1,0,;0,1,0,')).toThrow(/one per person \(3\), joined by ';'/);
    expect(row(['a'], '0,1,0,;0,1,0,')).toThrow(/one per person \(1\)/);
    expect(row([], '0,1,0,')).toThrow(/one per person \(0\)/);
    expect(row(['a', 'b'], '0,1,0,;0,1,0,', '')).toThrow(/one per person \(2\)/);
    // A character no digest holds is named, in an entry's text as in a day row's.
    const records = (intervals: string, dayRow: boolean) => () =>
      new RollupIndex({
        days: dayRow ? [] : [{ userId: 'a', day: DAY, intervals, sessions: '' }],
        dayRows: dayRow
          ? [{ day: DAY, userIds: ['a'], intervals: bytes(intervals), sessions: bytes('') }]
          : [],
        openIntervals: [],
        openSessions: [],
      }).records('a', { intervals: [], sessions: [] });
    expect(records('0,5x,1,', false)).toThrow(/unexpected "x" in a rollup at 3/);
    expect(records('0,5x,1,', true)).toThrow(/unexpected "x" in a rollup at 3/);
    expect(records('0,5é,1,', false)).toThrow(/unexpected "é" in a rollup at 3/);
  });
});

describe('sortTriples', () => {
  it('sorts triples stably by their first number, however many runs in order they come in', () => {
    const triple = fc.tuple(fc.integer({ min: -5, max: 40 }), fc.double({ noNaN: false }), fc.integer());
    fc.assert(
      fc.property(
        fc.array(fc.array(triple, { maxLength: 30 }), { maxLength: 8 }),
        fc.boolean(),
        (runs, ordered) => {
          const all = runs.flatMap((run) => (ordered ? [...run].sort((x, y) => x[0] - y[0]) : run));
          const expected = [...all].sort((x, y) => x[0] - y[0]).flat();
          const list = all.flat();
          sortTriples(list);
          expect(list).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('memory store rollups', () => {
  it('give the same reports as the raw records on random histories, in zones with odd offsets and across DST changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.constantFrom(...ROLLUP_ZONES),
        // Any instant within a year around 2026's clock changes.
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
        async (seed, timeZone, start) => {
          const store = memoryStore();
          try {
            await checkRollupAgreement(store, { seed, timeZone, start });
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
