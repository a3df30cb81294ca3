import { tz } from '@date-fns/tz';
import { isValid } from 'date-fns/isValid';
import { parseISO } from 'date-fns/parseISO';
import { ConfigError } from '../errors.ts';
import { localDay, localDayStart } from './periods.ts';

/** A range as people write it: the last `days` local days, or `from` and `to` as dates or instants. */
export interface RangeInput {
  days?: number;
  from?: string;
  to?: string;
}

/** How the range's inputs are named in errors: `--from` for a command, `from` for a query string. */
export interface RangeNames {
  from: string;
  to: string;
  days: string;
}

const DEFAULT_NAMES: RangeNames = { from: 'from', to: 'to', days: 'days' };

/**
 * The shapes taken: a date, or a date and time with an optional offset (ISO 8601's extended format,
 * as `date -Iseconds` prints): hours 00 to 23, a fraction only after the seconds, an offset's minutes
 * under 60. Anything else ("Nov 30 2026", "2026-3-2", "T24:00") is refused rather than guessed at;
 * date-fns then checks the calendar, so 2026-02-30 is refused too.
 */
const ISO =
  /^\d{4}-\d{2}-\d{2}(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}(?::?[0-5]\d)?)?)?$/;

const EXPECTED =
  'expected a date YYYY-MM-DD or an ISO 8601 date and time such as 2026-03-02T09:00 or 2026-03-02T09:00:00Z';

/**
 * A date (`2026-03-02`) or date and time (`2026-03-02T09:00`, `2026-03-02T09:00:00+01:00`). A date
 * and time without an offset is read in `timeZone`, the report's zone, not this machine's.
 */
export function parseInstant(value: string, name: string, timeZone: string): { at: Date; dateOnly: boolean } {
  const at = ISO.test(value) ? parseISO(value, { in: tz(timeZone) }) : undefined;
  if (!at || !isValid(at)) {
    throw new ConfigError('invalid options:', [
      { path: name, message: `${EXPECTED}, received ${JSON.stringify(value)}` },
    ]);
  }
  return { at: new Date(at.getTime()), dateOnly: !value.includes('T') };
}

/**
 * `[from, to)` from what was asked. `days: N` is the last N local days, today included, up to now.
 * `from` and `to` take a local date (`2026-03-02`, the whole day, `to` included) or an ISO 8601 date
 * and time; `to` defaults to now. Errors are `ConfigError`s naming the input by `names`.
 */
export function resolveRange(
  input: RangeInput,
  timeZone: string,
  now: Date,
  defaultDays: number,
  names: RangeNames = DEFAULT_NAMES,
): { from: Date; to: Date } {
  if (input.days !== undefined && (input.from !== undefined || input.to !== undefined)) {
    throw new ConfigError('invalid options:', [
      { path: names.days, message: `expected either ${names.days} or ${names.from}/${names.to}, not both` },
    ]);
  }
  if (input.from === undefined && input.to !== undefined) {
    throw new ConfigError('invalid options:', [
      { path: names.from, message: `expected ${names.from} with ${names.to}` },
    ]);
  }
  if (input.from !== undefined) {
    const from = bound(input.from, names.from, timeZone, false);
    if (input.to === undefined) {
      if (!(from < now)) {
        throw new ConfigError('invalid options:', [
          {
            path: names.from,
            message: `expected a start before now (${now.toISOString()}) when ${names.to} is not given; to look ahead, give ${names.to} as well`,
          },
        ]);
      }
      return { from, to: now };
    }
    const to = bound(input.to, names.to, timeZone, true);
    if (!(from < to)) {
      throw new ConfigError('invalid options:', [
        { path: names.to, message: `expected an end after ${names.from} (${from.toISOString()})` },
      ]);
    }
    return { from, to };
  }
  const days = input.days ?? defaultDays;
  return { from: localDayStart(localDay(now, timeZone), timeZone, 1 - days), to: now };
}

/** A date alone is the whole local day: `from` its start, `to` its end. */
function bound(value: string, name: string, timeZone: string, end: boolean): Date {
  const { at, dateOnly } = parseInstant(value, name, timeZone);
  return dateOnly ? localDayStart(localDay(at, timeZone), timeZone, end ? 1 : 0) : at;
}
