import { TZDate } from '@date-fns/tz';

export const DAY_MS = 86_400_000;

/** The browser's own zone, the default of every page. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Every IANA zone the browser knows, for the zone pickers, with UTC first. */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...known])];
}

export function isDay(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/** The local day (YYYY-MM-DD) in `zone` that holds `at`. */
export function dayOf(at: Date, zone: string): string {
  const local = new TZDate(at.getTime(), zone);
  return [local.getFullYear(), local.getMonth() + 1, local.getDate()]
    .map((part, i) => String(part).padStart(i === 0 ? 4 : 2, '0'))
    .join('-');
}

/** The first instant of `day` plus `offset` days in `zone` (a DST day is 23 or 25 hours long). */
export function dayStart(day: string, zone: string, offset = 0): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d + offset, zone).getTime());
}

export function addDays(day: string, offset: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10);
}

/** The Monday that starts the week holding `day`. */
export function weekStart(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${zone}|${JSON.stringify(options)}`;
  let found = formats.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options });
    formats.set(key, found);
  }
  return found;
}

export function formatTime(at: Date, zone: string): string {
  return format(zone, { hour: '2-digit', minute: '2-digit' }).format(at);
}

export function formatDateTime(at: Date, zone: string): string {
  return format(zone, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

export function formatDay(day: string, style: 'short' | 'long' = 'short'): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const options: Intl.DateTimeFormatOptions =
    style === 'short'
      ? { weekday: 'short', day: 'numeric', month: 'short' }
      : { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
  return format('UTC', options).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A length of time as hours and minutes: `7 h 05 min`, `45 min`, `0 min`. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours > 0 ? `${hours} h ${String(rest).padStart(2, '0')} min` : `${rest} min`;
}

/** `hour` o'clock on `day` in `zone`. */
export function hourOf(day: string, hour: number, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, hour, 0, zone).getTime());
}
