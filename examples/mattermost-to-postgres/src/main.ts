/**
 * Every Mattermost user the account can see, into Postgres: what the Mattermost tracker did, from
 * the same environment variables.
 *
 *   node --conditions=@presence-tracker/source src/main.ts           one poll, for cron
 *   node --conditions=@presence-tracker/source src/main.ts --watch   polls until SIGINT or SIGTERM
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
import { type MattermostAuth, mattermostProvider } from '@presence-tracker/provider-mattermost';
import { postgresStore } from '@presence-tracker/store-postgres';

export interface Config {
  mattermost: MattermostAuth;
  connectionString: string;
  /** Seconds between API requests (API_DELAY); 0 for no limit. */
  apiDelay: number;
  /** Seconds between polls with --watch (POLL_SECONDS). */
  pollSeconds: number;
}

/** Reads the configuration, naming every variable that is missing or wrong; secrets are never echoed. */
export function configFromEnv(env: Record<string, string | undefined>): Config {
  const issues: ConfigIssue[] = [];
  const required = (name: string, what: string) => {
    const value = env[name]?.trim();
    if (!value) issues.push({ path: name, message: `expected ${what}` });
    return value ?? '';
  };
  const seconds = (name: string, fallback: number, min: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) {
      issues.push({ path: name, message: `expected a number of seconds, at least ${min}`, received: raw });
      return fallback;
    }
    return n;
  };

  const url = required('MM_URL', 'the Mattermost address, e.g. https://chat.example.com');
  let mattermost: MattermostAuth;
  if (env.MM_TOKEN?.trim()) {
    mattermost = { url, token: env.MM_TOKEN.trim() };
  } else {
    const loginId = required('MM_USER', 'the username or e-mail to sign in with (or MM_TOKEN)');
    const password = required('MM_PASSWORD', 'the password of MM_USER (or MM_TOKEN)');
    mattermost = { url, loginId, password };
  }

  const host = required('PG_HOST', 'the Postgres host name');
  const port = seconds('PG_PORT', 5432, 1);
  const user = required('PG_USER', 'the Postgres user');
  const pgPassword = env.PG_PASSWORD ?? '';
  const database = required('PG_DB', 'the Postgres database name');
  const enc = encodeURIComponent;
  const connectionString = `postgres://${enc(user)}${pgPassword ? `:${enc(pgPassword)}` : ''}@${host}:${port}/${enc(database)}`;

  const apiDelay = seconds('API_DELAY', 0, 0);
  const pollSeconds = seconds('POLL_SECONDS', 60, 1);
  if (issues.length > 0) throw new ConfigError('mattermost-to-postgres: invalid environment', issues);
  return { mattermost, connectionString, apiDelay, pollSeconds };
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
  const provider = mattermostProvider(config.mattermost, {
    ...(config.apiDelay > 0 ? { requestsPerSecond: 1 / config.apiDelay } : {}),
    logger,
  });
  const store = postgresStore({ connectionString: config.connectionString, logger });
  const tracker = createTracker({
    provider,
    store,
    users: 'discover',
    pollInterval: config.pollSeconds * 1000,
    logger,
  });
  let last: PollResult | null = null;
  tracker.on('poll', (result) => {
    last = result;
    logger.info({ samples: result.samples, skipped: result.skipped ?? null }, 'poll done');
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
  // A cron run that read nothing should show up in cron's mail.
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
