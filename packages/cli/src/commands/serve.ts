import { ConfigError, type PresenceProvider, type PresenceStore, type Tracker } from '@presence-tracker/core';
import { isLoopbackAddress } from '@presence-tracker/core/config';
import { resolveConfig } from '../config.ts';
import { EXIT, explain } from '../explain.ts';
import { type Io, writeLine } from '../io.ts';
import { createLogger, type LogFormat, type LogLevel } from '../logger.ts';
import { withoutPush } from '../push-host.ts';
import { configuredTracker, pluginContext } from './track.ts';

export interface ServeOptions {
  config?: string;
  host?: string;
  port?: number;
  track?: boolean;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
}

/**
 * The dashboard over the configured store until SIGINT or SIGTERM: read-only, or with `--track` the
 * tracker in the same process. Says `listening on http://HOST:PORT` once it answers.
 */
export async function serve(options: ServeOptions, io: Io): Promise<number> {
  const signal = io.signal();
  const logger = createLogger(io, options.logFormat, options.logLevel);
  const config = await resolveConfig(io, options.config);
  const host = options.host ?? config.web.host;
  const port = options.port ?? config.web.port;
  const token = config.web.token;
  // Presence is personal: without a token, only this machine may ask.
  if (token === undefined && !isLoopbackAddress(host)) {
    throw new ConfigError('invalid options:', [
      {
        path: options.host === undefined ? 'web.host' : '--host',
        message: `expected a loopback address (127.0.0.1, ::1, localhost) while web.token is not set, received ${JSON.stringify(host)}; set web.token to serve other machines`,
      },
    ]);
  }
  const clock = { now: () => io.now() };
  const context = pluginContext(config, io, logger, { clock, readOnly: !options.track });

  let store: PresenceStore | undefined;
  let provider: PresenceProvider | undefined;
  let tracker: Tracker | undefined;
  let dashboard: { url: string; close(): Promise<void> } | undefined;
  try {
    store = await config.plugins.store.create(context);
    if (options.track) {
      // Pushes need their own endpoint (`track`); here the tracker polls.
      provider = withoutPush(await config.plugins.provider.create(context));
      tracker = await configuredTracker(config, { store, provider, context, clock, logger, once: false });
    }
    // Loaded here, so the other commands never load the web server.
    const web = await import('@presence-tracker/web');
    dashboard = await web.serve({
      store,
      ...(tracker && { tracker }),
      ...(token !== undefined && { token }),
      host,
      port,
      timeZone: config.report.timeZone,
      days: config.report.days,
      ...(config.policy?.availableStatuses && { availableStatuses: config.policy.availableStatuses }),
      notifiers: config.notifiers.map((n) => n.name),
      now: clock.now,
      logger,
    });
    if (tracker) {
      // Ready means the first poll is written, as `track` says it is tracking only then.
      const firstPoll = new Promise<void>((resolve) => tracker!.once('poll', () => resolve()));
      await tracker.start();
      await Promise.race([firstPoll, signal]);
    }
    logger.info(
      { url: dashboard.url, store: config.plugins.store.describe(context), tracking: tracker !== undefined },
      'serving',
    );
    writeLine(io.stdout, `listening on ${dashboard.url}`);
    const received = await signal;
    logger.info({ signal: received }, 'stopping');
    return EXIT.ok;
  } finally {
    await dashboard
      ?.close()
      .catch((e: unknown) => logger.warn({ error: explain(e) }, 'closing the server failed'));
    if (tracker?.state === 'running')
      await tracker.stop().catch((e: unknown) => logger.warn({ error: explain(e) }, 'stopping failed'));
    await provider
      ?.close?.()
      .catch((e: unknown) => logger.warn({ error: explain(e) }, 'closing the provider failed'));
    await store
      ?.close()
      .catch((e: unknown) => logger.warn({ error: explain(e) }, 'closing the store failed'));
    logger.flush();
  }
}
