import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  buildReport,
  type PresenceStore,
  type Report,
  type ReportRow,
  type Status,
  toCsv,
} from '@presence-tracker/core';
import { reportRows } from '@presence-tracker/core/report';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { resolveConfig } from '../config.ts';
import { EXIT } from '../explain.ts';
import { type Io, writeLine } from '../io.ts';
import { createLogger } from '../logger.ts';
import { type RangeOptions, resolveRange } from '../range.ts';
import { pluginContext } from './track.ts';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions extends RangeOptions {
  config?: string;
  format?: ReportFormat;
  out?: string;
  timeZone?: string;
}

/** Ranges longer than this show a progress bar (on a terminal), since they take a while on large teams. */
const LONG_RANGE_MS = 31 * 86_400_000;

export async function report(options: ReportOptions, io: Io): Promise<number> {
  const config = await resolveConfig(io, options.config);
  const timeZone = options.timeZone ?? config.report.timeZone;
  const range = resolveRange(options, timeZone, io.now(), config.report.days);
  // Reading only: a store opens without write access where it can, and waits for no writer.
  const store = await config.plugins.store.create(
    pluginContext(config, io, createLogger(io, undefined, 'warn'), { readOnly: true }),
  );
  try {
    const availableStatuses = config.policy?.availableStatuses;
    const built = await build(
      store,
      { ...range, timeZone, ...(availableStatuses && { availableStatuses }) },
      io,
    );
    const text = render(built, options.format ?? 'table');
    if (options.out) {
      // Missing folders are made, as for the timeline and a SQLite file.
      const out = resolve(io.cwd, options.out);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, text);
      writeLine(io.stderr, `report written to ${out}`);
    } else io.stdout.write(text);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/**
 * The report of a range; `availableStatuses` is the configuration's `policy.availableStatuses`, so the
 * report counts as available what the tracker's run summaries and the dashboard count.
 */
export async function build(
  store: PresenceStore,
  {
    availableStatuses,
    ...range
  }: { from: Date; to: Date; timeZone: string; availableStatuses?: readonly Status[] },
  io: Io,
): Promise<Report> {
  const query = { ...range, ...(availableStatuses && { policy: { availableStatuses } }) };
  const long = range.to.getTime() - range.from.getTime() > LONG_RANGE_MS;
  if (!long || !io.stderr.isTTY) return buildReport({ store, ...query, now: io.now() });

  // Row by row, a batch of people at a time, so the bar moves as each person's total arrives.
  const users = await store.users();
  const bar = new SingleBar(
    {
      stream: io.stderr,
      format: 'report |{bar}| {value}/{total} people',
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(users.length, 0);
  const rows: ReportRow[] = [];
  const totals: ReportRow[] = [];
  try {
    for await (const row of reportRows({ store, ...query, now: io.now() })) {
      if (row.day === null) {
        totals.push(row);
        bar.increment();
      } else rows.push(row);
    }
  } finally {
    bar.stop();
  }
  const known = new Map(users.map((u) => [u.id, u]));
  return {
    rows,
    totals,
    ...range,
    groupBy: 'day',
    users: totals.map((t) => {
      const u = known.get(t.userId);
      return {
        id: t.userId,
        ...(u?.displayName && { displayName: u.displayName }),
        ...(u?.email && { email: u.email }),
      };
    }),
  };
}

export function render(built: Report, format: ReportFormat): string {
  switch (format) {
    case 'csv':
      return toCsv(built);
    case 'json':
      return `${JSON.stringify(built, null, 2)}\n`;
    case 'table':
      return table(built);
  }
}

/** One line per person per day, then each person's total, in the report's time zone. */
function table(built: Report): string {
  const names = new Map(built.users.map((u) => [u.id, u.displayName ?? u.email ?? u.id]));
  const t = new Table({
    head: [
      'person',
      'day',
      'observed',
      'available',
      'unavailable',
      'longest away',
      'sessions',
      'first seen',
      'last seen',
    ],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  const time = (at: Date | null) =>
    at === null
      ? '-'
      : at.toLocaleTimeString('en-GB', {
          timeZone: built.timeZone,
          hour: '2-digit',
          minute: '2-digit',
          hour12: false,
        });
  const line = (r: ReportRow, day: string) => [
    names.get(r.userId) ?? r.userId,
    day,
    hm(r.observedMs),
    hm(r.availableMs),
    hm(r.unavailableMs),
    hm(r.longestUnavailableMs),
    String(r.sessions),
    time(r.firstSeen),
    time(r.lastSeen),
  ];
  const totals = new Map(built.totals.map((r) => [r.userId, r]));
  const days = new Set(built.rows.map((r) => r.day));
  let previous: string | null = null;
  // Days on which someone was neither seen nor in a session say nothing in a table (the CSV keeps them).
  for (const r of built.rows.filter((row) => row.observedMs > 0 || row.sessions > 0)) {
    if (previous !== null && previous !== r.userId && days.size > 1) {
      const total = totals.get(previous);
      if (total) t.push(line(total, 'total'));
    }
    previous = r.userId;
    t.push(line(r, r.day ?? ''));
  }
  const last = previous === null ? undefined : totals.get(previous);
  if (last && days.size > 1) t.push(line(last, 'total'));
  if (previous === null)
    return `no one was observed between ${built.from.toISOString()} and ${built.to.toISOString()}\n`;
  return `${t.toString()}\n  times in ${built.timeZone}; durations as hours:minutes\n`;
}

/** Milliseconds as `H:MM`. */
export function hm(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}
