import { ConfigError, localDay, localDayStart } from '@presence-tracker/core';

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
  return { from: localDayStart(localDay(now, timeZone), timeZone, 1 - days), to: now };
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
    return localDayStart(value, timeZone, endOfDay ? 1 : 0);
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
