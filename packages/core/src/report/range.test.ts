import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInZone } from './csv.ts';
import { parseInstant } from './range.ts';

/* The command's options and the web API's parameters are checked through their own tests; these are the rules of the shapes. */

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'Europe/Dublin',
  'America/New_York',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kolkata',
];
const instants = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) });

describe('parseInstant', () => {
  it('reads back every instant that isoInZone writes, in every zone, across DST changes', () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), fc.constantFrom(...ZONES), (t, written, read) => {
        const text = isoInZone(new Date(t), written);
        expect(parseInstant(text, 'from', read)).toEqual({ at: new Date(t), dateOnly: false });
      }),
      { numRuns: 2000 },
    );
  });

  it("reads a local date and time without an offset as the zone's wall time, as TZDate does", () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (t, zone) => {
        const d = new Date(t);
        const pad = (n: number) => String(n).padStart(2, '0');
        const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
        const local = new TZDate(
          d.getUTCFullYear(),
          d.getUTCMonth(),
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
          zone,
        );
        expect(parseInstant(text, 'from', zone).at.getTime()).toBe(local.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it("takes an offset as written even inside the zone's skipped hour", () => {
    // Dublin skips 01:00 to 02:00 on 29 March 2082; the offset alone says which instant is meant.
    expect(parseInstant('2082-03-29T01:57:48.32-09:45', 'from', 'Europe/Dublin').at.toISOString()).toBe(
      '2082-03-29T11:42:48.320Z',
    );
    expect(parseInstant('2026-03-29T02:30:00+01:00', 'from', 'Europe/Berlin').at.toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it.each([
    '2026-03-02T24:00',
    '2026-03-02T09:00.5',
    '2026-03-02T09:00:60',
    '2026-03-02T09:00:00+01:60',
    '2026-03-02T09:00:00.1234',
    '2026-W10-1',
    '2026-061',
    '2026-03-02 09:00',
  ])('refuses %s, naming the input', (value) => {
    expect(() => parseInstant(value, 'from', 'UTC')).toThrow(
      expect.objectContaining({
        issues: [{ path: 'from', message: `${EXPECTED_START}, received ${JSON.stringify(value)}` }],
      }),
    );
  });
});

const EXPECTED_START =
  'expected a date YYYY-MM-DD or an ISO 8601 date and time such as 2026-03-02T09:00 or 2026-03-02T09:00:00Z';
