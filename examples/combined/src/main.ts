/**
 * One person on several platforms: Teams (Microsoft Graph) and Mattermost, merged by
 * combineProviders into one status per person, tracked into a SQLite file.
 *
 *   pnpm --filter @presence-tracker/example-combined start [--watch]
 *
 * Configured by the environment variables in .env.example. Without --watch, one poll (for cron);
 * with it, polls until SIGINT or SIGTERM. `presence-tracker.json` beside it is the same set-up for
 * the command: `presence-tracker track --config examples/combined/presence-tracker.json`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Clock,
  ConfigError,
  type ConfigIssue,
  combineProviders,
  consoleLogger,
  createTracker,
  type Logger,
  type PollResult,
} from '@presence-tracker/core';
import { graphProvider } from '@presence-tracker/provider-graph';
import { mattermostProvider } from '@presence-tracker/provider-mattermost';
import { sqliteStore } from '@presence-tracker/store-sqlite';

export interface Config {
  graph: { tenantId: string; clientId: string; clientSecret: string; baseUrl?: string };
  mattermost: { url: string; token: string };
  users: string[];
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
  const graph = {
    tenantId: required('GRAPH_TENANT_ID', 'the directory (tenant) id or domain'),
    clientId: required('GRAPH_CLIENT_ID', "the app registration's application (client) id"),
    clientSecret: required('GRAPH_CLIENT_SECRET', "the app registration's client secret"),
    ...(set('GRAPH_BASE_URL') && { baseUrl: set('GRAPH_BASE_URL') }),
  };
  const mattermost = {
    url: required('MM_URL', "the Mattermost server's address, such as https://chat.example.com"),
    token: required('MM_TOKEN', 'a personal access token or bot token'),
  };
  const users = (set('USERS') ?? '').split(/[\s,]+/).filter(Boolean);
  if (users.length === 0)
    issues.push({ path: 'USERS', message: 'expected e-mail addresses separated by commas' });
  const pollSeconds = Number(set('POLL_SECONDS') ?? '60');
  if (!(pollSeconds >= 1)) issues.push({ path: 'POLL_SECONDS', message: 'expected seconds, 1 or more' });
  if (issues.length > 0) throw new ConfigError('combined: invalid environment', issues);
  return { graph, mattermost, users, database: set('DATABASE') ?? 'combined-presence.db', pollSeconds };
}

export interface RunOptions {
  /** Keep polling until `signal` aborts, instead of polling once. */
  watch?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  clock?: Clock;
}

/** One poll (cron) or polls until aborted; resolves with the last poll's result when there was one. */
export async function run(config: Config, options: RunOptions = {}): Promise<PollResult | null> {
  const logger = options.logger ?? consoleLogger('info');
  const clock = options.clock;
  const pollInterval = config.pollSeconds * 1000;
  // A platform's reading counts as long as the tracker keeps a person observed: three polls.
  const staleAfter = 3 * pollInterval;
  const { baseUrl, ...secret } = config.graph;
  const provider = combineProviders({
    providers: {
      teams: graphProvider({
        auth: { mode: 'clientSecret', ...secret },
        ...(baseUrl && { baseUrl }),
        ...(clock && { clock }),
        logger,
      }),
      chat: mattermostProvider(config.mattermost, { ...(clock && { clock }), logger }),
    },
    staleAfter,
    ...(clock && { clock }),
    logger,
  });
  const store = sqliteStore({ path: config.database });
  const tracker = createTracker({
    provider,
    store,
    users: config.users,
    pollInterval,
    policy: { staleAfter },
    ...(clock && { clock }),
    logger,
  });
  let last: PollResult | null = null;
  tracker.on('users', ({ unresolved }) => {
    // A person missing on one platform is still tracked on the others; the reason says which.
    for (const u of unresolved) logger.warn({ key: u.key, reason: u.reason }, 'not on every platform');
  });
  tracker.on('sample', (s) => {
    const platforms = s.raw?.platforms as Record<string, { status: string }> | undefined;
    const parts = Object.entries(platforms ?? {}).map(([p, r]) => `${p}=${r.status}`);
    logger.info({ person: s.userId, status: s.status, parts: parts.join(' ') }, 'merged');
  });
  tracker.on('poll', (result) => {
    last = result;
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
    await provider.close?.();
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
    for (const issue of (error as ConfigError).issues ?? [])
      console.error(`  ${issue.path}: ${issue.message}`);
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
