import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve as listen, type ServerType } from '@hono/node-server';
import type { Logger } from '@presence-tracker/core';
import { createDashboard } from './dashboard.ts';
import type { DashboardOptions } from './options.ts';
import { defaultUiDir, pagesNotBuilt } from './ui-dir.ts';

export interface ServeOptions extends DashboardOptions {
  /** Default: `127.0.0.1`. */
  host?: string;
  /** Default: 8080; 0 picks a free port. */
  port?: number;
  /**
   * Where the server says what it notices as it starts: that the pages are not built, with `uiDir`.
   * Default: that line alone on stderr.
   */
  logger?: Logger;
}

export interface RunningDashboard {
  /** `http://HOST:PORT`, with the port actually bound. */
  url: string;
  server: ServerType;
  /** Stops accepting connections, ends open event streams, and resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Serves the dashboard on `host:port` and resolves once it listens. Where the pages are not built,
 * says so once (to `logger`, or on stderr), with how to build them; the API answers all the same.
 */
export async function serve(options: ServeOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const uiDir = options.uiDir ?? defaultUiDir();
  if (!existsSync(uiDir)) {
    if (options.logger) options.logger.warn({ uiDir }, pagesNotBuilt(uiDir));
    else console.warn(pagesNotBuilt(uiDir));
  }
  const dashboard = createDashboard({ ...options, uiDir });
  const { app } = dashboard;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = listen({ fetch: app.fetch, hostname: host, port: options.port ?? 8080 }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        dashboard.close();
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
