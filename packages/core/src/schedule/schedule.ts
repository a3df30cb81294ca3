import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { startOfDay } from 'date-fns/startOfDay';
import { z } from 'zod';
import { parseOptions } from '../validation.ts';

/** When tracking happens: windows of local time, per weekday, in an IANA time zone. */
export interface Schedule {
  timeZone: string;
  windows: ScheduleWindow[];
}

export interface ScheduleWindow {
  /** ISO weekdays: 1 is Monday, 7 is Sunday. */
  days: number[];
  /** Local start, `HH:mm`. */
  start: string;
  /** Local end, `HH:mm`; `24:00` is midnight at the end of the day; an end before the start ends the next day. */
  end: string;
}

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a local time as HH:mm, 00:00 to 24:00');

export const scheduleSchema = z.object({
  timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin'),
  windows: z
    .array(
      z
        .object({
          days: z
            .array(z.number().int().min(1).max(7))
            .min(1, 'expected at least one weekday, 1 (Mon) to 7 (Sun)'),
          start: time,
          end: time,
        })
        .refine((w) => w.start !== w.end, {
          message: 'expected the end to differ from the start',
          path: ['end'],
        }),
    )
    .min(1, 'expected at least one window'),
});

/** Zones already found valid: making the formatter that tells costs milliseconds, a report's check included. */
const knownZones = new Set<string>();

export function isTimeZone(value: string): boolean {
  if (knownZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    knownZones.add(value);
    return true;
  } catch {
    return false;
  }
}

/** A checked schedule that answers where an instant falls. */
export interface CompiledSchedule {
  readonly timeZone: string;
  /** The window containing `at`, as instants, or `null` when `at` is outside every window. */
  windowAt(at: Date): { start: Date; end: Date } | null;
  /** The instants inside any window, clipped to `[from, to)` (epoch ms), as sorted disjoint `[start, end)` pairs. */
  spans(from: number, to: number): [number, number][];
}

export function compileSchedule(schedule: Schedule): CompiledSchedule {
  const { timeZone, windows } = parseOptions(scheduleSchema, schedule, 'schedule', 'schedule');
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const compiled = windows.map((w) => ({
    days: new Set(w.days),
    start: minutes(w.start),
    end: minutes(w.end),
  }));

  const localInstant = (day: TZDate, minuteOfDay: number) => {
    const d = addDays(day, Math.floor(minuteOfDay / 1440));
    const m = minuteOfDay % 1440;
    return new TZDate(
      d.getFullYear(),
      d.getMonth(),
      d.getDate(),
      Math.floor(m / 60),
      m % 60,
      timeZone,
    ).getTime();
  };
  /** The windows that start on one local day, as epoch-ms pairs; an end before the start is the next day's. */
  const windowsOf = (day: TZDate): [number, number][] => {
    const isoWeekday = day.getDay() === 0 ? 7 : day.getDay();
    return compiled
      .filter((w) => w.days.has(isoWeekday))
      .map((w) => [localInstant(day, w.start), localInstant(day, w.end > w.start ? w.end : w.end + 1440)]);
  };
  const localMidnight = (at: number) => startOfDay(new TZDate(at, timeZone));

  return {
    timeZone,
    windowAt(at) {
      const t = at.getTime();
      const today = localMidnight(t);
      // A window that ends after midnight belongs to the day it started on, so look at yesterday too.
      for (const day of [addDays(today, -1), today]) {
        for (const [start, end] of windowsOf(day)) {
          if (start <= t && t < end) return { start: new Date(start), end: new Date(end) };
        }
      }
      return null;
    },
    spans(from, to) {
      const spans: [number, number][] = [];
      for (let day = addDays(localMidnight(from), -1); day.getTime() < to; day = addDays(day, 1)) {
        for (const [start, end] of windowsOf(day)) {
          const a = Math.max(start, from);
          const b = Math.min(end, to);
          if (a < b) spans.push([a, b]);
        }
      }
      spans.sort((x, y) => x[0] - y[0]);
      const merged: [number, number][] = [];
      for (const span of spans) {
        const last = merged.at(-1);
        if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
        else merged.push(span);
      }
      return merged;
    },
  };
}
