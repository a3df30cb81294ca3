import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  ConfigError,
  isHttpsOrLoopback,
  type PresenceProvider,
  type PushEndpoint,
} from '@presence-tracker/core';
import type { PushConfig } from '@presence-tracker/core/config';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** Graph sends at most a few hundred notifications in one collection; anything larger is not theirs. */
const MAX_BODY = 4 * 1024 * 1024;

export interface PushHost {
  /** Where it listens, e.g. `http://127.0.0.1:8080/push`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The addresses a provider told its platform to send to must be https, unless they are loopback
 * (a proxy or a test on the same machine): the platform would send its secrets in clear otherwise.
 */
export function checkPushUrls(endpoint: PushEndpoint): void {
  const issues = endpoint.urls
    .filter((u) => !isHttpsOrLoopback(u))
    .map((u) => ({
      path: 'provider.push',
      message: 'expected an https:// address (http only on loopback) for the platform to send to',
      received: JSON.stringify(u),
    }));
  if (issues.length > 0) throw new ConfigError('the push endpoint address is not https', issues);
}

/** The provider's push endpoint, or null; with one, `push.listen` must say where to host it. */
export function pushEndpointOf(
  provider: PresenceProvider,
  push: PushConfig | undefined,
): PushEndpoint | null {
  if (!provider.push) return null;
  if (!push) {
    throw new ConfigError(`the ${provider.name} provider receives pushes: say where to host its endpoint`, [
      { path: 'push.listen', message: 'expected { "port": ..., "host"?: ..., "path"?: ... }' },
    ]);
  }
  checkPushUrls(provider.push);
  return provider.push;
}

/**
 * Serves the endpoint's `handle` for every request under `listen.path` (Hono routes and limits the
 * body), everything else 404, on `listen.host:listen.port`, meant to sit behind a reverse proxy.
 */
export async function hostPush(endpoint: PushEndpoint, listen: PushConfig['listen']): Promise<PushHost> {
  const app = new Hono();
  const limited = bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.text('request body too large', 413) });
  const base = listen.path === '/' ? '' : listen.path;
  app.all(base || '/', limited, (c) => endpoint.handle(c.req.raw));
  app.all(`${base}/*`, limited, (c) => endpoint.handle(c.req.raw));
  const server = serve({ fetch: app.fetch, hostname: listen.host, port: listen.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}${listen.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The provider as seen by a single poll: no subscriptions, since nothing stays to receive them. */
export function withoutPush(provider: PresenceProvider): PresenceProvider {
  return new Proxy(provider, {
    get: (target, key) => (key === 'subscribe' || key === 'push' ? undefined : Reflect.get(target, key)),
  });
}
