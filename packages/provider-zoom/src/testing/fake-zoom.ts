import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@presence-tracker/core';
import { type Category, type CategoryLimit, nextUtcMidnight, PLAN_LIMITS } from '../limits.ts';

/** A user of the fake account, with the fields `GET /users` and `GET /users/{userId}` answer. */
export interface FakeZoomUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  display_name: string;
  type: 1 | 2;
  status: 'active' | 'inactive' | 'pending';
  /** What `GET /users/{userId}/presence_status` answers. */
  presence: string;
}

/** Every presence value Zoom's reference lists, in the order `makeUsers` hands them out. */
export const PRESENCE_VALUES = [
  'Available',
  'Away',
  'Do_Not_Disturb',
  'In_Meeting',
  'Presenting',
  'On_Phone_Call',
  'In_Calendar_Event',
  'Offline',
] as const;

/** `n` active users, `person00001@example.com` on, with ids like Zoom's and presence cycling through every value. */
export function makeUsers(n: number): FakeZoomUser[] {
  return Array.from({ length: n }, (_, i) => {
    const k = String(i + 1).padStart(5, '0');
    return {
      id: `zU${k}AbCdEfGhIjKlMnOp`.slice(0, 22),
      email: `person${k}@example.com`,
      first_name: 'Person',
      last_name: k,
      display_name: `Person ${k}`,
      type: 1,
      status: 'active',
      presence: PRESENCE_VALUES[i % PRESENCE_VALUES.length]!,
    };
  });
}

/** The granular scopes each endpoint needs, as its reference page lists them. */
export const SCOPES = {
  listUsers: 'user:read:list_users:admin',
  getUser: 'user:read:user:admin',
  presenceStatus: 'user:read:presence_status:admin',
} as const;

export interface FakeZoomOptions {
  users?: FakeZoomUser[];
  accountId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Scopes the app was given. Default: every scope in `SCOPES`. */
  scopes?: string[];
  /** Token lifetime in seconds. Default: 3,600, as Zoom documents. */
  tokenTtl?: number;
  /** The limits enforced per category. Default: the Pro plan's. */
  limits?: Record<Category, CategoryLimit>;
  /** Each answer waits this long (real time). Default: 0. */
  latencyMs?: number;
  /** The fake's clock for tokens and rate windows; share the provider's in tests. Default: system. */
  clock?: Clock;
}

export interface FakeZoomRequest {
  method: string;
  path: string;
  category?: Category;
  status: number;
}

export interface FakeZoom {
  /** The API address, e.g. `http://127.0.0.1:PORT/v2`: the provider's `baseUrl`. */
  url: string;
  /** The token address: the provider's `oauthUrl`. */
  oauthUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  users: FakeZoomUser[];
  scopes: string[];
  requests: FakeZoomRequest[];
  /** Tokens issued so far. */
  readonly tokensIssued: number;
  /** Makes every token issued so far invalid, as deactivating and activating the app does. */
  revokeTokens(): void;
  /** Refuses every token, new ones too (401, code 124), as Zoom does for a deactivated app's. */
  refuseTokens: boolean;
  /** Answers the next `n` API requests with 429 for the second, `Retry-After: seconds`. */
  throttleNext(n: number, seconds?: number): void;
  /** The app's event subscription: where events go and the Secret Token they are signed with. */
  webhook: { url: string; secretToken: string } | null;
  /** Every event sent to the webhook, with the status it was answered with. */
  deliveries: { event: string; status: number }[];
  /**
   * Changes a user's presence; with `webhook` set, sends `user.presence_status_updated` as Zoom does
   * and resolves with the endpoint's answer (the status).
   */
  setPresence(userId: string, presence: string): Promise<number | null>;
  /**
   * Sends an event body to the webhook, signed as Zoom signs it: `v0=HMAC-SHA256(v0:timestamp:body)`
   * with the Secret Token. `timestamp` (seconds) and `secretToken` replace the real ones, to forge.
   */
  sendEvent(body: unknown, forge?: { timestamp?: number; secretToken?: string }): Promise<number>;
  /** Zoom's URL validation challenge, as sent when the endpoint is saved: whether it was answered right. */
  validateEndpoint(): Promise<boolean>;
  close(): Promise<void>;
}

const DAILY_MESSAGE =
  'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.';
const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';

/**
 * A loopback Zoom: the Server-to-Server OAuth token service and the users and presence endpoints, with
 * Zoom's documented answers, error codes and rate limits (per second, and per day where the plan has
 * one; 429 with `X-RateLimit-Category`, `X-RateLimit-Type` and `Retry-After`).
 */
