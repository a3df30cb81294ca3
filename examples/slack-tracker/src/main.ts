/**
 * Tracks Slack presence and do-not-disturb into a SQLite file.
 *
 *   cp .env.example .env   # fill in SLACK_TOKEN and TRACKED_USERS
 *   pnpm --filter @presence-tracker/example-slack-tracker start
 *
 * Slack reads presence one person a call, about 50 calls a minute, so each poll reads a share of the
 * people; `staleAfter` is set from how long a full sweep takes, so nobody goes stale between readings.
 */
import { pathToFileURL } from 'node:url';
import {
  consoleLogger,
  createTracker,
  type Logger,
  type PresenceStore,
  type Tracker,
} from '@presence-tracker/core';
import { type SlackProvider, slackProvider } from '@presence-tracker/provider-slack';
import { sqliteStore } from '@presence-tracker/store-sqlite';

export interface SlackTracker {
  tracker: Tracker;
  provider: SlackProvider;
  store: PresenceStore;
  people: number;
  staleAfter: number;
  pollInterval: number;
}

/** The tracker the environment describes (see .env.example); not started. */
export async function setUp(env: Record<string, string | undefined>, logger: Logger): Promise<SlackTracker> {
  const value = (name: string) => env[name]?.trim() || undefined;
  const token = value('SLACK_TOKEN');
  if (!token)
    throw new Error('SLACK_TOKEN: expected the Slack app token (xoxb-... or xoxp-...); see .env.example');
  const seconds = Number(value('POLL_SECONDS') ?? 60);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error('POLL_SECONDS: expected a number of seconds above 0');
  const pollInterval = seconds * 1000;
  const baseUrl = value('SLACK_API_URL');
  const provider = slackProvider({ token, ...(baseUrl && { baseUrl }), logger });
  const keys = value('TRACKED_USERS')
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  // The number of people decides the sweep, so 'discover' is resolved here rather than by the tracker.
  const users = keys ?? (await provider.discoverUsers()).map((u) => u.id);
  const staleAfter = Math.max(
    3 * pollInterval,
    provider.sweepDuration(users.length, pollInterval) + pollInterval,
  );
  const store = sqliteStore({ path: value('DATABASE') ?? 'slack-presence.db' });
  const tracker = createTracker({ provider, store, users, pollInterval, policy: { staleAfter }, logger });
  return { tracker, provider, store, people: users.length, staleAfter, pollInterval };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const logger = consoleLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'info');
  let run: SlackTracker;
  try {
    run = await setUp(process.env, logger);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const { tracker, provider, store } = run;
  tracker.on('status', (c) => logger.info({ user: c.userId, status: c.status, was: c.previous }, 'status'));
  tracker.on('error', (error) => logger.error({ error: error.message }, 'tracker error'));
  const stop = async () => {
    await tracker.stop();
    await store.close();
    await provider.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await tracker.start();
  logger.info(
    {
      people: run.people,
      every: `${run.pollInterval / 1000} s`,
      fullSweep: `${Math.round(provider.sweepDuration(run.people, run.pollInterval) / 1000)} s`,
      staleAfter: `${Math.round(run.staleAfter / 1000)} s`,
    },
    'started; Ctrl-C to stop',
  );
}
