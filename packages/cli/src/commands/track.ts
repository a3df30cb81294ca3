import { join } from 'node:path';
import {
  ConfigError,
  createTracker,
  type Logger,
  type PluginConfig,
  type PluginContext,
  type PollResult,
  type PresenceProvider,
  type PresenceStore,
  type PresenceTrackerConfig,
  systemClock,
  type Tracker,
} from '@presence-tracker/core';
import { resolveConfig } from '../config.ts';
import { EXIT, explain } from '../explain.ts';
import type { Io } from '../io.ts';
import { createLogger, type LogFormat, type LogLevel } from '../logger.ts';
import { makeCoordination, makeNotifiers } from '../plugins.ts';
import { hostPush, type PushHost, pushEndpointOf, withoutPush } from '../push-host.ts';

export interface TrackOptions {
  config?: string;
  once?: boolean;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
}

/**
 * Tracks until SIGINT or SIGTERM, then stops the way the library means it: open sessions closed, the
 * run ended, pending notifications given their bounded time. `--once` is one poll, for cron.
 */
export async function track(options: TrackOptions, io: Io): Promise<number> {
  // Listening before anything slow starts, so a stop request during start-up is honoured cleanly.
  const signal = io.signal();
  let stopRequested: NodeJS.Signals | undefined;
  signal.then((s) => {
    stopRequested = s;
  });
  const logger = createLogger(io, options.logFormat, options.logLevel);
  const config = await resolveConfig(io, options.config);
  // Every instant comes from the command's clock, so tests can run cron invocations seconds apart.
  const clock = { now: () => io.now() };
  const context = pluginContext(config, io, logger, { clock });
  logger.info(
    {
      config: config.file ?? config.format,
      provider: config.plugins.provider.describe(context),
      store: config.plugins.store.describe(context),
      pollInterval: config.pollInterval,
    },
    'configuration loaded',
  );
  for (const notice of config.notices) logger.info({ notice }, 'default taken');

  let store: PresenceStore | undefined;
  let provider: PresenceProvider | undefined;
  let tracker: Tracker | undefined;
  let pushHost: PushHost | undefined;
  try {
    store = await config.plugins.store.create(context);
    provider = await config.plugins.provider.create(context);
    const endpoint = pushEndpointOf(provider, config.push);
    if (endpoint && config.coordination) {
      // The platform pushes to one address for everyone, while each tracker applies only its own
      // people: the others' changes would be lost, and their last readings confirmed as if heard.
      throw new ConfigError('push and coordination do not go together yet', [
        {
          path: 'push',
          message: 'expected no pushing provider when trackers share the users (coordination)',
        },
      ]);
    }
    if (config.push && !endpoint)
      logger.warn({ provider: provider.name }, 'push.listen is set, but the provider receives no pushes');
    // One poll has nothing left to receive pushes; the endpoint is hosted before anything subscribes,
    // since the platform checks it while the subscription is made.
    if (endpoint && !options.once) {
      pushHost = await hostPush(endpoint, config.push!.listen);
      logger.info({ listening: pushHost.url, for: endpoint.urls }, 'push endpoint listening');
    }
    tracker = await configuredTracker(config, {
      store,
      provider: endpoint && options.once ? withoutPush(provider) : provider,
      context,
      clock,
      logger,
      once: options.once ?? false,
    });
    const running = tracker;
    if (stopRequested !== undefined) {
      logger.info({ signal: stopRequested }, 'stopped before tracking began');
      return EXIT.ok;
    }

    if (options.once) {
      let firstError: Error | undefined;
      running.on('error', (error) => {
        firstError ??= error;
      });
      const result = await running.runOnce();
      logger.info(
        {
          samples: result.samples,
          effects: result.effects,
          ...(result.skipped && { skipped: result.skipped }),
        },
        'polled once',
      );
      const blind = unread(result, running.users.length, config.users === 'discover', firstError);
      await running.stop();
      if (blind === null) return EXIT.ok;
      // Cron looks only at the exit code: a run that saw nobody must not pass for one that worked.
      logger.error({}, `could not read presence: ${blind}`);
      return EXIT.failure;
    }

    // Said after the first poll, when the users are known, not while they are still being looked up.
    const firstPoll = new Promise<void>((resolve) => running.once('poll', () => resolve()));
    await running.start();
    await Promise.race([firstPoll, signal]);
    if (stopRequested === undefined) {
      logger.info({ users: running.users.length }, 'tracking; stop with Ctrl-C or SIGTERM');
    }
    const received = await signal;
    logger.info({ signal: received }, 'stopping');
    await running.stop();
    logger.info({ runId: running.run?.id }, 'stopped cleanly');
    return EXIT.ok;
  } finally {
    // A failure after the run began still ends it, so the store shows no run left open.
    if (tracker?.state === 'running')
      await tracker.stop().catch((e: unknown) => logger.warn({ error: explain(e) }, 'stopping failed'));
    await provider
      ?.close?.()
      .catch((e: unknown) => logger.warn({ error: explain(e) }, 'closing the provider failed'));
    // After the provider, which deletes its subscriptions while the endpoint still answers.
    await pushHost?.close();
    await store
      ?.close()
      .catch((e: unknown) => logger.warn({ error: explain(e) }, 'closing the store failed'));
    logger.flush();
  }
}

