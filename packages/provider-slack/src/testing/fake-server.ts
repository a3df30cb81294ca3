import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '@presence-tracker/core';

/** A Slack user object as `users.info`, `users.list` and `users.lookupByEmail` return it (the fields read here). */
export interface FakeSlackUser {
  id: string;
  team_id?: string;
  name: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  profile: { email?: string; real_name?: string; display_name?: string };
}

/** One user's entry in `dnd.teamInfo`: instants in Unix seconds, as Slack sends them. */
export interface FakeDnd {
  dnd_enabled: boolean;
  next_dnd_start_ts: number;
  next_dnd_end_ts: number;
  snooze_enabled?: boolean;
  snooze_endtime?: number;
}

/**
 * Requests a method allows per minute for one app and workspace. Slack documents each method's tier
 * (Tier 2: 20+, Tier 3: 50+, Tier 4: 100+ per minute); the fake enforces the documented floor.
 */
export const TIER_LIMITS = {
  'users.getPresence': 50,
  'users.lookupByEmail': 50,
  'users.info': 100,
  'users.list': 20,
  'dnd.teamInfo': 20,
} as const;

export type FakeSlackMethod = keyof typeof TIER_LIMITS;

/** The scope each method needs, as the method pages list them. */
const SCOPES: Record<FakeSlackMethod, string> = {
  'users.getPresence': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'users.info': 'users:read',
  'users.list': 'users:read',
  'dnd.teamInfo': 'dnd:read',
};

export interface FakeSlackOptions {
  users?: FakeSlackUser[];
  /** Token -> its scopes. Default: `xoxb-test` with users:read, users:read.email and dnd:read. */
  tokens?: Record<string, string[]>;
  /** Tokens of a deleted workspace or user: every call answers `account_inactive`. */
  inactiveTokens?: string[];
  /** Per-minute limits by method; `false` turns limits off. Default: TIER_LIMITS. */
  limits?: Partial<Record<FakeSlackMethod, number>> | false;
  /** Where the fake reads "now" for its rate-limit windows and DND windows. Default: the system clock. */
  clock?: Clock;
  /** Real time each answer waits before it is sent, in ms. Default: 0. */
  latency?: number;
}

