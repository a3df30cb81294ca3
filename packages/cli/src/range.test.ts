import { describe, expect, it } from 'vitest';
import { parseInstant, resolveRange } from './range.ts';

const now = new Date('2026-03-04T12:00:00Z');
const range = (from?: string, to?: string, zone = 'Europe/Berlin') =>
  resolveRange({ ...(from && { from }), ...(to && { to }) }, zone, now, 7);

describe('dates on the command line', () => {
  it.each([
    '2026-02-30',
    '2026-13-01',
    '2026-04-31',
    'Nov 30 2026',
    '2026-3-2',
    '2026-03-02T25:00',
    '2026-03-02T09:60',
    '2026-03-02 09:00',
    '20260302',
    '2026-03',
  ])('refuses %s, naming the option, instead of rolling it over or guessing', (value) => {
    expect(() => range(value, '2026-03-03')).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({
            path: '--from',
            message: expect.stringMatching(/^expected a date YYYY-MM-DD/),
          }),
        ],
      }),
    );
    expect(() => range('2026-01-01', value)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: '--to' })] }),
    );
  });

  it('takes 29 February in a leap year only', () => {
    expect(() => parseInstant('2027-02-29', '--from', 'UTC')).toThrow();
    expect(parseInstant('2028-02-29', '--from', 'UTC').at).toEqual(new Date('2028-02-29T00:00:00Z'));
  });

  it("reads a date and time without an offset in the report's zone, not this machine's", () => {
    expect(range('2026-03-02T09:00', '2026-03-02T17:30:15')).toEqual({
      from: new Date('2026-03-02T08:00:00Z'),
      to: new Date('2026-03-02T16:30:15Z'),
    });
    expect(range('2026-07-02T09:00', '2026-07-02T10:00', 'America/New_York').from).toEqual(
      new Date('2026-07-02T13:00:00Z'),
    );
  });

  it('takes an offset or Z as written, in each of its forms', () => {
    for (const [value, iso] of [
      ['2026-03-02T09:00Z', '2026-03-02T09:00:00.000Z'],
      ['2026-03-02T09:00:00+02:00', '2026-03-02T07:00:00.000Z'],
      ['2026-03-02T09:00:00.250-0530', '2026-03-02T14:30:00.250Z'],
      ['2026-03-02T09:00:00+01', '2026-03-02T08:00:00.000Z'],
    ] as const) {
      expect(parseInstant(value, '--from', 'Asia/Tokyo').at.toISOString()).toBe(iso);
    }
  });

  it('takes a date as the whole local day, --to included, across a DST change', () => {
    expect(range('2026-03-29', '2026-03-29')).toEqual({
      from: new Date('2026-03-28T23:00:00Z'),
      to: new Date('2026-03-29T22:00:00Z'),
    });
  });

  it('says what is wrong with --from alone and with --to before --from', () => {
    expect(range('2026-03-02')).toEqual({ from: new Date('2026-03-01T23:00:00Z'), to: now });
    expect(() => range('2026-03-05')).toThrow(
      expect.objectContaining({
        issues: [
          {
            path: '--from',
            message: expect.stringMatching(/expected a start before now .* when --to is not given/),
          },
        ],
      }),
    );
    expect(() => range('2026-03-05', '2026-03-03')).toThrow(
      expect.objectContaining({
        issues: [{ path: '--to', message: expect.stringMatching(/expected an end after --from/) }],
      }),
    );
    expect(() => resolveRange({ to: '2026-03-03' }, 'UTC', now, 7)).toThrow(
      expect.objectContaining({ issues: [{ path: '--from', message: 'expected --from with --to' }] }),
    );
  });
});
