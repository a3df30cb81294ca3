import { pipeline, Readable } from 'node:stream';
import { TZDate } from '@date-fns/tz';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { ConfigError } from '../errors.ts';
import { STATUSES } from '../model.ts';
import { isTimeZone } from '../schedule/index.ts';
import type { Report, ReportUser } from './build.ts';
import type { ReportRow } from './row.ts';

export interface CsvOptions {
  /** Write the header line. Default: true. */
  header?: boolean;
  /** Default: `,`. */
  delimiter?: string;
  /** Append each user's total (an empty `day`) after the day rows. Default: true. */
  totals?: boolean;
  /**
   * Put a `'` before a display name that starts with `=`, `+`, `-`, `@`, a tab or a carriage return, so
   * a spreadsheet shows a name someone set on their platform (`=HYPERLINK(...)`) as text instead of
   * running it as a formula. Ids are written as they are, so they still match the store's. Default: true.
   */
  escapeFormulas?: boolean;
}

export interface CsvStreamOptions extends CsvOptions {
  /** The time zone instants are written in; taken from the report when one is given. */
  timeZone?: string;
  /** Display names; taken from the report when one is given. */
  users?: readonly ReportUser[];
}

const DURATIONS = ['observed', 'available', 'unavailable', 'unobserved'] as const;

/** The CSV columns, in order; REPORTS.md describes each. */
export const CSV_COLUMNS: readonly string[] = [
  'user_id',
  'display_name',
  'day',
  'start',
  'end',
  ...DURATIONS.flatMap((d) => [`${d}_s`, `${d}_hms`]),
  ...STATUSES.flatMap((s) => [`status_${s}_s`, `status_${s}_hms`]),
  'sessions',
  'first_seen',
  'last_seen',
  'longest_unavailable_s',
  'longest_unavailable_hms',
  'unavailable_periods',
];

/** The whole report as CSV text: day rows, then totals. */
export function toCsv(report: Report, options: CsvOptions = {}): string {
  const names = displayNames(report.users);
  const rows = options.totals === false ? report.rows : mergeTotals(report.rows, report.totals);
  return stringifySync(
    rows.map((r) => record(r, report.timeZone, names, options.escapeFormulas !== false)),
    stringifyOptions(options),
  );
}

/**
 * CSV as a stream, for ranges too large to hold: give it a report, or the rows of `reportRows()`
 * (with `timeZone`), and pipe it to a file.
 */
export function toCsvStream(
  source: Report | AsyncIterable<ReportRow> | Iterable<ReportRow>,
  options: CsvStreamOptions = {},
): Readable {
  const isReport = (s: typeof source): s is Report => 'rows' in s && 'totals' in s && 'timeZone' in s;
  const timeZone = isReport(source) ? source.timeZone : options.timeZone;
  if (timeZone === undefined || !isTimeZone(timeZone)) {
    throw new ConfigError('invalid CSV options:', [
      { path: 'timeZone', message: 'expected an IANA time zone such as Europe/Berlin when streaming rows' },
    ]);
  }
  const names = displayNames(isReport(source) ? source.users : (options.users ?? []));
  const rows: AsyncIterable<ReportRow> | Iterable<ReportRow> = isReport(source)
    ? options.totals === false
      ? source.rows
      : mergeTotals(source.rows, source.totals)
    : options.totals === false
      ? skipTotals(source)
      : source;
  async function* records() {
    for await (const r of rows) yield record(r, timeZone!, names, options.escapeFormulas !== false);
  }
  const stringifier = stringify(stringifyOptions(options));
  // pipeline destroys the stringifier with the source's error, so a reader sees every failure.
  pipeline(Readable.from(records()), stringifier, () => {});
  return stringifier;
}

function stringifyOptions(options: CsvOptions) {
  return {
    header: options.header ?? true,
    columns: [...CSV_COLUMNS],
    delimiter: options.delimiter ?? ',',
  };
}

/** Each entity's days followed by its total, in the order of the totals. */
function mergeTotals(rows: ReportRow[], totals: ReportRow[]): ReportRow[] {
  const byUser = new Map<string, ReportRow[]>();
  for (const r of rows) {
    const list = byUser.get(r.userId);
    if (list) list.push(r);
    else byUser.set(r.userId, [r]);
  }
  return totals.flatMap((t) => [...(byUser.get(t.userId) ?? []), t]);
}

async function* skipTotals(rows: AsyncIterable<ReportRow> | Iterable<ReportRow>) {
  for await (const r of rows) if (r.day !== null) yield r;
}

function displayNames(users: readonly ReportUser[]): Map<string, string> {
  return new Map(users.flatMap((u) => (u.displayName === undefined ? [] : [[u.id, u.displayName] as const])));
}

/** What a spreadsheet would run as a formula: a cell starting with = + - @, a tab or a carriage return. */
const FORMULA = /^[=+\-@\t\r]/;

function record(
  r: ReportRow,
  timeZone: string,
  names: Map<string, string>,
  escapeFormulas: boolean,
): Record<string, string | number> {
  const name = r.group ? (r.group.name ?? '') : (names.get(r.userId) ?? '');
  const out: Record<string, string | number> = {
    user_id: r.userId,
    display_name: escapeFormulas && FORMULA.test(name) ? `'${name}` : name,
    day: r.day ?? '',
    start: isoInZone(r.start, timeZone),
    end: isoInZone(r.end, timeZone),
  };
  const ms: Record<(typeof DURATIONS)[number], number> = {
    observed: r.observedMs,
    available: r.availableMs,
    unavailable: r.unavailableMs,
    unobserved: r.unobservedMs,
  };
  for (const d of DURATIONS) {
    out[`${d}_s`] = seconds(ms[d]);
    out[`${d}_hms`] = hms(ms[d]);
  }
  for (const s of STATUSES) {
    out[`status_${s}_s`] = seconds(r.statusMs[s]);
    out[`status_${s}_hms`] = hms(r.statusMs[s]);
  }
  out.sessions = r.sessions;
  out.first_seen = r.firstSeen ? isoInZone(r.firstSeen, timeZone) : '';
  out.last_seen = r.lastSeen ? isoInZone(r.lastSeen, timeZone) : '';
  out.longest_unavailable_s = seconds(r.longestUnavailableMs);
  out.longest_unavailable_hms = hms(r.longestUnavailableMs);
  out.unavailable_periods = r.unavailablePeriods
    .map((p) => `${isoInZone(p.start, timeZone)}/${isoInZone(p.end, timeZone)}`)
    .join(' ');
  return out;
}

/** ISO 8601 with the zone's offset at that instant; milliseconds only when there are some. */
export function isoInZone(at: Date, timeZone: string): string {
  // `2026-03-02T09:00:00.000+01:00`: the zone's wall time and offset at that instant.
  const iso = new TZDate(at.getTime(), timeZone).toISOString();
  return at.getTime() % 1000 === 0 ? `${iso.slice(0, 19)}${iso.slice(23)}` : iso;
}

/** Seconds, with the milliseconds as decimals when there are some. */
function seconds(ms: number): number {
  return ms / 1000;
}

/** `HH:MM:SS`, hours not wrapping at 24 (a total can be longer than a day); milliseconds are dropped. */
export function hms(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
