import { existsSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { openApiDocument } from './openapi.ts';
import type { DashboardOptions } from './options.ts';
import { readPeople } from './people.ts';
import { securityHeaders } from './security.ts';
import { defaultUiDir } from './ui-dir.ts';

export interface Dashboard {
  /** The Hono app: mount it in another server, or call `app.fetch(request)`. */
  app: Hono;
}

/** The dashboard's pages and API over a store, as a Hono app. */
export function createDashboard(options: DashboardOptions): Dashboard {
  const availableStatuses = options.availableStatuses ?? ['available'];
  const clock = options.now ?? (() => new Date());
  const app = new Hono();
  app.use(securityHeaders());

  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument));
  app.get('/api/v1/people', async (c) => {
    const at = clock();
    const people = await readPeople(options.store, { availableStatuses });
    return c.json({ at: at.toISOString(), people });
  });

  const root = options.uiDir ?? defaultUiDir();
  if (existsSync(root)) {
    app.use('/*', serveStatic({ root }));
    // Pages are routed in the browser: any other path outside the API gets the shell.
    app.get('*', async (c, next) =>
      c.req.path.startsWith('/api/') ? next() : serveStatic({ root, path: 'index.html' })(c, next),
    );
  } else {
    app.get('/', (c) => c.text(`The pages are not built: no ${root}. The API answers under /api/v1.`, 404));
  }
  return { app };
}
