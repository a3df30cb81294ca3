import { describe, expect, it } from 'vitest';
import { dayRowPeople } from './day-row-people.ts';

describe('dayRowPeople', () => {
  it('gives the same array for the same text as the row before, and a new one for other people', () => {
    const people = dayRowPeople();
    const first = people('["u1","u2"]');
    expect(first).toEqual(['u1', 'u2']);
    expect(people('["u1","u2"]')).toBe(first);
    const other = people('["u1","u3"]');
    expect(other).toEqual(['u1', 'u3']);
    expect(people('["u1","u2"]')).not.toBe(first);
    // Each reader keeps its own.
    expect(dayRowPeople()('["u1","u3"]')).not.toBe(other);
  });

  it('refuses text that is not a JSON array of ids', () => {
    const people = dayRowPeople();
    expect(() => people('{"u1":1}')).toThrow("expected a rollup day row's people as a JSON array of ids");
    expect(() => people('["u1",2]')).toThrow(/JSON array of ids/);
    expect(() => people('["u1"')).toThrow(SyntaxError);
  });
});