/**
 * The tracker the configuration describes, over a store and provider already open, with the command's
 * logging wired in; `serve --track` runs the same.
 */
export async function configuredTracker(
  config: PluginConfig,
  parts: {
    store: PresenceStore;
    provider: PresenceProvider;
    context: PluginContext;
    clock: { now(): Date };
    logger: Logger;
    once: boolean;
  },
): Promise<Tracker> {
  const coordination = await makeCoordination(config, parts.store, parts.context);
  const tracker = createTracker({
    provider: parts.provider,
    store: parts.store,
    users: config.users,
    notifiers: await makeNotifiers(config.plugins, parts.context),
    pollInterval: config.pollInterval,
    ...(config.maxPollInterval !== undefined && { maxPollInterval: config.maxPollInterval }),
    ...(config.pollBatchSize !== undefined && { pollBatchSize: config.pollBatchSize }),
    ...(config.runSummaryPeople !== undefined && { runSummaryPeople: config.runSummaryPeople }),
    ...(config.schedule && { schedule: config.schedule }),
    ...(config.policy && { policy: config.policy }),
    ...(coordination && { coordination }),
    ...spoolFor(config),
    // Cron runs of `--once` continue one run while they come within staleAfter of each other.
    ...(parts.once && !coordination && { continueRun: true }),
    clock: parts.clock,
    logger: parts.logger,
  });
  wire(tracker, parts.logger);
  return tracker;
}

/**
 * Why a `--once` poll read no presence at all, or `null` when it read some (or had nothing to read
 * because it ran outside the tracking window).
 */
function unread(
  result: PollResult,
  users: number,
  discover: boolean,
  error: Error | undefined,
): string | null {
  const why = error ? explain(error) : undefined;
  switch (result.skipped) {
    case 'provider-error':
      return `the provider failed: ${why ?? 'no reason given'}`;
    case 'no-users':
      return `the users could not be looked up: ${why ?? 'no reason given'}`;
    case 'coordination-error':
      return `the shard leases could not be renewed: ${why ?? 'no reason given'}`;
    case 'outside-window':
      return null;
    case undefined:
      if (users > 0) return null;
      return discover
        ? 'the account can see no one to track'
        : 'none of the configured users was found (see "user not found" above)';
    default: {
      const never: never = result.skipped;
      return never;
    }
  }
}

/** What the tracker does not log itself: run ends, sessions, alerts and polls. */
function wire(tracker: Tracker, logger: Logger): void {
  tracker.on('run:end', (run) => logger.info({ runId: run.id }, 'run ended'));
  tracker.on('session:start', (s) => logger.debug({ userId: s.userId }, 'session started'));
  tracker.on('session:end', (s) => logger.debug({ userId: s.userId, reason: s.reason }, 'session ended'));
  tracker.on('unavailable:long', (a) =>
    logger.info({ userId: a.userId, status: a.status, since: a.since.toISOString() }, 'unavailable for long'),
  );
  let held = '';
  tracker.on('poll', () => {
    // With coordination, which shards this tracker holds, said whenever it changes.
    const now = tracker.shards.join(',');
    if (now !== held) logger.info({ shards: tracker.shards }, 'holding shards');
    held = now;
  });
  tracker.on('poll', (p) =>
    logger.debug(
      { samples: p.samples, effects: p.effects, ...(p.skipped && { skipped: p.skipped }) },
      'poll',
    ),
  );
}

/**
 * Writes on their way to the store are kept beside the configuration, so a kill while the database is
 * away loses nothing; a store kept in memory dies with the process anyway.
 */
function spoolFor(config: PresenceTrackerConfig): { spool?: { path: string } } {
  if (config.store.type === 'memory') return {};
  const path = config.file ? `${config.file}.spool` : join(config.baseDir, 'presence-tracker.spool');
  return { spool: { path } };
}

/** What the plugins are handed besides their options: the configuration's folder and the command's seams. */
export function pluginContext(
  config: PluginConfig,
  io: Io,
  logger: Logger,
  extra: Partial<PluginContext> = {},
): PluginContext {
  return {
    baseDir: config.baseDir,
    env: io.env,
    logger,
    clock: systemClock,
    timeZone: config.report.timeZone,
    // As the tracker takes it, for providers that keep readings (combine).
    staleAfter: config.policy?.staleAfter ?? 3 * config.pollInterval,
    ...extra,
  };
}
