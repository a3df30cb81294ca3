/**
 * Writes a CSV presence report from a SQLite file that a tracker (or the demo) wrote, the way the
 * Python tracker's generate_report.py did: `reports/<from>_<to>_presence_report.csv`.
 *
 *   pnpm --filter @presence-tracker/example-report start [file.sqlite] [--days 7] [--from YYYY-MM-DD --to YYYY-MM-DD]
 *        [--time-zone Europe/Berlin] [--out reports]
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { buildReport } from '@presence-tracker/core';
import { hms, localDay, localDayStart, toCsvStream } from '@presence-tracker/core/report';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    days: { type: 'string', default: '7' },
    from: { type: 'string' },
    to: { type: 'string' },
    'time-zone': { type: 'string', default: process.env.REPORT_TIME_ZONE ?? 'Europe/Berlin' },
    out: { type: 'string', default: 'reports' },
  },
});

// What `pnpm demo` writes: it runs at the repository's root, into presence-tracker-demo/.
const DEMO_FILE = resolve(import.meta.dirname, '../../../presence-tracker-demo/presence-demo.db');
const path = resolve(positionals[0] ?? DEMO_FILE);
const timeZone = values['time-zone'];
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
  const report = await buildReport({ store, from, to, timeZone });
  const lastDay = localDay(to.getTime() - 1, timeZone);
  const file = join(values.out, `${localDay(from, timeZone)}_${lastDay}_presence_report.csv`);
  mkdirSync(values.out, { recursive: true });
  await pipeline(toCsvStream(report), createWriteStream(file));

  const names = new Map(report.users.map((u) => [u.id, u.displayName ?? u.id]));
  console.log(`Report from ${path}, ${localDay(from, timeZone)} to ${lastDay} (${timeZone}):\n`);
  console.log(
    ['person'.padEnd(22), 'observed', 'available', 'unavailable', 'longest away', 'sessions'].join('  '),
  );
  for (const t of report.totals) {
    console.log(
      [
        (names.get(t.userId) ?? t.userId).padEnd(22),
        hms(t.observedMs).padStart(8),
        hms(t.availableMs).padStart(9),
        hms(t.unavailableMs).padStart(11),
        hms(t.longestUnavailableMs).padStart(12),
        String(t.sessions).padStart(8),
      ].join('  '),
    );
  }
  console.log(`\nWrote ${resolve(file)}`);
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
