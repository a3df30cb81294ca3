import { TZDate } from '@date-fns/tz';
import { scaleUtc } from 'd3-scale';
import { addDays } from 'date-fns/addDays';
import { startOfDay } from 'date-fns/startOfDay';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { type Interval, STATUSES, type Status } from '../model.ts';
import { buckets } from '../report/periods.ts';
import { isTimeZone } from '../schedule/index.ts';
import { parseOptions } from '../validation.ts';

/** Colours chosen to stay apart for colour-blind readers; offline is grey, unobserved is hatched. */
export const DEFAULT_STATUS_COLORS: Readonly<Record<Status, string>> = Object.freeze({
  available: '#2e9d4a',
  busy: '#d7301f',
  dnd: '#7b3294',
  away: '#f2b701',
  offline: '#8c8c8c',
  unknown: '#4a6c8c',
});

export interface TimelineUser {
  id: string;
  displayName?: string;
}

/** A row drawn beneath a user's own row: one platform's intervals of a combined person, say. */
export interface TimelinePart {
  userId: string;
  /** The row's label, e.g. the platform's name; drawn indented beneath the user's name. */
  label: string;
  intervals: readonly Interval[];
}

export interface TimelineOptions {
  /** The intervals to draw, e.g. from `store.intervals({ from, to })`. */
  intervals: readonly Interval[];
  from: Date;
  to: Date;
  /** IANA time zone of the axis labels and day separators. */
  timeZone: string;
  /** Rows, in this order, labelled with display names. Default: every user in `intervals`, by id. */
  users?: readonly TimelineUser[];
  /** Width of the picture in pixels. Default: 1200. */
  width?: number;
  /** Height of one user's row in pixels. Default: 18. */
  rowHeight?: number;
  /** Width of the name column in pixels. Default: 160. */
  labelWidth?: number;
  title?: string;
  colors?: Partial<Record<Status, string>>;
  /** Where open intervals stop. Default: the current time. */
  now?: Date;
  /** Default: `DejaVu Sans, Arial, Helvetica, sans-serif`. */
  fontFamily?: string;
  /**
   * Rows beneath a user's row, in the order given (e.g. each platform's intervals of a person tracked
   * through `combineProviders`, from `platformIntervals`). Parts of users not drawn are left out.
   */
  parts?: readonly TimelinePart[];
}

const optionsSchema = z
  .object({
    // Checked as a list only: intervals come from a store, and checking thousands of them one by one
    // would cost more than drawing them.
    intervals: z.array(z.unknown(), { error: 'expected an array of intervals' }),
    from: z.date({ error: 'expected a valid Date' }),
    to: z.date({ error: 'expected a valid Date' }),
    timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin'),
    users: z.array(z.object({ id: z.string() }).loose()).optional(),
    width: z.number().int().min(300, 'expected at least 300 pixels').max(20_000).optional(),
    rowHeight: z.number().min(4).max(200).optional(),
    labelWidth: z.number().min(0).optional(),
    title: z.string().optional(),
    colors: z.record(z.enum(STATUSES), z.string()).optional(),
    now: z.date({ error: 'expected a valid Date' }).optional(),
    fontFamily: z.string().optional(),
    parts: z
      .array(z.object({ userId: z.string(), label: z.string(), intervals: z.array(z.unknown()) }).loose())
      .optional(),
  })
  .refine((o) => o.from.getTime() < o.to.getTime(), {
    message: 'expected `to` to be after `from`',
    path: ['to'],
  });

const HOUR = 3_600_000;
const TOP = 56;
const LEGEND = 36;
const RIGHT = 16;

/** The picture's size for these options, in pixels. */
export function timelineSize(options: Pick<TimelineOptions, 'width' | 'rowHeight'> & { rows: number }): {
  width: number;
  height: number;
} {
  return { width: options.width ?? 1200, height: TOP + options.rows * (options.rowHeight ?? 18) + LEGEND };
}

/**
 * Draws one row per user over `[from, to)`: a rectangle per interval in its status's colour, hatching
 * where the user was unobserved, the time axis in local time and a line at each local midnight.
 */
