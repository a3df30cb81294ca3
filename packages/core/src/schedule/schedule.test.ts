import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { compileSchedule, type ScheduleWindow } from './schedule.ts';

// Every expected instant below is written in UTC from the zone's published offsets, not computed by
// the code under test: Berlin is UTC+1 in winter and UTC+2 in summer (2026: from 29 March 02:00 to
// 25 October 03:00 local), New York UTC-5 and UTC-4 (2026: from 8 March 02:00 to 1 November 02:00
// local), Kolkata UTC+5:30 all year.
const utc = (month: number, day: number, hour: number, minute = 0) =>
  Date.UTC(2026, month - 1, day, hour, minute);

const compile = (timeZone: string, ...windows: ScheduleWindow[]) => compileSchedule({ timeZone, windows });
const windowAt = (schedule: ReturnType<typeof compile>, at: number) => {
  const w = schedule.windowAt(new Date(at));
  return w && [w.start.getTime(), w.end.getTime()];
};

describe('compileSchedule', () => {
  it('reads days as ISO weekdays: 1 is Monday, 7 is Sunday', () => {
    // 2 to 8 March 2026 is Monday to Sunday; Berlin is UTC+1, so 09:00 local is 08:00 UTC.
    for (let day = 1; day <= 7; day++) {
      const schedule = compile('Europe/Berlin', { days: [day], start: '09:00', end: '10:00' });
      const hits = [2, 3, 4, 5, 6, 7, 8].map((date) => windowAt(schedule, utc(3, date, 8, 30)) !== null);
      expect(hits, `day ${day}`).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => d === day));
      expect(windowAt(schedule, utc(3, 1 + day, 8, 30))).toEqual([utc(3, 1 + day, 8), utc(3, 1 + day, 9)]);
    }
  });

  it('starts inclusive and ends exclusive', () => {
    const schedule = compile('UTC', { days: [1], start: '09:00', end: '17:00' });
    expect(windowAt(schedule, utc(3, 2, 9) - 1)).toBeNull();
    expect(windowAt(schedule, utc(3, 2, 9))).toEqual([utc(3, 2, 9), utc(3, 2, 17)]);
    expect(windowAt(schedule, utc(3, 2, 17) - 1)).toEqual([utc(3, 2, 9), utc(3, 2, 17)]);
    expect(windowAt(schedule, utc(3, 2, 17))).toBeNull();
  });

  it('keeps local hours across the spring and autumn changes in Europe/Berlin', () => {
    const schedule = compile('Europe/Berlin', { days: [6, 7, 1], start: '08:00', end: '17:00' });
    // Saturday in winter time, Sunday and Monday in summer time: 9 hours each, an hour earlier in UTC.
    expect(schedule.spans(utc(3, 28, 0), utc(3, 31, 0))).toEqual([
      [utc(3, 28, 7), utc(3, 28, 16)],
      [utc(3, 29, 6), utc(3, 29, 15)],
      [utc(3, 30, 6), utc(3, 30, 15)],
    ]);
    expect(schedule.spans(utc(10, 24, 0), utc(10, 27, 0))).toEqual([
      [utc(10, 24, 6), utc(10, 24, 15)],
      [utc(10, 25, 7), utc(10, 25, 16)],
      [utc(10, 26, 7), utc(10, 26, 16)],
    ]);
  });

  it('a night window across the change is an hour shorter in spring and an hour longer in autumn', () => {
    const schedule = compile('Europe/Berlin', { days: [6, 7], start: '22:00', end: '06:00' });
    // Saturday 22:00 CET (21:00 UTC) to Sunday 06:00 CEST (04:00 UTC): 7 hours.
    expect(windowAt(schedule, utc(3, 29, 1))).toEqual([utc(3, 28, 21), utc(3, 29, 4)]);
    // Saturday 22:00 CEST (20:00 UTC) to Sunday 06:00 CET (05:00 UTC): 9 hours.
    expect(windowAt(schedule, utc(10, 25, 1))).toEqual([utc(10, 24, 20), utc(10, 25, 5)]);
    // The 25-hour Sunday's own window still ends on Monday: 22:00 CET (21:00 UTC) to 06:00 (05:00 UTC).
    expect(schedule.spans(utc(10, 24, 0), utc(10, 27, 0))).toEqual([
      [utc(10, 24, 20), utc(10, 25, 5)],
      [utc(10, 25, 21), utc(10, 26, 5)],
    ]);
  });

  it('keeps local hours across the changes in America/New_York', () => {
    const schedule = compile('America/New_York', { days: [7], start: '00:30', end: '04:00' });
    // 8 March: 00:30 EST (05:30 UTC) to 04:00 EDT (08:00 UTC), two and a half hours.
    expect(windowAt(schedule, utc(3, 8, 7))).toEqual([utc(3, 8, 5, 30), utc(3, 8, 8)]);
    expect(windowAt(schedule, utc(3, 8, 8))).toBeNull();
    // 1 November: 00:30 EDT (04:30 UTC) to 04:00 EST (09:00 UTC), four and a half hours.
    expect(windowAt(schedule, utc(11, 1, 8, 59))).toEqual([utc(11, 1, 4, 30), utc(11, 1, 9)]);
    // A week later, a plain winter Sunday: 00:30 EST to 04:00 EST.
    expect(windowAt(schedule, utc(11, 8, 7))).toEqual([utc(11, 8, 5, 30), utc(11, 8, 9)]);
  });

  it('reads half-hour offsets: Asia/Kolkata is UTC+5:30', () => {
    const schedule = compile('Asia/Kolkata', { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30' });
    // Monday 2 March 2026, 09:00 to 17:30 IST is 03:30 to 12:00 UTC.
    expect(windowAt(schedule, utc(3, 2, 3, 29))).toBeNull();
    expect(windowAt(schedule, utc(3, 2, 3, 30))).toEqual([utc(3, 2, 3, 30), utc(3, 2, 12)]);
    expect(windowAt(schedule, utc(3, 2, 12))).toBeNull();
    // Saturday and Sunday have no window.
    expect(schedule.spans(utc(3, 6, 0), utc(3, 9, 0))).toEqual([[utc(3, 6, 3, 30), utc(3, 6, 12)]]);
  });

  it('ends a window whose end is before its start on the next day, and 24:00 at midnight', () => {
    const late = compile('Europe/Berlin', { days: [5], start: '22:00', end: '02:00' });
    // Friday 6 March 22:00 to Saturday 02:00 Berlin (UTC+1).
    const friday = [utc(3, 6, 21), utc(3, 7, 1)];
    expect(windowAt(late, utc(3, 6, 21))).toEqual(friday);
    expect(windowAt(late, utc(3, 7, 0, 30))).toEqual(friday); // Saturday 01:30: still Friday's window
    expect(windowAt(late, utc(3, 7, 1))).toBeNull();
    expect(windowAt(late, utc(3, 7, 21, 30))).toBeNull(); // Saturday evening: Saturday has no window
    expect(windowAt(late, utc(3, 6, 0, 30))).toBeNull(); // Friday 01:30: Thursday had no window

    const evening = compile('Europe/Berlin', { days: [5], start: '18:00', end: '24:00' });
    expect(windowAt(evening, utc(3, 6, 22, 59))).toEqual([utc(3, 6, 17), utc(3, 6, 23)]);
    expect(windowAt(evening, utc(3, 6, 23))).toBeNull();
  });

  it('spans clips to the range and merges windows that touch or overlap', () => {
    const schedule = compile(
      'UTC',
      { days: [1], start: '09:00', end: '12:00' },
      { days: [1], start: '12:00', end: '13:00' },
      { days: [1], start: '12:30', end: '15:00' },
      { days: [1], start: '16:00', end: '17:00' },
    );
    expect(schedule.spans(utc(3, 2, 10), utc(3, 2, 16, 30))).toEqual([
      [utc(3, 2, 10), utc(3, 2, 15)],
      [utc(3, 2, 16), utc(3, 2, 16, 30)],
    ]);
    // A Sunday night window seen from Monday morning: the range starts inside it.
    const night = compile('UTC', { days: [7], start: '20:00', end: '08:00' });
    expect(night.spans(utc(3, 2, 6), utc(3, 2, 12))).toEqual([[utc(3, 2, 6), utc(3, 2, 8)]]);
  });

  it('refuses a bad schedule, naming each field', () => {
    const bad = (schedule: unknown) => () => compileSchedule(schedule as never);
    expect(bad({ timeZone: 'Mars/Olympus', windows: [{ days: [1], start: '09:00', end: '17:00' }] })).toThrow(
      /schedule\.timeZone: expected an IANA time zone/,
    );
    expect(bad({ timeZone: 'UTC', windows: [] })).toThrow(/schedule\.windows: expected at least one window/);
    expect(bad({ timeZone: 'UTC', windows: [{ days: [0, 8], start: '09:00', end: '17:00' }] })).toThrow(
      /schedule\.windows\.0\.days\.0[\s\S]*schedule\.windows\.0\.days\.1/,
    );
    expect(bad({ timeZone: 'UTC', windows: [{ days: [1], start: '9:00', end: '24:30' }] })).toThrow(
      /schedule\.windows\.0\.start: expected a local time as HH:mm[\s\S]*schedule\.windows\.0\.end/,
    );
    expect(bad({ timeZone: 'UTC', windows: [{ days: [1], start: '09:00', end: '09:00' }] })).toThrow(
      /schedule\.windows\.0\.end: expected the end to differ from the start/,
    );
    expect(bad({ timeZone: 'UTC', windows: [{ days: [], start: '09:00', end: '10:00' }] })).toThrow(
      ConfigError,
    );
  });
});
