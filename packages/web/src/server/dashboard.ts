import { existsSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import { StoreError } from '@presence-tracker/core';
import { Hono } from 'hono';
import { apiRoutes } from './api.ts';
import { loginRoutes, requireToken, sessionRoute } from './auth.ts';
import { eventStream, LiveFeed } from './events.ts';
import { health } from './health.ts';
import { loopbackHostsOnly } from './loopback-host.ts';
import { createMetrics } from './metrics.ts';
import type { DashboardOptions } from './options.ts';
import { problem } from './problem.ts';
import { securityHeaders } from './security.ts';
import { defaultUiDir, pagesNotBuilt } from './ui-dir.ts';

export interface Dashboard {
  /** The Hono app: mount it in another server, or call `app.fetch(request)`. */
  app: Hono;
  /** Stops following the store for `/api/v1/events`; open event streams end with their connections. */
  close(): void;
}

/** The dashboard's pages and API over a store, as a Hono app. */
export function createDashboard(options: DashboardOptions): Dashboard {
  const now = options.now ?? (() => new Date());
  const defaults = {
    timeZone: options.timeZone ?? 'UTC',
    days: options.days ?? 1,
    now,
    availableStatuses: options.availableStatuses ?? ['available'],
  };
  const app = new Hono();
  app.use(securityHeaders());
  app.onError((error, c) => {
    // A store that cannot be read is the server's trouble, said without the driver's details.
    if (StoreError.isInstance(error)) {
      return problem(c, {
        title: 'The store cannot be read',
        status: 503,
        detail: `${error.store}: ${error.code}`,
      });
    }
    return problem(c, { title: 'Internal error', status: 500 });
  });

  // Presence is personal: without a token, only this machine may ask, under its own name.
  if (options.token === undefined) app.use(loopbackHostsOnly());
  const root = options.uiDir ?? defaultUiDir();
  // Static files are served only from a folder that exists: `serveStatic` warns on stderr for each
  // one made over a missing folder, and the hint below says it better.
  const built = existsSync(root);
  app.route('/', loginRoutes(options.token, built ? root : undefined));
  if (options.token !== undefined) app.use(requireToken(options.token));
  app.get('/healthz', (c) => health(c, options.store));
  const metrics = createMetrics({
    store: options.store,
    ...(options.tracker && { tracker: options.tracker }),
    notifiers: options.notifiers ?? [],
    now,
  });
  app.get('/metrics', async (c) =>
    c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }),
  );

  const feed = new LiveFeed(options.store, options.tracker, options.watchInterval ?? 1000, now);
  app.get('/api/v1/events', (c) => eventStream(c, feed));
  app.route('/', sessionRoute(options.token));
  app.route('/api/v1', apiRoutes(options.store, defaults));
  app.all('/api/*', (c) =>
    problem(c, { title: 'Not found', status: 404, detail: `no API route ${c.req.path}` }),
  );

  if (built) {
    app.use('/*', serveStatic({ root }));
    // Pages are routed in the browser: any other path gets the shell.
    app.get('*', serveStatic({ root, path: 'index.html' }));
  } else {
    app.get('/', (c) => c.text(pagesNotBuilt(root), 404));
  }
  return { app, close: () => feed.close() };
}
