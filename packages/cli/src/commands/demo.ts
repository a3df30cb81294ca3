import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  ConfigError,
  createTracker,
  manualClock,
  type PresenceStore,
  simulatedProvider,
  toCsv,
} from '@presence-tracker/core';
import { localTimeZone } from '@presence-tracker/core/config';
import { localDay, localDayStart } from '@presence-tracker/core/report';
import { EXIT } from '../explain.ts';
import { type Io, writeLine } from '../io.ts';
import { parseInstant } from '../range.ts';
import { build, render } from './report.ts';
import { writeTimeline } from './timeline.ts';

export interface DemoOptions {
  out?: string;
  users?: number;
  seed?: number;
  date?: string;
  timeZone?: string;
}

const MINUTE = 60_000;
const WINDOW = { start: '07:00', end: '19:00' };

/**
 * A simulated team's working day, tracked minute by minute on a manual clock into a SQLite file, then
 * its report and timeline: the whole product in a few seconds, without an account anywhere.
 */
export async function demo(options: DemoOptions, io: Io): Promise<number> {
  const outDir = resolve(io.cwd, options.out ?? 'presence-tracker-demo');
  const timeZone = options.timeZone ?? localTimeZone();
  const day = options.date ?? lastWeekday(io.now(), timeZone);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new ConfigError('invalid options:', [{ path: '--date', message: 'expected a date as YYYY-MM-DD' }]);
  }
  // Refuses 2026-02-30 rather than simulating 2 March under another name.
  parseInstant(day, '--date', timeZone);
  const users = options.users ?? 8;
  const seed = options.seed ?? 1;
  const files = {
    config: join(outDir, 'presence-tracker.json'),
    database: join(outDir, 'presence-demo.db'),
    report: join(outDir, 'report.csv'),
    timeline: join(outDir, 'timeline.svg'),
  };

  await mkdir(outDir, { recursive: true });
  // A rerun starts from a fresh file, not on top of the last demo's day.
  for (const suffix of ['', '-wal', '-shm']) await rm(`${files.database}${suffix}`, { force: true });

  const midnight = localDayStart(day, timeZone).getTime();
  const from = new Date(midnight + 6 * 60 * MINUTE);
  const to = new Date(midnight + 20 * 60 * MINUTE);
  const clock = manualClock(from);
  // Loaded here, so other commands never load the SQLite driver unless their configuration names it.
  const { sqliteStore } = await import('@presence-tracker/store-sqlite');
  const store = sqliteStore({ path: files.database });
  const started = performance.now();
  try {
    const provider = simulatedProvider({ users, seed, timeZone, clock });
    const tracker = createTracker({
      provider,
      store,
      users: 'discover',
      clock,
      pollInterval: MINUTE,
      schedule: { timeZone, windows: [{ days: [1, 2, 3, 4, 5, 6, 7], ...WINDOW }] },
      policy: { mergeGap: 5 * MINUTE },
    });
    let failure: Error | undefined;
    tracker.on('error', (error) => {
      failure ??= error;
    });
    writeLine(
      io.stderr,
      `Simulating ${users} people on ${day} (${timeZone}), ${WINDOW.start} to ${WINDOW.end}, one poll a minute...`,
    );
    for (let at = from.getTime(); at < to.getTime(); at += MINUTE) {
      clock.set(at);
      await tracker.runOnce();
    }
    clock.set(to);
    await tracker.stop();
    if (failure) throw failure;

    const query = {
      from: new Date(midnight),
      to: localDayStart(day, timeZone, 1),
      timeZone,
    };
    const report = await build(store, query, { ...io, now: () => to });
    await writeFile(files.report, toCsv(report));
    await writeTimeline(store, { ...query, out: files.timeline });
    await writeFile(
      files.config,
      `${JSON.stringify(demoConfig(files.database, outDir, timeZone, users, seed), null, 2)}\n`,
    );
    io.stdout.write(render(report, 'table'));
  } finally {
    await closeQuietly(store);
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const shortConfig = relative(io.cwd, files.config);
  writeLine(io.stdout);
  writeLine(io.stdout, `Simulated a working day in ${seconds} s. Files written:`);
  writeLine(io.stdout, `  database  ${files.database}`);
  writeLine(io.stdout, `  report    ${files.report}`);
  writeLine(io.stdout, `  timeline  ${files.timeline}`);
  writeLine(io.stdout, `  config    ${files.config}`);
  writeLine(io.stdout);
  const command = commandName(io.env);
  writeLine(io.stdout, 'Look again with:');
  writeLine(io.stdout, `  ${command} report --config ${shortConfig} --from ${day} --to ${day}`);
  writeLine(
    io.stdout,
    `  ${command} timeline --config ${shortConfig} --from ${day} --to ${day} --out day.svg`,
  );
  writeLine(io.stdout);
  writeLine(io.stdout, 'Open the dashboard over the same data with:');
  writeLine(io.stdout, `  ${command} serve --config ${shortConfig}`);
  return EXIT.ok;
}

/**
 * The command as the user can type it where they are: inside the repository (`pnpm demo` runs the
 * root package's script) `presence-tracker` is not on the PATH, but the root's script of that name is.
 */
export function commandName(env: Record<string, string | undefined>): string {
  return env.npm_package_name === 'presence-tracker-monorepo' ? 'pnpm presence-tracker' : 'presence-tracker';
}

/** A configuration beside the demo's files, so the other commands can read them. */
function demoConfig(database: string, outDir: string, timeZone: string, users: number, seed: number) {
  return {
    provider: { type: 'simulated', users, seed, timeZone },
    store: { type: 'sqlite', path: relative(outDir, database) },
    users: 'discover',
    schedule: { timeZone, windows: [{ days: [1, 2, 3, 4, 5], ...WINDOW }] },
    report: { days: 7, timeZone, outDir: 'reports' },
  };
}

/** The most recent Monday-to-Friday date before today, so the simulated people are at work. */
function lastWeekday(now: Date, timeZone: string): string {
  const today = localDay(now, timeZone);
  for (let back = 1; ; back++) {
    const day = localDay(localDayStart(today, timeZone, -back), timeZone);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) return day;
  }
}

async function closeQuietly(store: PresenceStore): Promise<void> {
  await store.close().catch(() => {});
}
