import { describe, expect, it } from 'vitest';
import { jsonText } from './json.ts';

/** A value shaped like a report: dates repeated across rows, nested in arrays, nulls and an invalid date. */
function sample() {
  const at = (ms: number) => new Date(Date.UTC(2026, 2, 2) + ms);
  return {
    from: at(0),
    to: at(86_400_000),
    rows: Array.from({ length: 50 }, (_, i) => ({
      userId: `u${i}`,
      day: i % 3 === 0 ? null : '2026-03-02',
      firstSeen: i % 5 === 0 ? null : at((i % 4) * 60_000),
      statusMs: { available: i * 1000, busy: 0 },
      unavailablePeriods: [{ start: at(i * 60_000), end: at((i + 1) * 60_000), ms: 60_000 }],
      tags: ['a', at(0), [at(1), null]],
      note: 'quote " and \\ and \u2028',
      absent: undefined,
    })),
    broken: new Date(Number.NaN),
    count: 3.5,
  };
}

describe('jsonText', () => {
  it('writes the same text as JSON.stringify, dates as ISO 8601 strings', () => {
    expect(jsonText(sample())).toBe(JSON.stringify(sample()));
  });

  it('writes a date, a string, a number and null alone as JSON.stringify does', () => {
    for (const value of [new Date(0), 'x', 1, null, [new Date(5), new Date(5)]]) {
      expect(jsonText(value)).toBe(JSON.stringify(value));
    }
  });
});
