/**
 * Draws presence timelines from a SQLite file that a tracker (or the demo) wrote, the way the Python
 * tracker's generate_timeline.py did: one picture of the whole range (SVG and PNG) and one SVG page
 * per run (or per day).
 *
 *   pnpm --filter @presence-tracker/example-timeline start [file.sqlite] [--days 1] [--from YYYY-MM-DD --to YYYY-MM-DD]
 *        [--time-zone Europe/Berlin] [--pages run|day] [--width 1400] [--out reports]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '@presence-tracker/core';
import { localDay, localDayStart } from '@presence-tracker/core/report';
import {
  renderTimeline,
  renderTimelinePages,
  renderTimelinePng,
  type TimelineOptions,
} from '@presence-tracker/core/timeline';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    days: { type: 'string', default: '1' },
    from: { type: 'string' },
    to: { type: 'string' },
    'time-zone': { type: 'string', default: process.env.REPORT_TIME_ZONE ?? 'Europe/Berlin' },
    pages: { type: 'string', default: 'run' },
    width: { type: 'string', default: '1400' },
    out: { type: 'string', default: 'reports' },
  },
});

// What `pnpm demo` writes: it runs at the repository's root, into presence-tracker-demo/.
const DEMO_FILE = resolve(import.meta.dirname, '../../../presence-tracker-demo/presence-demo.db');
const path = resolve(positionals[0] ?? DEMO_FILE);
const timeZone = values['time-zone'];
if (values.pages !== 'run' && values.pages !== 'day')
  throw new Error(`--pages: expected run or day, got ${values.pages}`);
if (!existsSync(path)) {
  // Opening a missing file would create an empty database; say what is wrong instead.
  console.error(
    `No SQLite file at ${path}: run \`pnpm demo\` first, or give the file as the first argument.`,
  );
  process.exit(1);
}
const store = sqliteStore({ path });

try {
  const { from, to } = await range();
  const now = new Date();
  const [users, intervals, runs] = await Promise.all([
    store.users(),
    store.intervals({ from, to }),
    store.runs({ from, to }),
  ]);
  const options: TimelineOptions = {
    intervals,
    from,
    to,
    timeZone,
    now,
    width: Number(values.width),
    users: users.map((u) =>
      u.displayName === undefined ? { id: u.id } : { id: u.id, displayName: u.displayName },
    ),
  };
  const name = `${localDay(from, timeZone)}_${localDay(to.getTime() - 1, timeZone)}_timeline`;
  mkdirSync(values.out, { recursive: true });
  const written: string[] = [];
  const write = (file: string, data: string | Uint8Array) => {
    writeFileSync(join(values.out, file), data);
    written.push(resolve(values.out, file));
  };

  write(`${name}.svg`, renderTimeline({ ...options, title: `Presence ${name.replaceAll('_', ' ')}` }));
  try {
    write(
      `${name}.png`,
      await renderTimelinePng({ ...options, title: `Presence ${name.replaceAll('_', ' ')}` }),
    );
  } catch (error) {
    // The PNG needs an optional dependency; the SVG is enough without it.
    if (!ConfigError.isInstance(error)) throw error;
    console.warn(`No PNG: ${error.message}`);
  }
  const split = values.pages === 'day' ? { by: 'day' as const } : { by: 'run' as const, runs };
  for (const page of renderTimelinePages({ ...options, title: 'Presence' }, split)) {
    write(`${name}_${page.label.replace(/\s+/g, '-')}.svg`, page.svg);
  }
  console.log(`Timelines of ${options.users!.length} people, ${intervals.length} intervals, from ${path}:`);
  for (const file of written) console.log(`  ${file}`);
} finally {
  await store.close();
}

/** `--from`/`--to` as local days (both included), or the last `--days` local days up to the newest run. */
async function range(): Promise<{ from: Date; to: Date }> {
  if (values.from || values.to) {
    if (!values.from || !values.to) throw new Error('give both --from and --to (YYYY-MM-DD), or --days');
    return { from: localDayStart(values.from, timeZone), to: localDayStart(values.to, timeZone, 1) };
  }
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`--days: expected a whole number of days, got ${values.days}`);
  const runs = await store.runs({ from: new Date(0), to: new Date(8.64e15) });
  const newest = runs.reduce((max, r) => Math.max(max, (r.endedAt ?? new Date()).getTime()), 0);
  const lastDay = localDay(newest === 0 ? Date.now() : newest - 1, timeZone);
  return { from: localDayStart(lastDay, timeZone, 1 - days), to: localDayStart(lastDay, timeZone, 1) };
}
