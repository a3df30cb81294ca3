import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import appErrorShape from './app-error.json' with { type: 'json' };
import channelShape from './channel.json' with { type: 'json' };
import channelMemberShape from './channel-member.json' with { type: 'json' };
import statusShape from './status.json' with { type: 'json' };
import teamShape from './team.json' with { type: 'json' };
import userShape from './user.json' with { type: 'json' };

/**
 * A Mattermost server in miniature on 127.0.0.1: the endpoints the provider uses, answering with the
 * shapes of the API reference (kept beside it as JSON) and the server's own rules where they matter
 * (26-character ids, pages of at most 200, sessions that expire, 429 with Retry-After).
 */

export interface FakeUser {
  id: string;
  username: string;
  email: string;
  firstName?: string;
  lastName?: string;
  status?: string;
  isBot?: boolean;
  deactivated?: boolean;
  password?: string;
}

export interface FakeTeam {
  id: string;
  name: string;
  displayName: string;
}

export interface FakeChannel {
  id: string;
  /** Empty for a direct (two members) or group message channel, as Mattermost has them. */
  teamId: string;
  name: string;
  displayName: string;
  members: string[];
  private?: boolean;
}

export interface FakeData {
  users: FakeUser[];
  teams: FakeTeam[];
  channels: FakeChannel[];
  /** The account the provider signs in as; it is a member of every team. */
  me: string;
  /** Personal access tokens the server accepts. */
  tokens?: string[];
  /** Refuse look-ups by e-mail, as a server that hides addresses does. */
  hideEmails?: boolean;
}

/** One request as the fake server received it: `url` is the raw path and query, as sent. */
export interface Exchange {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, or `undefined` when there was none. */
  body: unknown;
}

/**
 * Checks each exchange, e.g. against an API description. A request with problems is answered 400
 * (as Mattermost refuses a malformed request) and its problems are kept in `violations`; so are an
 * answer's.
 */
export interface Inspector {
  request(exchange: Exchange): string[];
  response(exchange: Exchange, status: number, body: unknown): string[];
}

export interface FakeServer {
  url: string;
  data: FakeData;
  /** Requests answered so far, by `METHOD /path` with ids replaced by `:id`. */
  counts: Map<string, number>;
  /** Every request, in order. */
  log: { method: string; path: string; status: number }[];
  /** What the inspector found wrong, as `METHOD url: problem`; empty without an inspector. */
  violations: string[];
  count(route: string): number;
  resetCounts(): void;
  /**
   * The next `times` requests get 429 with `Retry-After: retryAfter` (seconds) and the matching
   * `X-RateLimit-*` headers; without `retryAfter`, a bare 429 that says nothing of when to come back.
   */
  throttle(times: number, retryAfter?: number): void;
  /** Forgets every login session, so the next request with one gets 401. */
  expireSessions(): void;
  setStatus(userId: string, status: string): void;
  /** WebSocket connections that passed the authentication challenge, by user id. */
  sockets: Map<string, number>;
  /** Resolves once `userId` has an authenticated WebSocket. */
  waitForSocket(userId: string): Promise<void>;
  /** Sends `status_change` to `userId`'s WebSockets, as Mattermost does: only to that user. */
  pushStatus(userId: string, status: string): void;
  close(): Promise<void>;
}

const MAX_PER_PAGE = 200;

