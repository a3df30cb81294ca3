import { createHmac, timingSafeEqual } from 'node:crypto';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { problem } from './problem.ts';

export const COOKIE = 'presence_tracker_token';

/** The sign-in form's stylesheet and script, in the built pages: all of them a stranger may fetch. */
const LOGIN_ASSETS = ['/login.css', '/login.js'];

/** Paths that answer without the token: the health check, and the login form with its assets. */
const OPEN = new Set(['/healthz', '/login', '/logout', ...LOGIN_ASSETS]);

/**
 * The cookie holds a keyed hash of the token, not the token: a copy of the cookie does not tell the
 * token, and changing the token signs everyone out.
 */
function cookieValue(token: string): string {
  return createHmac('sha256', token).update('presence-tracker dashboard session').digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const m = header && /^Bearer\s+(.+)$/i.exec(header);
  return m ? m[1]!.trim() : undefined;
}

/** Every request but `OPEN` ones needs the token, as a bearer header or the login cookie. */
export function requireToken(token: string): MiddlewareHandler {
  const expected = cookieValue(token);
  return async (c, next) => {
    if (OPEN.has(c.req.path)) return next();
    const given = bearer(c);
    const cookie = getCookie(c, COOKIE);
    if ((given !== undefined && same(given, token)) || (cookie !== undefined && same(cookie, expected))) {
      return next();
    }
    c.header('www-authenticate', 'Bearer realm="presence-tracker"');
    const wantsPage = c.req.method === 'GET' && !c.req.path.startsWith('/api/') && c.req.path !== '/metrics';
    if (wantsPage) {
      const asked = new URL(c.req.url);
      return c.html(loginPage(safeNext(asked.pathname + asked.search), false), 401);
    }
    return problem(c, {
      title: 'Unauthorized',
      status: 401,
      detail:
        given === undefined && cookie === undefined
          ? 'this server needs its token: send Authorization: Bearer TOKEN or sign in at /login'
          : 'the token is wrong',
    });
  };
}

/**
 * `GET /login` shows the form; `POST /login` checks the token and sets the cookie; `POST /logout`
 * clears it. The form's stylesheet and script come from the built pages in `uiDir`, when built.
 */
export function loginRoutes(token: string | undefined, uiDir: string | undefined) {
  const app = new Hono();
  if (uiDir !== undefined) {
    for (const path of LOGIN_ASSETS) app.get(path, serveStatic({ root: uiDir, path: path.slice(1) }));
  }
  app.get('/login', (c) => c.html(loginPage(safeNext(c.req.query('next')), false)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    if (token === undefined) return c.redirect(next, 303);
    if (typeof form.token !== 'string' || !same(form.token, token)) return c.html(loginPage(next, true), 401);
    setCookie(c, COOKIE, cookieValue(token), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
    });
    return c.redirect(next, 303);
  });
  app.post('/logout', (c) => {
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  return app;
}

/**
 * `GET /api/v1/session`: whether this server asks for its token, so the pages offer to sign out only
 * where there is something to sign out of. Behind the gate like the rest of the API.
 */
export function sessionRoute(token: string | undefined) {
  const app = new Hono();
  app.get('/api/v1/session', (c) => c.json({ token: token !== undefined }));
  return app;
}

const HERE = new URL('http://this.invalid/');

/**
 * Only a path on this server, with its query and fragment: never another origin (`//host`,
 * `https://host`, `/\\host`, or a tab or newline a browser drops to make `//`), so the form cannot be
 * used to redirect away. The path is read as a browser reads it, and given back as it read it.
 */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, HERE);
  } catch {
    return '/';
  }
  return url.origin === HERE.origin ? `${url.pathname}${url.search}${url.hash}` : '/';
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A plain form that works without its script: no inline script or style, so the CSP holds here too.
 * `login.js` adds the fragment of the page asked for to `next`; the icon is empty, so the browser asks
 * for none behind the token.
 */
function loginPage(next: string, wrong: boolean): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in: presence-tracker</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/login.css"><script type="module" src="/login.js"></script></head>
<body>
<main>
<h1>presence-tracker</h1>
<p class="lead">Sign in with the dashboard's token.</p>
<form method="post" action="/login">
${wrong ? '<p class="error" role="alert">That token is wrong.</p>\n' : ''}<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