export interface FakeSlack {
  /** The Web API's base, as `slackApiUrl` takes it: `http://127.0.0.1:PORT/api/`. */
  url: string;
  users: FakeSlackUser[];
  presence: Map<string, 'active' | 'away'>;
  dnd: Map<string, FakeDnd>;
  /** Calls answered, by method, rate-limited ones included. */
  calls: Map<string, number>;
  /** `ratelimited` answers sent, by method. */
  rateLimited: Map<string, number>;
  /** The next call of `method` answers with this error instead (once), e.g. `internal_error`. */
  failNext(method: FakeSlackMethod, error: string): void;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = 'xoxb-test';
const MINUTE = 60_000;

/**
 * A loopback Slack Web API for tests and benchmarks: `POST /api/<method>` with form or JSON arguments,
 * the token as a Bearer header, and `{ ok, ... }` answers in the documented shapes and error codes.
 * Each method's per-minute tier limit is enforced in a sliding window on `clock`; a call past it gets
 * HTTP 429 with `Retry-After` (seconds) and `{ ok: false, error: 'ratelimited' }`, as Slack does.
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const clock = options.clock ?? systemClock;
  const users = options.users ?? defaultUsers();
  const tokens = options.tokens ?? { [DEFAULT_TOKEN]: ['users:read', 'users:read.email', 'dnd:read'] };
  const inactive = new Set(options.inactiveTokens ?? []);
  const limits = options.limits === false ? {} : { ...TIER_LIMITS, ...options.limits };
  const presence = new Map<string, 'active' | 'away'>(users.map((u) => [u.id, 'active']));
  const dnd = new Map<string, FakeDnd>();
  const calls = new Map<string, number>();
  const rateLimited = new Map<string, number>();
  const starts = new Map<string, number[]>();
  const failures = new Map<string, string>();
  const byId = () => new Map(users.map((u) => [u.id, u]));

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const send = () => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (options.latency) setTimeout(send, options.latency);
    else send();
  };

  const server = createServer(async (req, res) => {
    const match = /^\/api\/([A-Za-z.]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const method = match?.[1] as FakeSlackMethod | undefined;
    if (req.method !== 'POST' && req.method !== 'GET') return answer(res, 405, { ok: false });
    if (!method || !(method in SCOPES)) return answer(res, 200, { ok: false, error: 'unknown_method' });
    calls.set(method, (calls.get(method) ?? 0) + 1);
    const args = await readArgs(req);

    const token = bearer(req) ?? args.token;
    if (!token) return answer(res, 200, { ok: false, error: 'not_authed' });
    if (inactive.has(token)) return answer(res, 200, { ok: false, error: 'account_inactive' });
    const scopes = tokens[token];
    if (!scopes) return answer(res, 200, { ok: false, error: 'invalid_auth' });

    const limit = (limits as Record<string, number | undefined>)[method];
    if (limit !== undefined) {
      const now = clock.now().getTime();
      const key = `${token} ${method}`;
      const window = (starts.get(key) ?? []).filter((t) => t > now - MINUTE);
      starts.set(key, window);
      if (window.length >= limit) {
        rateLimited.set(method, (rateLimited.get(method) ?? 0) + 1);
        const retryAfter = Math.max(1, Math.ceil((window[0]! + MINUTE - now) / 1000));
        return answer(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
      }
      window.push(now);
    }
    if (!scopes.includes(SCOPES[method])) {
      return answer(res, 200, {
        ok: false,
        error: 'missing_scope',
        needed: SCOPES[method],
        provided: scopes.join(','),
      });
    }
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      return answer(res, 200, { ok: false, error: failure });
    }

    switch (method) {
      case 'users.getPresence': {
        const user = byId().get(args.user ?? '');
        if (!user) return answer(res, 200, { ok: false, error: 'user_not_found' });
        return answer(res, 200, { ok: true, presence: presence.get(user.id) ?? 'away' });
      }
      case 'users.info': {
        const user = byId().get(args.user ?? '');
        if (!user) return answer(res, 200, { ok: false, error: 'user_not_found' });
        return answer(res, 200, { ok: true, user });
      }
      case 'users.lookupByEmail': {
        const email = (args.email ?? '').toLowerCase();
        const user = users.find((u) => u.profile.email?.toLowerCase() === email && email !== '');
        if (!user) return answer(res, 200, { ok: false, error: 'users_not_found' });
        return answer(res, 200, { ok: true, user });
      }
      case 'users.list': {
        let offset = 0;
        if (args.cursor) {
          const decoded = /^user:(\d+)$/.exec(Buffer.from(args.cursor, 'base64').toString());
          if (!decoded) return answer(res, 200, { ok: false, error: 'invalid_cursor' });
          offset = Number(decoded[1]);
        }
        const limit = Math.min(Number(args.limit) || 1000, 1000);
        const page = users.slice(offset, offset + limit);
        const next =
          offset + limit < users.length ? Buffer.from(`user:${offset + limit}`).toString('base64') : '';
        return answer(res, 200, { ok: true, members: page, response_metadata: { next_cursor: next } });
      }
      case 'dnd.teamInfo': {
        const ids = (args.users ?? '').split(',').filter(Boolean);
        if (ids.length === 0) return answer(res, 200, { ok: false, error: 'no_users_provided' });
        // The method page says "up to 50 users"; the fake refuses more rather than guess what Slack does.
        if (ids.length > 50) return answer(res, 200, { ok: false, error: 'invalid_arguments' });
        const known = byId();
        const out: Record<string, FakeDnd> = {};
        for (const id of ids) {
          if (!known.has(id)) return answer(res, 200, { ok: false, error: 'user_not_visible' });
          out[id] = dnd.get(id) ?? { dnd_enabled: false, next_dnd_start_ts: 1, next_dnd_end_ts: 1 };
        }
        return answer(res, 200, { ok: true, users: out });
      }
      default: {
        const unreachable: never = method;
        return answer(res, 200, { ok: false, error: `unknown_method ${unreachable}` });
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    users,
    presence,
    dnd,
    calls,
    rateLimited,
    failNext: (method, error) => failures.set(method, error),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

async function readArgs(req: IncomingMessage): Promise<Record<string, string | undefined>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  if ((req.headers['content-type'] ?? '').includes('application/json') && text) {
    const json = JSON.parse(text) as Record<string, unknown>;
    return { ...query, ...Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)])) };
  }
  return { ...query, ...Object.fromEntries(new URLSearchParams(text)) };
}

/** `count` people, `U0000001` on, with e-mail addresses `person1@example.com` on. */
export function fakeSlackUsers(count: number): FakeSlackUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    return {
      id: `U${String(n).padStart(7, '0')}`,
      team_id: 'T0000001',
      name: `person${n}`,
      real_name: `Person ${n}`,
      deleted: false,
      is_bot: false,
      profile: { email: `person${n}@example.com`, real_name: `Person ${n}`, display_name: `person${n}` },
    };
  });
}

/** Two people, a bot, a deleted account and a guest. */
export function defaultUsers(): FakeSlackUser[] {
  return [
    {
      id: 'U012A3CDE',
      team_id: 'T012AB3C4',
      name: 'spengler',
      real_name: 'Egon Spengler',
      deleted: false,
      profile: { email: 'spengler@ghostbusters.example.com', real_name: 'Egon Spengler' },
    },
    {
      id: 'U061F7AUR',
      team_id: 'T012AB3C4',
      name: 'venkman',
      real_name: 'Peter Venkman',
      deleted: false,
      profile: { email: 'venkman@ghostbusters.example.com', real_name: 'Peter Venkman' },
    },
    {
      id: 'B0BOTBOT1',
      team_id: 'T012AB3C4',
      name: 'slimer',
      real_name: 'Slimer',
      deleted: false,
      is_bot: true,
      profile: { real_name: 'Slimer' },
    },
    {
      id: 'U0GONE001',
      team_id: 'T012AB3C4',
      name: 'gozer',
      real_name: 'Gozer',
      deleted: true,
      profile: { email: 'gozer@ghostbusters.example.com', real_name: 'Gozer' },
    },
    {
      id: 'U0GUEST01',
      team_id: 'T012AB3C4',
      name: 'dana',
      real_name: 'Dana Barrett',
      deleted: false,
      is_restricted: true,
      profile: { email: 'dana@ghostbusters.example.com', real_name: 'Dana Barrett' },
    },
  ];
}
