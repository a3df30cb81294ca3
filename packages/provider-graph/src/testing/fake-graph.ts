import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import errors from './errors.json' with { type: 'json' };
import { FakeSubscriptions, type PresenceJson } from './fake-subscriptions.ts';
import { testCertificate } from './tls.ts';

export interface FakeUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  availability: string;
  activity: string;
  sequenceNumber?: string;
  statusMessage?: string;
  outOfOffice?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  authorization: string | undefined;
  /** The request headers, names in lower case (absent for requests inside a `$batch`). */
  headers?: Record<string, string>;
  /** The JSON body, parsed. */
  body?: unknown;
  /** The number of ids in a presence request. */
  ids?: number;
  /** For a `$batch`: the requests it carried, as recorded one by one. */
  batched?: RecordedRequest[];
}

/** A scripted answer that replaces the next matching request's real one. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Close the connection without answering, as a server closing an idle keep-alive connection does. */
  drop?: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  drop?: boolean;
}

export interface FakeGraph {
  /** `https://127.0.0.1:<port>`, for `baseUrl`. */
  url: string;
  users: Map<string, FakeUser>;
  requests: RecordedRequest[];
  /** Tokens answered with 401 InvalidAuthenticationToken, as Graph answers an expired one. */
  rejectTokens: Set<string>;
  /** The next requests whose path contains `match` get these answers, one each, in order. */
  script(match: string, ...answers: ScriptedAnswer[]): void;
  presenceRequests(): RecordedRequest[];
  /** Every `@odata.nextLink` handed out, as sent. */
  issuedLinks: Set<string>;
  /**
   * Presence requests answered, those refused with 429 by the `throttle`, the most presence requests
   * in flight at once, and the bytes of every answer's body, counted even when `record` is off.
   */
  counts: { presence: number; throttled: number; mostInFlight: number; bytes: number };
  /** Presence subscriptions, and the notifications and lifecycle events the fake sends. */
  subscriptions: FakeSubscriptions;
  /**
   * Changes a person's presence as Teams would: a new `sequenceNumber`, and a change notification to
   * every subscription that names them. Resolves with the endpoints' answers (statuses).
   */
  setPresence(userId: string, availability: string, activity?: string): Promise<number[]>;
  /** A person's presence as `getPresencesByUserId` answers it, for notifications a test composes. */
  presenceOf(userId: string): PresenceJson;
  close(): Promise<void>;
}

export const MAX_IDS = 650;
const MAX_BATCH = 20;

/**
 * Microsoft Graph's presence and user endpoints on 127.0.0.1 over HTTPS, answering with the shapes
 * kept in this folder: `POST /v1.0/communications/getPresencesByUserId`, `GET /v1.0/users/{id|upn}`,
 * `GET /v1.0/users?$filter=mail eq '...'`, `GET /v1.0/users` (paged) and `POST /v1.0/$batch`.
 */