export async function startFakeZoom(options: FakeZoomOptions = {}): Promise<FakeZoom> {
  const clock = options.clock ?? { now: () => new Date() };
  const limits = options.limits ?? PLAN_LIMITS.pro;
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const windows: Record<Category, { second: number; count: number; day: number; daily: number }> = {
    light: { second: -1, count: 0, day: -1, daily: 0 },
    medium: { second: -1, count: 0, day: -1, daily: 0 },
    heavy: { second: -1, count: 0, day: -1, daily: 0 },
  };
  let issued = 0;
  let throttle = { n: 0, seconds: 1 };

  const fake: FakeZoom = {
    url: '',
    oauthUrl: '',
    accountId: options.accountId ?? 'acct-0001',
    clientId: options.clientId ?? 'client-0001',
    clientSecret: options.clientSecret ?? 'secret-0001',
    users: options.users ?? makeUsers(5),
    scopes: options.scopes ?? Object.values(SCOPES),
    requests: [],
    get tokensIssued() {
      return issued;
    },
    revokeTokens: () => tokens.clear(),
    refuseTokens: false,
    throttleNext(n, seconds = 1) {
      throttle = { n, seconds };
    },
    webhook: null,
    deliveries: [],
    async setPresence(userId, presence) {
      const user = find(userId);
      if (!user) throw new Error(`no fake Zoom user ${userId}`);
      user.presence = presence;
      if (!fake.webhook) return null;
      const now = clock.now();
      return fake.sendEvent({
        event: 'user.presence_status_updated',
        payload: {
          account_id: fake.accountId,
          object: {
            date_time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            email: user.email,
            id: user.id,
            presence_status: presence,
          },
        },
        event_ts: now.getTime(),
      });
    },
    async sendEvent(body, forge = {}) {
      if (!fake.webhook) throw new Error('the fake Zoom has no webhook set');
      const text = JSON.stringify(body);
      const timestamp = String(forge.timestamp ?? Math.floor(clock.now().getTime() / 1000));
      const secret = forge.secretToken ?? fake.webhook.secretToken;
      const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${text}`).digest('hex')}`;
      const answer = await fetch(fake.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Zoom Marketplace/1.0a',
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': signature,
        },
        body: text,
      });
      await answer.arrayBuffer();
      fake.deliveries.push({ event: String((body as { event?: unknown }).event), status: answer.status });
      return answer.status;
    },
    async validateEndpoint() {
      if (!fake.webhook) throw new Error('the fake Zoom has no webhook set');
      const plainToken = randomBytes(16).toString('base64url');
      const body = {
        payload: { plainToken },
        event_ts: clock.now().getTime(),
        event: 'endpoint.url_validation',
      };
      const text = JSON.stringify(body);
      const timestamp = String(Math.floor(clock.now().getTime() / 1000));
      const secret = fake.webhook.secretToken;
      const answer = await fetch(fake.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${text}`).digest('hex')}`,
        },
        body: text,
      });
      if (answer.status !== 200) return false;
      const json = (await answer.json()) as { plainToken?: string; encryptedToken?: string };
      return (
        json.plainToken === plainToken &&
        json.encryptedToken === createHmac('sha256', secret).update(plainToken).digest('hex')
      );
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const find = (userId: string) => {
    const key = decodeURIComponent(userId).toLowerCase();
    return fake.users.find((u) => u.id.toLowerCase() === key || u.email.toLowerCase() === key);
  };

  /** Counts a request against its category; the 429 to send, or null. */
  const limited = (category: Category): { headers: Record<string, string>; message: string } | null => {
    const now = clock.now().getTime();
    const w = windows[category];
    const second = Math.floor(now / 1000);
    const day = Math.floor(now / 86_400_000);
    if (second !== w.second) Object.assign(w, { second, count: 0 });
    if (day !== w.day) Object.assign(w, { day, daily: 0 });
    const label = category[0]!.toUpperCase() + category.slice(1);
    const limit = limits[category];
    if (limit.perDay !== undefined && w.daily >= limit.perDay)
      return {
        headers: {
          'x-ratelimit-category': label,
          'x-ratelimit-type': 'Daily-limit',
          'retry-after': new Date(nextUtcMidnight(now)).toUTCString(),
        },
        message: DAILY_MESSAGE,
      };
    const qps = (seconds: number) => ({
      headers: { 'x-ratelimit-category': label, 'x-ratelimit-type': 'QPS', 'retry-after': String(seconds) },
      message: QPS_MESSAGE,
    });
    if (throttle.n > 0) {
      throttle.n -= 1;
      return qps(throttle.seconds);
    }
    if (w.count >= limit.perSecond) return qps(1);
    w.count += 1;
    w.daily += 1;
    return null;
  };

  const token = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const form = new URLSearchParams(raw);
    const param = (k: string) => form.get(k) ?? url.searchParams.get(k);
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    if (id !== fake.clientId || secret !== fake.clientSecret)
      return send(res, 401, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
    if (param('grant_type') !== 'account_credentials')
      return send(res, 400, { reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
    if (param('account_id') !== fake.accountId)
      return send(res, 400, { reason: 'Invalid request : Invalid account_id', error: 'invalid_request' });
    issued += 1;
    const value = `fake-zoom-token-${issued}`;
    const ttl = options.tokenTtl ?? 3600;
    tokens.set(value, clock.now().getTime() + ttl * 1000);
    send(res, 200, {
      access_token: value,
      token_type: 'bearer',
      expires_in: ttl,
      scope: fake.scopes.join(' '),
      api_url: fake.url.replace(/\/v2$/, ''),
    });
  };

  const api = (req: IncomingMessage, res: ServerResponse, url: URL): FakeZoomRequest => {
    const path = url.pathname.slice('/v2'.length);
    const record: FakeZoomRequest = { method: req.method ?? '', path, status: 0 };
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status;
      send(res, status, body, headers);
    };
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const expiry = bearer ? tokens.get(bearer) : undefined;
    if (expiry === undefined || fake.refuseTokens) {
      answer(401, { code: 124, message: 'Invalid access token.' });
      return record;
    }
    if (clock.now().getTime() >= expiry) {
      answer(401, { code: 124, message: 'Access token is expired.' });
      return record;
    }
    const route = (() => {
      if (req.method !== 'GET') return null;
      if (path === '/users')
        return { category: 'medium' as const, scope: SCOPES.listUsers, kind: 'list' as const };
      const presence = /^\/users\/([^/]+)\/presence_status$/.exec(path);
      if (presence)
        return {
          category: 'medium' as const,
          scope: SCOPES.presenceStatus,
          kind: 'presence' as const,
          user: presence[1]!,
        };
      const user = /^\/users\/([^/]+)$/.exec(path);
      if (user)
        return { category: 'light' as const, scope: SCOPES.getUser, kind: 'user' as const, user: user[1]! };
      return null;
    })();
    if (!route) {
      answer(404, { code: 404, message: 'Not found' });
      return record;
    }
    record.category = route.category;
    if (!fake.scopes.includes(route.scope)) {
      answer(400, { code: 4711, message: `Invalid access token, does not contain scopes:[${route.scope}].` });
      return record;
    }
    const refused = limited(route.category);
    if (refused) {
      answer(429, { code: 429, message: refused.message }, refused.headers);
      return record;
    }
    switch (route.kind) {
      case 'list': {
        const status = url.searchParams.get('status') ?? 'active';
        const size = Number(url.searchParams.get('page_size') ?? '30');
        if (!Number.isInteger(size) || size < 1 || size > 300) {
          answer(400, {
            code: 300,
            message: 'Validation Failed.',
            errors: [{ field: 'page_size', message: 'Invalid field.' }],
          });
          return record;
        }
        const all = fake.users.filter((u) => u.status === status);
        const next = url.searchParams.get('next_page_token');
        const offset = next ? Number(Buffer.from(next, 'base64url').toString()) : 0;
        if (!Number.isInteger(offset) || offset < 0) {
          answer(400, { code: 300, message: 'Invalid next_page_token.' });
          return record;
        }
        const page = all.slice(offset, offset + size);
        const more = offset + size < all.length;
        answer(200, {
          page_count: Math.ceil(all.length / size),
          page_size: size,
          total_records: all.length,
          next_page_token: more ? Buffer.from(String(offset + size)).toString('base64url') : '',
          users: page.map(({ presence: _, ...u }) => u),
        });
        return record;
      }
      case 'user':
      case 'presence': {
        const u = find(route.user);
        if (!u) {
          answer(404, { code: 1001, message: `User does not exist: ${decodeURIComponent(route.user)}.` });
          return record;
        }
        if (route.kind === 'presence') answer(200, { status: u.presence });
        else {
          const { presence: _, ...profile } = u;
          answer(200, profile);
        }
        return record;
      }
      default: {
        const never: never = route;
        throw new Error(`unhandled route ${String(never)}`);
      }
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handle = async () => {
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      if (url.pathname === '/oauth/token' && req.method === 'POST') return token(req, res, url);
      if (url.pathname.startsWith('/v2/')) return void fake.requests.push(api(req, res, url));
      send(res, 404, { code: 404, message: 'Not found' });
    };
    handle().catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/v2`;
  fake.oauthUrl = `http://127.0.0.1:${port}/oauth/token`;
  return fake;
}
