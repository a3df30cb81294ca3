import { isLoopbackHost } from '@presence-tracker/core/config';
import type { MiddlewareHandler } from 'hono';
import { problem } from './problem.ts';

/**
 * Without a token, answers only requests addressed to a loopback name. Binding to loopback keeps other
 * machines out, but not a page a browser on this machine loaded from elsewhere: DNS rebinding points
 * that page's own name at 127.0.0.1, and the browser then sends this server the page's requests with
 * the page's name in `Host`. Refusing every other `Host` leaves such a page nothing to read.
 */
export function loopbackHostsOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (isLoopbackHost(new URL(c.req.url).hostname)) return next();
    return problem(c, {
      title: 'Forbidden',
      status: 403,
      detail:
        'this server has no token, so it answers only requests addressed to localhost, 127.0.0.1 or [::1]; set a token to serve it under another name',
    });
  };
}