export async function startFakeGraph(
  options: {
    users?: FakeUser[];
    latencyMs?: number;
    /** Answer `getPresencesByUserId` this many presences a page, the rest behind `@odata.nextLink`. */
    presencePageSize?: number;
    /** The clock subscription expiry and the `throttle` window are judged on. Default: the system clock. */
    clock?: { now(): Date };
    /**
     * Graph's limit on presence requests, e.g. `{ requests: 1500, perMs: 30_000 }`: a presence request
     * beyond `requests` in the last `perMs` is answered 429 TooManyRequests with `Retry-After` (whole
     * seconds until one more would fit). Refused requests count too: Graph's throttling guidance says
     * every request accrues against the limit, so retrying early only prolongs the wait. The fake
     * serves one app in one tenant, so every presence request counts against the one limit.
     */
    throttle?: { requests: number; perMs: number };
    /** Keep every request in `requests`. Default: true; off for long runs, where `counts` says enough. */
    record?: boolean;
  } = {},
): Promise<FakeGraph> {
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const issuedLinks = new Set<string>();
  const pendingPages = new Map<string, string[]>();
  let pageTokens = 0;
  const requests: RecordedRequest[] = [];
  const rejectTokens = new Set<string>();
  const scripts: { match: string; answer: ScriptedAnswer }[] = [];
  let baseUrl = '';
  const clock = options.clock ?? { now: () => new Date() };
  const subscriptions = new FakeSubscriptions(() => clock.now().getTime());
  let sequence = 0;
  const counts = { presence: 0, throttled: 0, mostInFlight: 0, bytes: 0 };
  let inFlight = 0;
  /** When each presence request in the throttle's window came, refused ones too, oldest first. */
  const counted: number[] = [];

  /** A 429 when this presence request is one too many for the `throttle`; counts it otherwise. */
  const throttled = (): Answer | undefined => {
    counts.presence++;
    if (!options.throttle) return undefined;
    const { requests, perMs } = options.throttle;
    const now = clock.now().getTime();
    let expired = 0;
    while (expired < counted.length && counted[expired]! <= now - perMs) expired++;
    if (expired > 0) counted.splice(0, expired);
    counted.push(now);
    if (counted.length <= requests) return undefined;
    counts.throttled++;
    // Until enough of the window has passed for one more request to fit.
    const seconds = Math.max(1, Math.ceil((counted[counted.length - requests]! + perMs - now) / 1000));
    return {
      ...error(429, 'throttled'),
      headers: { 'content-type': 'application/json', 'retry-after': String(seconds) },
    };
  };

  const scripted = (path: string): Answer | undefined => {
    const i = scripts.findIndex((s) => path.includes(s.match));
    if (i < 0) return undefined;
    const { answer } = scripts.splice(i, 1)[0]!;
    const type: Record<string, string> =
      answer.body === undefined ? {} : { 'content-type': 'application/json' };
    return {
      status: answer.status,
      headers: { ...type, ...answer.headers },
      body: answer.body ?? null,
      ...(answer.drop ? { drop: true } : {}),
    };
  };

  const findUser = (key: string) => {
    const k = key.toLowerCase();
    for (const u of users.values()) if (u.id === key || u.userPrincipalName.toLowerCase() === k) return u;
    return undefined;
  };
  const userJson = (u: FakeUser) => ({
    id: u.id,
    displayName: u.displayName,
    mail: u.mail,
    userPrincipalName: u.userPrincipalName,
  });
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const error = (status: number, which: keyof typeof errors, key = '') =>
    json(status, JSON.parse(JSON.stringify(errors[which]).replace('{key}', key)));

  const presenceJson = (u: FakeUser) => ({
    id: u.id,
    availability: u.availability,
    activity: u.activity,
    statusMessage: u.statusMessage ? { message: { content: u.statusMessage, contentType: 'text' } } : null,
    outOfOfficeSettings: { message: null, isOutOfOffice: u.outOfOffice ?? false },
    sequenceNumber: u.sequenceNumber ?? null,
  });

  const issue = (link: string) => {
    issuedLinks.add(link);
    return link;
  };

  /** The presences of the known ones among `ids`, a page at a time when paging is on. */
  const presencePage = (ids: string[]): Answer => {
    const known = ids.map((id) => users.get(id)).filter((u): u is FakeUser => u !== undefined);
    const size = options.presencePageSize ?? known.length;
    const page = known.slice(0, size);
    const rest = known.slice(size).map((u) => u.id);
    let nextLink: string | undefined;
    if (rest.length > 0) {
      const token = `page-${++pageTokens}`;
      pendingPages.set(token, rest);
      nextLink = issue(`${baseUrl}/v1.0/communications/getPresencesByUserId?$skiptoken=${token}`);
    }
    return json(200, {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)',
      ...(nextLink && { '@odata.nextLink': nextLink }),
      value: page.map(presenceJson),
    });
  };

  /** Answers one request; `$batch` calls it again for each request it carries. */
  const route = async (
    method: string,
    path: string,
    body: unknown,
    record: RecordedRequest,
  ): Promise<Answer> => {
    const fromScript = scripted(path);
    if (fromScript) return fromScript;
    const url = new URL(path, 'https://graph.invalid');
    const pathname = decodeURIComponent(url.pathname).replace(/^\/v1\.0/, '');
    const subscribed = await subscriptions.route(method, pathname, body);
    if (subscribed)
      return subscribed.body === null
        ? { status: subscribed.status, headers: {}, body: null }
        : json(subscribed.status, subscribed.body);

    if (method === 'POST' && pathname === '/communications/getPresencesByUserId') {
      const ids = (body as { ids?: unknown })?.ids;
      if (!Array.isArray(ids))
        return json(400, { error: { code: 'BadRequest', message: 'ids is required' } });
      record.ids = ids.length;
      if (ids.length > MAX_IDS) return error(400, 'tooManyIds');
      return throttled() ?? presencePage(ids.map(String));
    }
    if (method === 'GET' && pathname === '/communications/getPresencesByUserId') {
      const refused = throttled();
      if (refused) return refused;
      const rest = pendingPages.get(url.searchParams.get('$skiptoken') ?? '');
      if (!rest) return json(400, { error: { code: 'BadRequest', message: 'unknown or used $skiptoken' } });
      pendingPages.delete(url.searchParams.get('$skiptoken')!);
      return presencePage(rest);
    }
    if (method === 'GET' && pathname === '/users') {
      const filter = url.searchParams.get('$filter');
      if (filter === null) {
        // Graph pages a listing: at most 999 a page, the rest behind @odata.nextLink.
        const top = Math.min(Number(url.searchParams.get('$top') ?? 100), 999);
        const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
        const all = [...users.values()];
        const next = new URL(url.href);
        next.searchParams.set('$skiptoken', String(skip + top));
        return json(200, {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
          ...(skip + top < all.length && {
            '@odata.nextLink': issue(`${baseUrl}${next.pathname}${next.search}`),
          }),
          value: all.slice(skip, skip + top).map(userJson),
        });
      }
      const match = filter.match(/^mail eq '(.*)'$/);
      if (!match)
        return json(400, { error: { code: 'BadRequest', message: `unsupported filter ${filter}` } });
      const mail = match[1]!.replaceAll("''", "'").toLowerCase();
      const value = [...users.values()].filter((u) => u.mail?.toLowerCase() === mail).map(userJson);
      return json(200, { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users', value });
    }
    if (method === 'GET' && pathname.startsWith('/users/')) {
      const key = pathname.slice('/users/'.length);
      const u = findUser(key);
      return u
        ? json(200, {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
            ...userJson(u),
          })
        : error(404, 'notFound', key);
    }
    if (method === 'POST' && pathname === '/$batch') {
      const inner = (body as { requests?: { id: string; method: string; url: string }[] })?.requests ?? [];
      if (inner.length > MAX_BATCH) {
        return json(400, {
          error: { code: 'BadRequest', message: `a batch holds at most ${MAX_BATCH} requests` },
        });
      }
      record.batched = [];
      const responses = await Promise.all(
        inner.map(async (r) => {
          const innerRecord: RecordedRequest = { method: r.method, url: r.url, authorization: undefined };
          record.batched!.push(innerRecord);
          const a = await route(r.method, `/v1.0${r.url}`, undefined, innerRecord);
          return { id: r.id, status: a.status, headers: a.headers, body: a.body };
        }),
      );
      return json(200, { responses });
    }
    return json(404, { error: { code: 'UnknownError', message: `no route for ${method} ${pathname}` } });
  };

  const server: Server = createServer(
    { cert: testCertificate.cert, key: testCertificate.key },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const record: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
          ),
          ...(text ? { body: JSON.parse(text) } : {}),
        };
        if (options.record !== false) requests.push(record);
        const presence = record.url.includes('getPresencesByUserId');
        if (presence) counts.mostInFlight = Math.max(counts.mostInFlight, ++inFlight);
        if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        const token = req.headers.authorization?.replace(/^Bearer /, '');
        let answer: Answer;
        if (!token)
          answer = json(401, {
            error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
          });
        else if (rejectTokens.has(token)) answer = error(401, 'expiredToken');
        else {
          answer = await route(req.method ?? 'GET', req.url ?? '/', record.body, record);
        }
        if (presence) inFlight--;
        if (answer.drop) {
          req.socket.destroy();
          return;
        }
        const payload = answer.body === null ? '' : JSON.stringify(answer.body);
        counts.bytes += Buffer.byteLength(payload);
        res.writeHead(answer.status, { ...answer.headers, 'request-id': randomUUID() });
        res.end(payload);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `https://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    users,
    requests,
    rejectTokens,
    issuedLinks,
    counts,
    script(match, ...answers) {
      for (const answer of answers) scripts.push({ match, answer });
    },
    presenceRequests: () => requests.filter((r) => r.url.includes('getPresencesByUserId')),
    subscriptions,
    presenceOf(userId) {
      const u = users.get(userId);
      if (!u) throw new Error(`no fake Graph user ${userId}`);
      return presenceJson(u);
    },
    async setPresence(userId, availability, activity = availability) {
      const u = users.get(userId);
      if (!u) throw new Error(`no fake Graph user ${userId}`);
      u.availability = availability;
      u.activity = activity;
      // Lexicographically sortable, as Graph documents its sequenceNumber.
      u.sequenceNumber = `S${String(++sequence).padStart(12, '0')}`;
      return Promise.all(
        subscriptions
          .covering(userId)
          .map((s) => subscriptions.send(s, [subscriptions.notification(s, presenceJson(u))])),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `count` people with distinct ids (GUIDs), UPNs and mail addresses, all Available. */
export function makeUsers(count: number): FakeUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(5, '0');
    return {
      id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      displayName: `Person ${n}`,
      userPrincipalName: `person${n}@contoso.onmicrosoft.com`,
      mail: `person${n}@contoso.com`,
      availability: 'Available',
      activity: 'Available',
    };
  });
}
