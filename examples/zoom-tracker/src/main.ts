/**
 * Tracks Zoom presence into a SQLite file, through a Server-to-Server OAuth app.
 *
 *   pnpm --filter @presence-tracker/example-zoom-tracker start [--watch]
 *
 * Configured by the environment variables in .env.example. Without --watch, one poll (for cron);
 * with it, polls until SIGINT or SIGTERM.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  type ConfigIssue,
  consoleLogger,
  createTracker,
  type Logger,
  type PollResult,
} from '@presence-tracker/core';
import { type Plan, type ZoomProviderOptions, zoomProvider } from '@presence-tracker/provider-zoom';
import { sqliteStore } from '@presence-tracker/store-sqlite';

export interface Config {
  zoom: ZoomProviderOptions;
  users: string[] | 'discover';
  database: string;
  pollSeconds: number;
}

/** The environment of .env.example, every problem named (secrets never echoed). */
export function configFromEnv(env: Record<string, string | undefined>): Config {
  const issues: ConfigIssue[] = [];
  const set = (name: string) => (env[name]?.trim() ? env[name].trim() : undefined);
  const required = (name: string, what: string) => {
    const v = set(name);
    if (v === undefined) issues.push({ path: name, message: `expected ${what}` });
    return v ?? '';
  };
  const accountId = required('ZOOM_ACCOUNT_ID', "the Server-to-Server OAuth app's Account ID");
  const clientId = required('ZOOM_CLIENT_ID', "the app's Client ID");
  const clientSecret = required('ZOOM_CLIENT_SECRET', "the app's Client Secret");
  const plan = set('ZOOM_PLAN') ?? 'pro';
  if (!['free', 'pro', 'business'].includes(plan))
    issues.push({ path: 'ZOOM_PLAN', message: 'expected free, pro or business', received: plan });
  const pollSeconds = Number(set('POLL_SECONDS') ?? '60');
  if (!(pollSeconds >= 1)) issues.push({ path: 'POLL_SECONDS', message: 'expected seconds, 1 or more' });
  if (issues.length > 0) throw new ConfigError('zoom-tracker: invalid environment', issues);
  const listed = (set('ZOOM_USERS') ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    zoom: {
      accountId,
      clientId,
      clientSecret,
      plan: plan as Plan,
      ...(set('ZOOM_BASE_URL') && { baseUrl: set('ZOOM_BASE_URL') }),
      ...(set('ZOOM_OAUTH_URL') && { oauthUrl: set('ZOOM_OAUTH_URL') }),
    },
    users: listed.length > 0 ? listed : 'discover',
    database: set('DATABASE') ?? 'zoom-presence.db',
    pollSeconds,
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
  const provider = zoomProvider({ ...config.zoom, logger });
  const store = sqliteStore({ path: config.database });
  const pollInterval = config.pollSeconds * 1000;
  const tracker = createTracker({ provider, store, users: config.users, pollInterval, logger });
  let last: PollResult | null = null;
  tracker.on('poll', (result) => {
    last = result;
    const people = tracker.users.length;
    // Zoom answers one person per request: say how long it takes to read everyone once.
    logger.info(
      { samples: result.samples, people, sweepSeconds: provider.sweepDuration(people, pollInterval) / 1000 },
      'poll done',
    );
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

async function main() {
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
