import { ConfigError } from '@presence-tracker/core';

export interface RangeOptions {
  days?: number;
  from?: string;
  to?: string;
}

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `[from, to)` from the command's options. `--days N` is the last N local days, today included, up
 * to now. `--from` and `--to` take a local date (`2026-03-02`, the whole day, `--to` included) or an
 * ISO 8601 instant; `--to` defaults to now.
 */
export function resolveRange(
  options: RangeOptions,
  timeZone: string,
  now: Date,
  defaultDays: number,
): { from: Date; to: Date } {
  if (options.days !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new ConfigError('invalid options:', [
      { path: '--days', message: 'expected either --days or --from/--to, not both' },
    ]);
  }
  if (options.from === undefined && options.to !== undefined) {
    throw new ConfigError('invalid options:', [{ path: '--from', message: 'expected --from with --to' }]);
  }
  if (options.from !== undefined) {
    const from = instant(options.from, '--from', timeZone, false);
    const to = options.to === undefined ? now : instant(options.to, '--to', timeZone, true);
    if (!(from < to)) {
      throw new ConfigError('invalid options:', [{ path: '--to', message: 'expected --to after --from' }]);
    }
    return { from, to };
  }
  const days = options.days ?? defaultDays;
  const today = localDate(now, timeZone);
  return { from: startOfLocalDay(addDays(today, 1 - days), timeZone), to: now };
}

export function parseWholeNumber(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min) {
      throw new ConfigError('invalid options:', [
        {
          path: name,
          message: `expected a whole number >= ${min}, received ${value === '' ? 'an empty string' : 'something else'}`,
        },
      ]);
    }
    return n;
  };
}

function instant(value: string, name: string, timeZone: string, endOfDay: boolean): Date {
  if (DAY_FORMAT.test(value)) {
    return startOfLocalDay(endOfDay ? addDays(value, 1) : value, timeZone);
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new ConfigError('invalid options:', [
      {
        path: name,
        message: 'expected a date YYYY-MM-DD or an ISO 8601 instant such as 2026-03-02T09:00:00Z',
      },
    ]);
  }
  return at;
}

/** The local calendar date of an instant, `YYYY-MM-DD`. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The instant a local date starts in a time zone, across daylight-saving changes. */
export function startOfLocalDay(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  // Offsets differ at most once between a guess and the answer, so two corrections settle it.
  let guess = wall;
  for (let i = 0; i < 2; i++) guess = wall - offset(guess, timeZone);
  return new Date(guess);
}

/** The zone's offset from UTC at an instant, in ms. */
function offset(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at / 1000) * 1000;
}