export function renderTimeline(options: TimelineOptions): string {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('invalid timeline options: expected an object');
  parseOptions(optionsSchema, options, 'timeline options');
  const from = options.from.getTime();
  const to = options.to.getTime();
  const now = (options.now ?? new Date()).getTime();
  const rowHeight = options.rowHeight ?? 18;
  const labelWidth = options.labelWidth ?? 160;
  const colors = { ...DEFAULT_STATUS_COLORS, ...options.colors };
  const font = options.fontFamily ?? 'DejaVu Sans, Arial, Helvetica, sans-serif';
  const users: readonly TimelineUser[] =
    options.users ?? [...new Set(options.intervals.map((i) => i.userId))].sort().map((id) => ({ id }));
  const partsOf = new Map<string, TimelinePart[]>();
  for (const p of options.parts ?? []) partsOf.set(p.userId, [...(partsOf.get(p.userId) ?? []), p]);
  // Each user's row, then the rows of their parts.
  const rows = users.flatMap((u) => [
    { user: u, part: undefined as TimelinePart | undefined },
    ...(partsOf.get(u.id) ?? []).map((part) => ({ user: u, part })),
  ]);
  const { width, height } = timelineSize({ width: options.width, rowHeight, rows: rows.length });
  const x = scaleUtc()
    .domain([from, to])
    .range([labelWidth, width - RIGHT])
    .clamp(true);
  const plotBottom = TOP + rows.length * rowHeight;
  const out: string[] = [];
  const clock = localClock(options.timeZone);

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(font)}" font-size="11">`,
    '<defs><pattern id="unobserved" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">',
    '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c8c8c8" stroke-width="2"/></pattern></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  if (options.title)
    out.push(
      `<text class="title" x="8" y="18" font-size="14" font-weight="bold">${esc(options.title)}</text>`,
    );

  // Axis: ticks at round local hours, spaced so that labels do not collide; above them, each day's name.
  const ticks = localTicks(from, to, options.timeZone, (width - RIGHT - labelWidth) / 70);
  out.push('<g class="axis">');
  for (const t of ticks) {
    const px = x(t.at);
    // Labels at the edges are anchored inwards so that they are not cut off.
    const anchor = px > width - RIGHT - 20 ? 'end' : px < labelWidth + 20 ? 'start' : 'middle';
    out.push(`<line x1="${fix(px)}" y1="${TOP - 4}" x2="${fix(px)}" y2="${plotBottom}" stroke="#e4e4e4"/>`);
    if (t.label) {
      out.push(
        `<text x="${fix(px)}" y="${TOP - 8}" text-anchor="${anchor}" fill="#333">${esc(t.label)}</text>`,
      );
    }
  }
  for (const day of buckets(from, to, options.timeZone, 'day')) {
    // A day too narrow for its name (a sliver at the range's edge) goes unnamed.
    const room = x(day.end) - x(day.start);
    if (room < 40) continue;
    out.push(
      `<text class="day" x="${fix(x(day.start) + 3)}" y="${TOP - 22}" font-weight="bold" fill="#222">${dayName(day.start, options.timeZone, room)}</text>`,
    );
  }
  out.push('</g>');

  const byUser = new Map<string, Interval[]>();
  for (const i of options.intervals) {
    const list = byUser.get(i.userId);
    if (list) list.push(i);
    else byUser.set(i.userId, [i]);
  }
  rows.forEach(({ user: u, part }, row) => {
    const y = TOP + row * rowHeight;
    const name = u.displayName ?? u.id;
    const label = part ? part.label : name;
    const title = part ? `${name} on ${part.label}` : name;
    out.push(
      part
        ? `<g class="part" data-user-id="${esc(u.id)}" data-part="${esc(part.label)}">`
        : `<g class="row" data-user-id="${esc(u.id)}">`,
      part
        ? `<text class="label" x="${labelWidth - 6}" y="${fix(y + rowHeight / 2 + 4)}" text-anchor="end" fill="#666" font-size="10">${esc(truncate(label, labelWidth - 12))}</text>`
        : `<text class="label" x="${labelWidth - 6}" y="${fix(y + rowHeight / 2 + 4)}" text-anchor="end">${esc(truncate(label, labelWidth))}</text>`,
      `<rect class="unobserved" x="${labelWidth}" y="${y + 1}" width="${fix(width - RIGHT - labelWidth)}" height="${rowHeight - 2}" fill="url(#unobserved)"/>`,
    );
    // A part's row is drawn a little thinner, so the person's own row stands out.
    const inset = part ? Math.max(1, Math.round(rowHeight / 6)) : 1;
    for (const i of part ? part.intervals : (byUser.get(u.id) ?? [])) {
      const a = Math.max(i.startedAt.getTime(), from);
      const b = Math.min(i.endedAt === null ? Math.max(now, i.startedAt.getTime()) : i.endedAt.getTime(), to);
      if (a >= b) continue;
      const x0 = x(a);
      // Very short intervals still show as a hairline rather than vanishing.
      const w = Math.max(x(b) - x0, 0.5);
      out.push(
        `<rect class="status" data-status="${i.status}" x="${fix(x0)}" y="${y + inset}" width="${fix(w)}" height="${rowHeight - 2 * inset}" fill="${esc(colors[i.status])}">`,
        `<title>${esc(title)}: ${i.status} ${clock(a)} to ${clock(b)}</title></rect>`,
      );
    }
    out.push('</g>');
  });

  out.push('<g class="days">');
  for (const midnight of localMidnights(from, to, options.timeZone)) {
    const px = fix(x(midnight));
    out.push(
      `<line x1="${px}" y1="${TOP - 4}" x2="${px}" y2="${plotBottom}" stroke="#333" stroke-width="1.2"/>`,
    );
  }
  out.push('</g>');

  const legendY = plotBottom + 14;
  out.push('<g class="legend">');
  let lx = labelWidth;
  for (const s of [...STATUSES, 'unobserved'] as const) {
    const fill = s === 'unobserved' ? 'url(#unobserved)' : esc(colors[s]);
    out.push(
      `<rect x="${lx}" y="${legendY}" width="12" height="12" fill="${fill}" stroke="#666" stroke-width="0.5"/>`,
      `<text x="${lx + 16}" y="${legendY + 10}">${s}</text>`,
    );
    lx += 30 + s.length * 7;
  }
  out.push('</g></svg>');
  return out.join('\n');
}

