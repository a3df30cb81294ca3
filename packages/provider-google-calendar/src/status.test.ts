import { describe, expect, it } from 'vitest';
import { type Block, readCalendar } from './status.ts';

const t = (hh: number, mm = 0) => Date.UTC(2026, 2, 2, hh, mm);
const b = (from: [number, number?], to: [number, number?]): Block => ({ start: t(...from), end: t(...to) });
const HORIZON = t(17);

describe('readCalendar', () => {
  it.each<[string, number, Block[], Block[], string, number]>([
    ['free, next meeting ahead', t(9), [b([10], [11])], [], 'available', t(10)],
    ['free, nothing ahead', t(9), [], [], 'available', HORIZON],
    ['in a meeting', t(10, 30), [b([10], [11])], [], 'busy', t(11)],
    ['at the instant a meeting starts', t(10), [b([10], [11])], [], 'busy', t(11)],
    ['at the instant a meeting ends', t(11), [b([10], [11])], [], 'available', HORIZON],
    ['in back-to-back meetings', t(10, 30), [b([11], [12]), b([10], [11])], [], 'busy', t(12)],
    ['in overlapping meetings', t(10, 30), [b([10], [11, 30]), b([11], [12])], [], 'busy', t(12)],
    ['in a meeting that runs past the horizon', t(16), [b([15], [19])], [], 'busy', HORIZON],
    ['out of office', t(9), [b([8], [12])], [b([8], [12])], 'offline', t(12)],
    ['free until out of office starts', t(9), [b([13], [15])], [b([11], [18])], 'available', t(11)],
    ['in a meeting that out of office interrupts', t(9), [b([8], [12])], [b([10], [12])], 'busy', t(10)],
    ['in joined out-of-office events', t(9), [], [b([8], [10]), b([10], [13])], 'offline', t(13)],
  ])('%s', (_, now, busy, away, status, validUntil) => {
    const reading = readCalendar(now, busy, away, HORIZON);
    expect([reading.status, new Date(reading.validUntil).toISOString()]).toEqual([
      status,
      new Date(validUntil).toISOString(),
    ]);
    expect(reading.reason).toBe(status === 'offline' ? 'outOfOffice' : undefined);
  });
});
