/**
 * Tracks chosen people's Microsoft Teams presence into a SQLite file: the Python tracker's job.
 *
 *   pnpm --filter @presence-tracker/example-teams-tracker start [params.json]
 *
 * Configured by a params.json (the Python tracker's, or the native shape) given as the argument or
 * found in the working directory, else by the environment variables listed in .env.example. Ctrl-C
 * ends the run and writes a CSV report over the last `report_days` days.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { paramsJson } from '@presence-tracker/cli';
import {
  buildReport,
  ConfigError,
  consoleLogger,
  createTracker,
  loadConfig,
  type PluginConfig,
  type PluginContext,
  systemClock,
  toCsv,
} from '@presence-tracker/core';
import { corePlugins, type NativeConfigInput } from '@presence-tracker/core/config';
import { graph } from '@presence-tracker/provider-graph';
import { sqlite } from '@presence-tracker/store-sqlite';

const logger = consoleLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'info');

// Only the plugins this program brings: Teams through Graph, a SQLite file, webhooks.
const plugins = {
  provider: { graph: () => graph },
  store: { sqlite: () => sqlite },
  notifier: corePlugins.notifier,
};

const config = await readConfig();
const context: PluginContext = {
  baseDir: config.baseDir,
  env: process.env,
  logger,
  clock: systemClock,
  timeZone: config.report.timeZone,
};
const provider = await config.plugins.provider.create(context);
const store = await config.plugins.store.create(context);
const notifiers = await Promise.all(config.plugins.notifiers.map((n) => n.create(context)));

const tracker = createTracker({
  provider,
  store,
  users: config.users,
  notifiers,
  pollInterval: config.pollInterval,
  ...(config.schedule && { schedule: config.schedule }),
  ...(config.policy && { policy: config.policy }),
  logger,
});
tracker.on('status', (change) =>
  logger.info({ user: change.userId, status: change.status, was: change.previous }, 'status'),
);
tracker.on('error', (error) => logger.error({ error: error.message }, 'tracker error'));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await tracker.stop();
  await writeReport(config);
  await store.close();
  await provider.close?.();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

await tracker.start();
logger.info(
  { database: config.plugins.store.describe(context), every: `${config.pollInterval / 1000} s` },
  'started; Ctrl-C to stop',
);

async function readConfig(): Promise<PluginConfig> {
  const file = process.argv[2] ?? (existsSync('params.json') ? 'params.json' : undefined);
  const options = { translators: [paramsJson], defaultStore: { type: 'sqlite' }, plugins };
  try {
    return await loadConfig(file ?? fromEnvironment(process.env), options);
  } catch (error) {
    if (ConfigError.isInstance(error)) fail(error.message);
    throw error;
  }
}

/** The environment variables of .env.example as a native configuration, checked by `loadConfig`. */
function fromEnvironment(env: NodeJS.ProcessEnv): NativeConfigInput {
  const set = (name: string) => (env[name]?.trim() ? env[name].trim() : undefined);
  const hour = (name: string) => (set(name) === undefined ? undefined : Number(set(name)));
  const start = hour('START_HOUR');
  const end = hour('END_HOUR');
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  const seconds = set('PING_SECONDS');
  const optional = <T>(value: T | undefined, wrap: (v: T) => object) =>
    value === undefined ? {} : wrap(value);
  return {
    provider: {
      type: 'graph',
      clientId: set('GRAPH_CLIENT_ID') ?? '',
      ...optional(set('GRAPH_TENANT_ID'), (tenantId) => ({ tenantId })),
      ...optional(set('GRAPH_CLIENT_SECRET'), (clientSecret) => ({ clientSecret })),
      ...optional(set('GRAPH_CERTIFICATE_PATH'), (certificatePath) => ({ certificatePath })),
      ...optional(set('GRAPH_LOGIN_HINT'), (loginHint) => ({ loginHint })),
      ...optional(set('GRAPH_TOKEN_CACHE_DIR'), (tokenCacheDir) => ({ tokenCacheDir })),
      ...optional(set('GRAPH_BASE_URL'), (baseUrl) => ({ baseUrl })),
      ...optional(set('GRAPH_AUTHORITY'), (authority) => ({ authority })),
    },
    store: { type: 'sqlite', path: set('DATABASE') ?? 'presence-tracker.db' },
    users: (set('TRACKED_USERS') ?? '').split(/[\s,]+/).filter(Boolean),
    ...optional(seconds, (s) => ({ pollInterval: Math.round(Number(s) * 1000) })),
    ...(start !== undefined &&
      end !== undefined && {
        schedule: {
          ...optional(set('TIME_ZONE'), (timeZone) => ({ timeZone })),
          windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: hh(start), end: hh(end) }],
        },
      }),
    ...optional(set('NOTIFY_URL'), (url) => ({ notifiers: [{ type: 'webhook', name: 'notify_url', url }] })),
    ...optional(set('REPORT_DAYS'), (days) => ({ report: { days: Number(days) } })),
  } as NativeConfigInput;
}

/** What the Python tracker did at the end of a run: a CSV of the last `report_days` days. */
async function writeReport(c: PluginConfig): Promise<void> {
  const to = new Date();
  const from = new Date(to.getTime() - c.report.days * 86_400_000);
  const report = await buildReport({ store, from, to, timeZone: c.report.timeZone });
  await mkdir(c.report.outDir, { recursive: true });
  const file = join(c.report.outDir, `presence-report-${to.toISOString().slice(0, 10)}.csv`);
  await writeFile(file, toCsv(report));
  logger.info({ file, days: c.report.days }, 'report written');
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