/** A 26-character id as Mattermost makes them, derived from a label so data sets are reproducible. */
export function mmId(label: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 26; round++) {
    for (const ch of `${label}#${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    out += (h >>> 0).toString(36).padStart(7, '0');
  }
  return out.slice(0, 26);
}

/** `users` people spread over `channels` channels in `teams` teams; everyone is in several channels. */
export function makeData(options: {
  users: number;
  channels: number;
  teams?: number;
  perUser?: number;
}): FakeData {
  const teamCount = options.teams ?? 2;
  const perUser = options.perUser ?? 3;
  const statuses = ['online', 'away', 'dnd', 'offline', 'ooo'];
  const me: FakeUser = {
    id: mmId('me'),
    username: 'tracker',
    email: 'tracker@example.com',
    password: 'secret-pw',
  };
  const users: FakeUser[] = [me];
  for (let i = 0; i < options.users; i++) {
    users.push({
      id: mmId(`user${i}`),
      username: `user${i}`,
      email: `user${i}@example.com`,
      firstName: 'User',
      lastName: String(i),
      status: statuses[i % statuses.length]!,
    });
  }
  const teams = Array.from({ length: teamCount }, (_, t) => ({
    id: mmId(`team${t}`),
    name: `team-${t}`,
    displayName: `Team ${t}`,
  }));
  const channels: FakeChannel[] = Array.from({ length: options.channels }, (_, c) => ({
    id: mmId(`channel${c}`),
    teamId: teams[c % teamCount]!.id,
    name: `channel-${c}`,
    displayName: `Channel ${c}`,
    members: [me.id],
  }));
  users.slice(1).forEach((u, i) => {
    for (let k = 0; k < perUser; k++) channels[(i + k * 7) % channels.length]!.members.push(u.id);
  });
  return { users, teams, channels, me: me.id, tokens: ['personal-access-token'] };
}

export async function startFakeServer(
  data: FakeData,
  options: {
    inspect?: Inspector;
    /** Each answer waits this long, as a server across a network would (benchmarks). */
    latencyMs?: number;
  } = {},
): Promise<FakeServer> {
  const { inspect } = options;
  const counts = new Map<string, number>();
  const log: FakeServer['log'] = [];
  const violations: string[] = [];
  const sessions = new Set<string>();
  const tokens = new Set(data.tokens ?? []);
  let throttled = 0;
  let retryAfter: number | undefined;

  // Built on first use: tests shape `data` before they send requests; statuses change in place.
  let usersById: Map<string, FakeUser> | null = null;
  const users = () => {
    usersById ??= new Map(data.users.map((u) => [u.id, u]));
    return usersById;
  };
  const membersByTeam = new Map<string, Set<string>>();
  const teamMembers = (teamId: string) => {
    let ids = membersByTeam.get(teamId);
    if (!ids) {
      ids = new Set([data.me]);
      for (const c of data.channels) if (c.teamId === teamId) for (const id of c.members) ids.add(id);
      membersByTeam.set(teamId, ids);
    }
    return ids;
  };

  const profile = (u: FakeUser) => ({
    ...userShape,
    id: u.id,
    username: u.username,
    email: u.email,
    first_name: u.firstName ?? '',
    last_name: u.lastName ?? '',
    is_bot: u.isBot ?? false,
    delete_at: u.deactivated ? 1_760_000_000_000 : 0,
  });
  const team = (t: FakeTeam) => ({ ...teamShape, id: t.id, name: t.name, display_name: t.displayName });
  const channel = (c: FakeChannel) => ({
    ...channelShape,
    id: c.id,
    team_id: c.teamId,
    name: c.name,
    display_name: c.displayName,
    // Direct (two people) and group messages belong to no team: their team_id is empty.
    type: c.teamId === '' ? (c.members.length === 2 ? 'D' : 'G') : c.private ? 'P' : 'O',
  });
  const status = (byId: Map<string, FakeUser>, userId: string) => {
    const u = byId.get(userId);
    const word = u?.status ?? 'offline';
    return {
      ...statusShape,
      user_id: userId,
      status: word,
      manual: word === 'dnd' || word === 'ooo',
      dnd_end_time: word === 'dnd' ? 1_760_003_600 : 0,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const route = `${req.method} ${path.replace(/\/[a-z0-9]{26}(?=\/|$)/g, '/:id')}`;
    counts.set(route, (counts.get(route) ?? 0) + 1);
    const body = await readBody(req);
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const exchange: Exchange = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: parseJson(body),
    };
    const send = (code: number, payload: unknown, headers: Record<string, string> = {}) => {
      log.push({ method: req.method ?? '', path, status: code });
      for (const problem of inspect?.response(exchange, code, payload) ?? [])
        violations.push(`${exchange.method} ${exchange.url}: ${problem}`);
      res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const fail = (code: number, id: string, message: string) =>
      send(code, { ...appErrorShape, id, message, status_code: code });

    const refused = inspect?.request(exchange) ?? [];
    if (refused.length > 0) {
      for (const problem of refused) violations.push(`${exchange.method} ${exchange.url}: ${problem}`);
      return fail(400, 'api.context.invalid_url_param.app_error', refused.join('; '));
    }

    if (throttled > 0) {
      throttled--;
      return send(
        429,
        { ...appErrorShape, id: 'api.context.rate_limit', message: 'Too many requests', status_code: 429 },
        retryAfter === undefined
          ? {}
          : {
              'Retry-After': String(retryAfter),
              'X-RateLimit-Limit': '10',
              'X-RateLimit-Remaining': '0',
              'X-RateLimit-Reset': String(retryAfter),
            },
      );
    }

    if (req.method === 'POST' && path === '/api/v4/users/login') {
      const { login_id, password } = JSON.parse(body || '{}') as { login_id?: string; password?: string };
      const u = data.users.find((x) => x.username === login_id || x.email === login_id);
      if (!u?.password || u.password !== password) {
        return fail(
          401,
          'api.user.login.invalid_credentials_email_username',
          'Enter a valid email or username and/or password.',
        );
      }
      const token = randomBytes(13).toString('hex');
      sessions.add(token);
      return send(200, profile(u), { Token: token });
    }

    const bearer = req.headers.authorization?.replace(/^Bearer /i, '') ?? '';
    if (!sessions.has(bearer) && !tokens.has(bearer)) {
      return fail(
        401,
        'api.context.session_expired.app_error',
        'Invalid or expired session, please login again.',
      );
    }

    const page = Number(url.searchParams.get('page') ?? 0);
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 60), MAX_PER_PAGE);
    const paged = <T>(items: T[]) => items.slice(page * perPage, (page + 1) * perPage);
    const byId = users();
    let m: RegExpMatchArray | null;

    if (req.method === 'POST' && path === '/api/v4/users/logout') {
      sessions.delete(bearer);
      return send(200, { status: 'OK' });
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/users\/me\/teams\/([a-z0-9]{26})\/channels$/) : null;
    if (m) {
      return send(
        200,
        data.channels.filter((c) => c.teamId === m![1] && c.members.includes(data.me)).map(channel),
      );
    }
    if (req.method === 'GET' && path === '/api/v4/users/me') return send(200, profile(byId.get(data.me)!));
    if (req.method === 'GET' && path === '/api/v4/users/me/teams') return send(200, data.teams.map(team));
    if (req.method === 'GET' && path === '/api/v4/users') {
      const inTeam = url.searchParams.get('in_team');
      const inChannel = url.searchParams.get('in_channel');
      let list = data.users;
      if (inTeam) {
        const members = teamMembers(inTeam);
        list = list.filter((u) => members.has(u.id));
      }
      if (inChannel) {
        const c = data.channels.find((x) => x.id === inChannel);
        if (!c)
          return fail(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.');
        list = c.members.map((id) => byId.get(id)!).filter(Boolean);
      }
      return send(200, paged(list).map(profile));
    }
    if (req.method === 'POST' && path === '/api/v4/users/ids') {
      const ids = JSON.parse(body) as string[];
      if (!Array.isArray(ids) || ids.length === 0)
        return fail(
          400,
          'api.context.invalid_body_param.app_error',
          'Invalid or missing user_ids in request body.',
        );
      return send(
        200,
        ids.flatMap((id) => (byId.has(id) ? [profile(byId.get(id)!)] : [])),
      );
    }
    if (req.method === 'POST' && path === '/api/v4/users/usernames') {
      const names = JSON.parse(body) as string[];
      if (!Array.isArray(names) || names.length === 0)
        return fail(
          400,
          'api.context.invalid_body_param.app_error',
          'Invalid or missing usernames in request body.',
        );
      return send(200, data.users.filter((u) => names.includes(u.username)).map(profile));
    }
    if (req.method === 'POST' && path === '/api/v4/users/status/ids') {
      const ids = JSON.parse(body) as string[];
      if (
        !Array.isArray(ids) ||
        ids.length === 0 ||
        ids.some((id) => typeof id !== 'string' || id.length !== 26)
      ) {
        return fail(
          400,
          'api.context.invalid_body_param.app_error',
          'Invalid or missing user_ids in request body.',
        );
      }
      // The server answers `offline` for ids it has no status for, even ids of nobody.
      return send(
        200,
        ids.map((id) => status(byId, id)),
      );
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/users\/email\/(.+)$/) : null;
    if (m) {
      let email: string;
      try {
        email = decodeURIComponent(m[1]!).toLowerCase();
      } catch {
        return fail(
          400,
          'api.context.invalid_url_param.app_error',
          'Invalid or missing email in request URL.',
        );
      }
      // The server checks the address before looking it up (model.IsValidEmail).
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        return fail(
          400,
          'api.context.invalid_url_param.app_error',
          'Invalid or missing email in request URL.',
        );
      }
      if (data.hideEmails) {
        return fail(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
      }
      const u = data.users.find((x) => x.email.toLowerCase() === email);
      return u
        ? send(200, profile(u))
        : fail(404, 'app.user.missing_account.const', 'Unable to find the user.');
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/users\/([a-z0-9]{26})\/status$/) : null;
    if (m) {
      return send(200, status(byId, m[1]!));
    }
    m =
      req.method === 'GET' ? path.match(/^\/api\/v4\/teams\/name\/([^/]+)\/channels\/name\/([^/]+)$/) : null;
    if (m) {
      const t = data.teams.find((x) => x.name === m![1]);
      const c = t && data.channels.find((x) => x.teamId === t.id && x.name === m![2]);
      return c
        ? send(200, channel(c))
        : fail(404, 'app.channel.get_by_name.missing.app_error', 'Channel does not exist.');
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/teams\/name\/([^/]+)$/) : null;
    if (m) {
      const t = data.teams.find((x) => x.name === m![1]);
      return t
        ? send(200, team(t))
        : fail(404, 'app.team.get_by_name.missing.app_error', 'Unable to find the existing team.');
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/teams\/([a-z0-9]{26})$/) : null;
    if (m) {
      const t = data.teams.find((x) => x.id === m![1]);
      return t
        ? send(200, team(t))
        : fail(404, 'app.team.get.find.app_error', 'Unable to find the existing team.');
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/teams\/([a-z0-9]{26})\/channels$/) : null;
    if (m) {
      return send(200, paged(data.channels.filter((c) => c.teamId === m![1] && !c.private)).map(channel));
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/channels\/([a-z0-9]{26})$/) : null;
    if (m) {
      const c = data.channels.find((x) => x.id === m![1]);
      return c
        ? send(200, channel(c))
        : fail(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.');
    }
    m = req.method === 'GET' ? path.match(/^\/api\/v4\/channels\/([a-z0-9]{26})\/members$/) : null;
    if (m) {
      const c = data.channels.find((x) => x.id === m![1]);
      if (!c) return fail(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.');
      return send(
        200,
        paged(c.members).map((id) => ({ ...channelMemberShape, channel_id: c.id, user_id: id })),
      );
    }
    return fail(404, 'api.context.404.app_error', `Sorry, we could not find the page: ${route}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ...appErrorShape, message: String(error), status_code: 500 }));
    });
  });
  const ws = webSockets(server, (token) => {
    if (!sessions.has(token) && !tokens.has(token)) return null;
    return data.me;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    data,
    counts,
    log,
    violations,
    count: (route) => counts.get(route) ?? 0,
    resetCounts: () => {
      counts.clear();
      log.length = 0;
    },
    throttle(times, seconds) {
      throttled = times;
      retryAfter = seconds;
    },
    expireSessions: () => sessions.clear(),
    setStatus(userId, word) {
      const u = data.users.find((x) => x.id === userId);
      if (u) u.status = word;
    },
    sockets: ws.authenticated,
    waitForSocket: ws.waitFor,
    pushStatus: (userId, word) => ws.push(userId, 'status_change', { status: word, user_id: userId }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        ws.closeAll();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Mattermost's WebSocket at /api/v4/websocket, in the least RFC 6455 the client needs: the
 * handshake, a `hello` event, replies to `authentication_challenge` and `ping`, and events with
 * increasing `seq`.
 */
function webSockets(server: Server, authenticate: (token: string) => string | null) {
  const open = new Set<Socket>();
  const users = new Map<Socket, { userId: string; seq: number }>();
  const authenticated = new Map<string, number>();
  const waiting = new Map<string, (() => void)[]>();

  const send = (socket: Socket, payload: unknown) => {
    const body = Buffer.from(JSON.stringify(payload));
    const head =
      body.length < 126
        ? Buffer.from([0x81, body.length])
        : Buffer.from([0x81, 126, body.length >> 8, body.length & 0xff]);
    socket.write(Buffer.concat([head, body]));
  };

  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/api/v4/websocket') return socket.destroy();
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    open.add(socket);
    const state = { userId: '', seq: 0 };
    users.set(socket, state);
    send(socket, {
      event: 'hello',
      data: { connection_id: randomBytes(13).toString('hex'), server_version: '11.0.0' },
      broadcast: {},
      seq: state.seq++,
    });
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (buffered.length < 2) return;
        const opcode = buffered[0]! & 0x0f;
        let length = buffered[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          length = buffered.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          length = Number(buffered.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffered.length < offset + 4 + length) return;
        const mask = buffered.subarray(offset, offset + 4);
        const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + length));
        for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
        buffered = buffered.subarray(offset + 4 + length);
        if (opcode === 8) {
          socket.end(Buffer.from([0x88, 0]));
          return;
        }
        if (opcode !== 1) continue;
        const message = JSON.parse(payload.toString('utf8')) as {
          action: string;
          seq: number;
          data?: { token?: string };
        };
        if (message.action === 'authentication_challenge') {
          const userId = authenticate(message.data?.token ?? '');
          if (!userId) {
            send(socket, {
              status: 'FAIL',
              seq_reply: message.seq,
              error: { id: 'api.web_socket_router.not_authenticated.app_error' },
            });
            continue;
          }
          state.userId = userId;
          authenticated.set(userId, (authenticated.get(userId) ?? 0) + 1);
          for (const resolve of waiting.get(userId) ?? []) resolve();
          waiting.delete(userId);
          send(socket, { status: 'OK', seq_reply: message.seq });
        } else if (message.action === 'ping') {
          send(socket, { status: 'OK', seq_reply: message.seq, data: { text: 'pong', version: '11.0.0' } });
        }
      }
    });
    socket.on('close', () => {
      open.delete(socket);
      users.delete(socket);
      if (state.userId) authenticated.set(state.userId, (authenticated.get(state.userId) ?? 1) - 1);
    });
    socket.on('error', () => {});
  });

  return {
    authenticated,
    waitFor(userId: string) {
      if ((authenticated.get(userId) ?? 0) > 0) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.set(userId, [...(waiting.get(userId) ?? []), resolve]));
    },
    push(userId: string, event: string, data: Record<string, unknown>) {
      for (const [socket, state] of users) {
        if (state.userId === userId)
          send(socket, { event, data, broadcast: { user_id: userId }, seq: state.seq++ });
      }
    },
    closeAll() {
      for (const socket of open) socket.destroy();
    },
  };
}
