import { describe, expect, it } from 'vitest';
import { OutOfOfficeCache } from './out-of-office.ts';

const MIN = 60_000;
const EVERY = 15 * MIN;
const FAR = 8 * 60 * MIN;

describe('OutOfOfficeCache', () => {
  it('reads a person at most once per period, and people first read together spread over the next', () => {
    const cache = new OutOfOfficeCache(EVERY);
    const ids = Array.from({ length: 300 }, (_, i) => `p${i}@example.com`);
    const reads = new Map<string, number[]>(ids.map((id) => [id, []]));
    const perMinute: number[] = [];
    for (let now = 0; now < 60 * MIN; now += MIN) {
      const due = cache.due(ids, now, now + FAR);
      perMinute.push(due.length);
      for (const id of due) {
        reads.get(id)!.push(now);
        cache.set(id, now, now + FAR, []);
      }
    }
    for (const times of reads.values())
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(EVERY);
    expect(perMinute[0]).toBe(300);
    // After the first period, no minute reads more than a few times its share (300 / 15 = 20).
    expect(Math.max(...perMinute.slice(31))).toBeLessThan(60);
    expect(perMinute.slice(31).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('reads again early when what was read does not reach far enough', () => {
    const cache = new OutOfOfficeCache(EVERY);
    cache.set('ada', 0, 5 * MIN, []);
    expect(cache.due(['ada'], MIN, MIN + FAR)).toEqual(['ada']);
    cache.set('ada', MIN, MIN + FAR, []);
    expect(cache.due(['ada'], 2 * MIN, 2 * MIN + FAR)).toEqual([]);
  });
});
