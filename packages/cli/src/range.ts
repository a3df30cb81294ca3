import { tz } from '@date-fns/tz';
import { ConfigError } from '@presence-tracker/core';
import { localDay, localDayStart } from '@presence-tracker/core/report';
import { isValid, parse } from 'date-fns';

export interface RangeOptions {
  days?: number;
  from?: string;
  to?: string;
}

/**
 * The shapes the command takes: a date, or a date and time with an optional offset (ISO 8601's
 * extended format, as `date -Iseconds` prints). Anything else ("Nov 30 2026", "2026-3-2") is refused
 * rather than guessed at; date-fns then checks the calendar, so 2026-02-30 is refused too.
 */
const ISO = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2})?(\.\d{1,3})?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const EXPECTED =
  'expected a date YYYY-MM-DD or an ISO 8601 date and time such as 2026-03-02T09:00 or 2026-03-02T09:00:00Z';

/** Whether `value` names a time zone this machine knows (IANA names such as Europe/Berlin). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * A date (`2026-03-02`) or date and time (`2026-03-02T09:00`, `2026-03-02T09:00:00+01:00`). A date
 * and time without an offset is read in `timeZone`, the report's zone, not this machine's.
 */
export function parseInstant(value: string, name: string, timeZone: string): { at: Date; dateOnly: boolean } {
  const m = ISO.exec(value);
  const bad = () =>
    new ConfigError('invalid options:', [
      { path: name, message: `${EXPECTED}, received ${JSON.stringify(value)}` },
    ]);
  if (!m) throw bad();
  const [, , time, seconds, fraction, offset] = m;
  const format = [
    'yyyy-MM-dd',
    time ? "'T'HH:mm" : '',
    seconds ? ':ss' : '',
    fraction ? `.${'S'.repeat(fraction.length - 1)}` : '',
    offset ? offsetToken(offset) : '',
  ].join('');
  const at = parse(value, format, new Date(0), { in: tz(timeZone) });
  if (!isValid(at)) throw bad();
  return { at: new Date(at.getTime()), dateOnly: time === undefined };
}

/** date-fns's token for each way of writing an offset: `Z` or `+01`, `+0100`, `+01:00`. */
function offsetToken(offset: string): string {
  if (offset === 'Z' || offset.length === 3) return 'X';
  return offset.includes(':') ? 'XXX' : 'XX';
}

/**
 * `[from, to)` from the command's options. `--days N` is the last N local days, today included, up
 * to now. `--from` and `--to` take a local date (`2026-03-02`, the whole day, `--to` included) or an
 * ISO 8601 date and time; `--to` defaults to now.
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
    const from = bound(options.from, '--from', timeZone, false);
    if (options.to === undefined) {
      if (!(from < now)) {
        throw new ConfigError('invalid options:', [
          {
            path: '--from',
            message: `expected a start before now (${now.toISOString()}) when --to is not given; to look ahead, give --to as well`,
          },
        ]);
      }
      return { from, to: now };
    }
    const to = bound(options.to, '--to', timeZone, true);
    if (!(from < to)) {
      throw new ConfigError('invalid options:', [
        { path: '--to', message: `expected an end after --from (${from.toISOString()})` },
      ]);
    }
    return { from, to };
  }
  const days = options.days ?? defaultDays;
  return { from: localDayStart(localDay(now, timeZone), timeZone, 1 - days), to: now };
}

/** A date alone is the whole local day: `--from` its start, `--to` its end. */
function bound(value: string, name: string, timeZone: string, end: boolean): Date {
  const { at, dateOnly } = parseInstant(value, name, timeZone);
  return dateOnly ? localDayStart(localDay(at, timeZone), timeZone, end ? 1 : 0) : at;
}
