/**
 * Busy, free and out of office from Google Calendar into a SQLite file.
 *
 *   pnpm --filter @presence-tracker/example-google-calendar start [--watch | --fake]
 *
 * Configured by the environment variables in .env.example. Without a flag, one poll (for cron); with
 * --watch, polls until SIGINT or SIGTERM, as often as the calendars can change; with --fake, a working
 * day replayed against the fake Calendar API on a manual clock, no Google account needed.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  type ConfigIssue,
  consoleLogger,
  createTracker,
  type Logger,
  manualClock,
  memoryStore,
  type PollResult,
} from '@presence-tracker/core';
import {
  type GoogleCalendarProviderOptions,
  googleCalendarProvider,
} from '@presence-tracker/provider-google-calendar';
import { startFakeCalendar } from '@presence-tracker/provider-google-calendar/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';

export interface Config {
  google: GoogleCalendarProviderOptions;
  users: string[];
  database: string;
  pollSeconds: number;
  maxPollMinutes: number;
}

/** The environment of .env.example, every problem named (the key never echoed). */
export function configFromEnv(env: Record<string, string | undefined>): Config {
  const issues: ConfigIssue[] = [];
  const set = (name: string) => (env[name]?.trim() ? env[name].trim() : undefined);
  const file = set('GOOGLE_SERVICE_ACCOUNT_FILE');
  const json = set('GOOGLE_SERVICE_ACCOUNT_JSON');
  if ((file === undefined) === (json === undefined))
    issues.push({
      path: 'GOOGLE_SERVICE_ACCOUNT_FILE',
      message: 'expected the key file, or its JSON in GOOGLE_SERVICE_ACCOUNT_JSON (one of the two)',
    });
  const users = (set('GOOGLE_USERS') ?? '').split(/[\s,]+/).filter(Boolean);
  if (users.length === 0)
    issues.push({ path: 'GOOGLE_USERS', message: 'expected e-mail addresses, comma-separated' });
  const pollSeconds = Number(set('POLL_SECONDS') ?? '60');
  if (!(pollSeconds >= 1)) issues.push({ path: 'POLL_SECONDS', message: 'expected seconds, 1 or more' });
  const maxPollMinutes = Number(set('MAX_POLL_MINUTES') ?? '15');
  if (!(maxPollMinutes >= pollSeconds / 60))
    issues.push({ path: 'MAX_POLL_MINUTES', message: 'expected minutes, no fewer than POLL_SECONDS' });
  if (issues.length > 0) throw new ConfigError('google-calendar: invalid environment', issues);
  const subject = set('GOOGLE_SUBJECT');
  const baseUrl = set('GOOGLE_BASE_URL');
  return {
    google: {
      ...(file ? { keyFile: file } : { credentials: json! }),
      ...(subject && { subject }),
      ...(baseUrl && { baseUrl }),
    },
    users,
    database: set('DATABASE') ?? 'calendar-presence.db',
    pollSeconds,
    maxPollMinutes,
  };
}

export interface RunOptions {
  /** Keep polling until `signal` aborts, instead of polling once. */
  watch?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
}

/** One poll (cron) or polls until aborted; resolves with the last poll's result when there was one. */
export async function run(config: Config, options: RunOptions = {}): Promise<PollResult | null> {
  const logger = options.logger ?? consoleLogger('info');
  const provider = googleCalendarProvider({ ...config.google, logger });
  const store = sqliteStore({ path: config.database });
  const tracker = createTracker({
    provider,
    store,
    users: config.users,
    pollInterval: config.pollSeconds * 1000,
    maxPollInterval: config.maxPollMinutes * 60_000,
    logger,
  });
  let last: PollResult | null = null;
  tracker.on('sample', (s) =>
    logger.info(
      { person: s.userId, status: s.status, until: s.validUntil?.toISOString(), ...(s.raw ?? {}) },
      'reading',
    ),
  );
  tracker.on('poll', (result) => {
    last = result;
    logger.info({ samples: result.samples, nextPoll: result.nextPollAt.toISOString() }, 'poll done');
  });
  try {
    if (options.watch) {
      await tracker.start();
      await new Promise<void>((done) => {
        if (options.signal?.aborted) return done();
        options.signal?.addEventListener('abort', () => done(), { once: true });
      });
    } else {
      await tracker.runOnce();
    }
  } finally {
    await tracker.stop();
    await provider.close();
    await store.close();
  }
  return last;
}

const DAY = '2026-03-02';
const at = (hhmm: string) => new Date(`${DAY}T${hhmm}:00Z`);

/**
 * A working day (08:00 to 18:00 UTC) of three people against the fake Calendar API, polled whenever
 * the tracker says the next poll is due, on a manual clock: how many polls it took, against one a
 * minute, and each person's intervals.
 */
export async function replayDay(logger: Logger = consoleLogger('info')) {
  const clock = manualClock(at('08:00'));
  const google = await startFakeCalendar({
    clock,
    calendars: {
      'ada@example.com': [
        { start: at('09:00'), end: at('10:00'), summary: 'Planning' },
        { start: at('10:00'), end: at('10:30'), summary: 'Review' },
        { start: at('13:00'), end: at('14:00'), summary: 'Customer call' },
      ],
      'grace@example.com': [{ start: at('07:00'), end: at('20:00'), eventType: 'outOfOffice' }],
      'linus@example.com': [
        { start: at('11:00'), end: at('12:00'), summary: 'Design' },
        { start: at('12:00'), end: at('13:00'), transparency: 'transparent', summary: 'Lunch (free)' },
        { start: at('16:00'), end: at('17:30'), summary: 'Interviews' },
      ],
    },
  });
  const provider = googleCalendarProvider({
    credentials: google.serviceAccount,
    subject: 'admin@example.com',
    baseUrl: google.url,
    clock,
  });
  const store = memoryStore();
  const users = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
  const tracker = createTracker({
    provider,
    store,
    users,
    clock,
    pollInterval: 60_000,
    maxPollInterval: 60 * 60_000,
  });
  let polls = 0;
  try {
    for (let result = await tracker.runOnce(); ; result = await tracker.runOnce()) {
      polls++;
      if (result.nextPollAt.getTime() >= at('18:00').getTime()) break;
      clock.set(result.nextPollAt);
    }
    clock.set(at('18:00'));
    await tracker.stop();
    const intervals = (await store.intervals({ from: at('00:00'), to: at('23:59') })).map((i) => ({
      person: i.userId,
      status: i.status,
      from: i.startedAt.toISOString().slice(11, 16),
      to: i.endedAt?.toISOString().slice(11, 16) ?? null,
    }));
    const requests = { freeBusy: google.count('freeBusy'), events: google.count('events') };
    logger.info({ polls, everyMinute: 600, ...requests }, 'a working day replayed');
    for (const i of intervals) logger.info(i, 'interval');
    return { polls, intervals, requests };
  } finally {
    await provider.close();
    await google.close();
  }
}

async function main() {
  if (process.argv.includes('--fake')) {
    await replayDay();
    return;
  }
  const watch = process.argv.includes('--watch');
  let config: Config;
  try {
    config = configFromEnv(process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  const result = await run(config, { watch, signal: stop.signal });
  if (!watch && (result === null || result.skipped === 'provider-error' || result.skipped === 'no-users')) {
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