const STEPS_HOURS = [1, 2, 3, 6, 12, 24, 48, 168];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Ticks at round local hours (or local midnights for long ranges), at most `maxTicks` of them. */
function localTicks(
  from: number,
  to: number,
  timeZone: string,
  maxTicks: number,
): { at: number; label: string }[] {
  const step = STEPS_HOURS.find((h) => (to - from) / (h * HOUR) <= maxTicks) ?? 168;
  const ticks: { at: number; label: string }[] = [];
  const seen = new Set<number>();
  let day = 0;
  for (const midnight of localMidnights(from - 24 * HOUR, to, timeZone)) {
    const d = new TZDate(midnight, timeZone);
    // Whole days are named above the axis; only days too narrow for a name get a date on it.
    const dayLabel =
      step >= 48
        ? `${String(d.getDate()).padStart(2, '0')} ${MONTHS[d.getMonth()]}`
        : step === 24
          ? ''
          : '00:00';
    if (step >= 24) {
      if (day++ % (step / 24) === 0 && midnight >= from && midnight <= to)
        ticks.push({ at: midnight, label: dayLabel });
      continue;
    }
    for (let h = 0; h < 24; h += step) {
      // An hour the clocks skip is moved by the time-zone library; the same instant is kept once.
      const local = new TZDate(d.getFullYear(), d.getMonth(), d.getDate(), h, 0, timeZone);
      const at = local.getTime();
      if (at < from || at > to || seen.has(at)) continue;
      seen.add(at);
      const hhmm = `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`;
      ticks.push({ at, label: hhmm });
    }
  }
  return ticks;
}

/** Local midnights in `[from, to]`. */
function localMidnights(from: number, to: number, timeZone: string): number[] {
  const found: number[] = [];
  let day: TZDate = startOfDay(new TZDate(from, timeZone));
  while (day.getTime() <= to) {
    if (day.getTime() >= from) found.push(day.getTime());
    day = addDays(day, 1);
  }
  return found;
}

/** As much of `Mon 23 Mar 2026` as fits in `room` pixels. */
function dayName(at: number, timeZone: string, room: number): string {
  const d = new TZDate(at, timeZone);
  const day = `${WEEKDAYS[d.getDay()]} ${String(d.getDate()).padStart(2, '0')}`;
  if (room < 80) return day;
  return room < 110 ? `${day} ${MONTHS[d.getMonth()]}` : `${day} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** `YYYY-MM-DD HH:mm` in the time zone; one formatter for the whole picture, since there is a title per rectangle. */
function localClock(timeZone: string): (at: number) => string {
  // The Swedish locale writes dates and times in ISO order.
  const f = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (at) => f.format(at);
}

function truncate(name: string, labelWidth: number): string {
  const fits = Math.max(4, Math.floor((labelWidth - 10) / 6.5));
  return name.length > fits ? `${name.slice(0, fits - 1)}…` : name;
}

function fix(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
