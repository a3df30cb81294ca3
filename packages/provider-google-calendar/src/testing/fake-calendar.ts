import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@presence-tracker/core';
import { EVENTS_SCOPE, FREEBUSY_SCOPE } from '../scopes.ts';
import { checkJwtBearer } from './jwt-bearer.ts';
import { makeServiceAccount, type ServiceAccountKey } from './service-account.ts';

/** One event on a fake calendar; instants as `Date` or RFC 3339 strings. */
export interface FakeEvent {
  id?: string;
  start: Date | string;
  end: Date | string;
  /** Calendar's event types; `outOfOffice` is what the provider reads apart. Default: `default`. */
  eventType?: 'default' | 'outOfOffice' | 'focusTime' | 'workingLocation';
  /** `transparent` events do not block time (free/busy leaves them out). Default: `opaque`. */
  transparency?: 'opaque' | 'transparent';
  status?: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
}

/** What the impersonated person may see of a calendar: everything, free/busy only, or nothing. */
export type FakeAccess = 'full' | 'freeBusy' | 'none';

export interface FakeCalendarOptions {
  /** Calendars by id (a person's primary calendar id is their e-mail), with their events. */
  calendars?: Record<string, FakeEvent[]>;
  /** What the caller may see per calendar. Default: `full` for every calendar listed. */
  access?: Record<string, FakeAccess>;
  /** Groups by id (a group's e-mail) with their members' calendar ids, as free/busy expands them. */
  groups?: Record<string, string[]>;
  /** The Workspace domain whose people may be impersonated. Default: `example.com`. */
  domain?: string;
  /** Scopes granted to the service account for domain-wide delegation. Default: both the provider uses. */
  delegatedScopes?: string[];
  /** Requests per minute per user (the impersonated person). Default: 600, as documented. */
  perMinutePerUser?: number;
  /** Requests per minute for the whole project. Default: 10,000, as documented. */
  perMinutePerProject?: number;
  /** Each answer waits this long (real time). Default: 0. */
  latencyMs?: number;
  /** The clock the per-minute quotas are counted on; share the provider's in tests. Default: system. */
  clock?: Clock;
}

/** One request the fake answered. */
export interface FakeCalendarRequest {
  kind: 'token' | 'freeBusy' | 'events' | 'other';
  status: number;
  /** For free/busy: how many calendars and groups it asked for. For events: the calendar. */
  items?: number;
  calendarId?: string;
  /** The impersonated person (the token's `sub`), when there is one. */
  subject?: string;
}

/** An answer to force on coming API requests: Google's error body for `status`, `reason` and `domain`. */
export interface FakeFailure {
  status: number;
  reason: string;
  domain?: string;
  message?: string;
  /** Sent as `Retry-After` (seconds), which Google rarely sends but a client must honour. */
  retryAfter?: number;
  /** Only requests of this kind. Default: any API request. */
  kind?: 'freeBusy' | 'events';
}

export interface FakeCalendar {
  /** The API root, e.g. `http://127.0.0.1:PORT/`: the provider's `baseUrl`. */
  url: string;
  /** The token endpoint; also the `token_uri` of `serviceAccount`. */
  tokenUrl: string;
  /** A service account key file for this fake (its private key signs, the fake verifies). */
  serviceAccount: ServiceAccountKey;
  domain: string;
  calendars: Record<string, FakeEvent[]>;
  access: Record<string, FakeAccess>;
  groups: Record<string, string[]>;
  delegatedScopes: string[];
  requests: FakeCalendarRequest[];
  /** Requests of one kind answered so far. */
  count(kind: FakeCalendarRequest['kind']): number;
  /** Answers the next `n` API requests (of `failure.kind`, if given) with this error. */
  failNext(n: number, failure: FakeFailure): void;
  /** Makes every token issued so far invalid. */
  revokeTokens(): void;
  close(): Promise<void>;
}

const FREEBUSY_READERS = [
  FREEBUSY_SCOPE,
  'https://www.googleapis.com/auth/calendar.events.freebusy',
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar',
];
const EVENT_READERS = [
  EVENTS_SCOPE,
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar',
];
const MINUTE = 60_000;
/** Free/busy takes at most this many calendars and groups in one request. */
export const MAX_FREEBUSY_ITEMS = 50;

/** RFC 3339 in UTC without milliseconds, as the Calendar API writes instants. */
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ms = (value: Date | string) => new Date(value).getTime();

/** Google's error body (`{ error: { errors: [...], code, message } }`). */
function errorBody(status: number, reason: string, domain: string, message: string) {
  return { error: { errors: [{ domain, reason, message }], code: status, message } };
}

/**
 * A loopback Google Calendar API: `freebusy.query` and `events.list` (with `eventTypes`) answering the
 * documented shapes and per-calendar errors, the per-minute quotas (403 `usageLimits`
 * `rateLimitExceeded` per user, 429 per project), and an OAuth token endpoint for service accounts that
 * checks each assertion's RS256 signature and the domain-wide delegation of its scopes.
 */
export async function startFakeCalendar(options: FakeCalendarOptions = {}): Promise<FakeCalendar> {
  const clock = options.clock ?? { now: () => new Date() };
  const domain = options.domain ?? 'example.com';
  const account = makeServiceAccount();
  const tokens = new Map<string, { subject: string | undefined; scopes: string[]; expiresAt: number }>();
  const perUser = new Map<string, number[]>();
  const project: number[] = [];
  const failures: Array<FakeFailure & { left: number }> = [];

  const fake: FakeCalendar = {
    url: '',
    tokenUrl: '',
    serviceAccount: account.key,
    domain,
    calendars: options.calendars ?? {},
    access: options.access ?? {},
    groups: options.groups ?? {},
    delegatedScopes: options.delegatedScopes ?? [FREEBUSY_SCOPE, EVENTS_SCOPE],
    requests: [],
    count: (kind) => fake.requests.filter((r) => r.kind === kind).length,
    failNext(n, failure) {
      failures.push({ ...failure, left: n });
    },
    revokeTokens: () => tokens.clear(),
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    return raw;
  };
  const accessOf = (id: string): FakeAccess =>
    fake.access[id] ?? (fake.calendars[id] !== undefined ? 'full' : 'none');

  /** Counts one request against the sliding per-minute windows; the error to answer, or null. */
  const quota = (user: string) => {
    const now = clock.now().getTime();
    const mine = perUser.get(user) ?? [];
    perUser.set(user, mine);
    for (const w of [mine, project]) while (w.length > 0 && w[0]! <= now - MINUTE) w.shift();
    if (project.length >= (options.perMinutePerProject ?? 10_000))
      return { status: 429, body: errorBody(429, 'rateLimitExceeded', 'usageLimits', 'Rate Limit Exceeded') };
    if (mine.length >= (options.perMinutePerUser ?? 600))
      return { status: 403, body: errorBody(403, 'rateLimitExceeded', 'usageLimits', 'Rate Limit Exceeded') };
    mine.push(now);
    project.push(now);
    return null;
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const record: FakeCalendarRequest = { kind: 'token', status: 0 };
    fake.requests.push(record);
    const result = checkJwtBearer(new URLSearchParams(await readBody(req)), {
      accounts: new Map([[account.key.client_email, account.publicKey]]),
      domain,
      delegatedScopes: fake.delegatedScopes,
      now: Date.now(),
    });
    if (!result.ok) {
      record.status = result.status;
      return send(res, result.status, result.body);
    }
    if (result.subject !== undefined) record.subject = result.subject;
    const value = `ya29.fake-${randomBytes(12).toString('base64url')}`;
    tokens.set(value, { subject: result.subject, scopes: result.scopes, expiresAt: Date.now() + 3599_000 });
    record.status = 200;
    send(res, 200, { access_token: value, expires_in: 3599, token_type: 'Bearer' });
  };

  const busyOf = (id: string, from: number, to: number) =>
    (fake.calendars[id] ?? [])
      .filter((e) => e.status !== 'cancelled' && (e.transparency ?? 'opaque') === 'opaque')
      .filter((e) => e.eventType !== 'workingLocation')
      .map((e) => ({ start: Math.max(ms(e.start), from), end: Math.min(ms(e.end), to) }))
      .filter((b) => b.start < b.end)
      .sort((a, b) => a.start - b.start)
      .map((b) => ({ start: rfc3339(b.start), end: rfc3339(b.end) }));

  const freeBusy = async (req: IncomingMessage, record: FakeCalendarRequest) => {
    let body: {
      timeMin?: string;
      timeMax?: string;
      groupExpansionMax?: number;
      items?: Array<{ id?: string }>;
    };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return { status: 400, body: errorBody(400, 'parseError', 'global', 'Parse Error') };
    }
    const from = Date.parse(body.timeMin ?? '');
    const to = Date.parse(body.timeMax ?? '');
    if (Number.isNaN(from))
      return { status: 400, body: errorBody(400, 'required', 'global', 'Missing timeMin.') };
    if (Number.isNaN(to))
      return { status: 400, body: errorBody(400, 'required', 'global', 'Missing timeMax.') };
    if (to <= from)
      return {
        status: 400,
        body: errorBody(400, 'timeRangeEmpty', 'calendar', 'The specified time range is empty.'),
      };
    const items = body.items ?? [];
    record.items = items.length;
    if (items.length > MAX_FREEBUSY_ITEMS)
      return {
        status: 400,
        body: errorBody(
          400,
          'tooManyCalendarsRequested',
          'calendar',
          'The number of calendars requested is too large for a single query.',
        ),
      };
    const groupMax = Math.min(body.groupExpansionMax ?? 100, 100);
    const calendars: Record<string, unknown> = {};
    const groups: Record<string, unknown> = {};
    const answer = (id: string) => {
      calendars[id] =
        accessOf(id) === 'none'
          ? { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] }
          : { busy: busyOf(id, from, to) };
    };
    for (const { id } of items) {
      if (typeof id !== 'string') continue;
      const members = fake.groups[id];
      if (members === undefined) answer(id);
      else if (members.length > groupMax)
        groups[id] = { errors: [{ domain: 'global', reason: 'groupTooBig' }] };
      else {
        groups[id] = { calendars: members };
        for (const m of members) answer(m);
      }
    }
    return {
      status: 200,
      body: {
        kind: 'calendar#freeBusy',
        timeMin: rfc3339(from),
        timeMax: rfc3339(to),
        ...(Object.keys(groups).length > 0 ? { groups } : {}),
        calendars,
      },
    };
  };

  const events = (url: URL, calendarId: string) => {
    const access = accessOf(calendarId);
    if (access === 'none') return { status: 404, body: errorBody(404, 'notFound', 'global', 'Not Found') };
    if (access === 'freeBusy')
      return { status: 403, body: errorBody(403, 'forbidden', 'global', 'Forbidden') };
    const q = url.searchParams;
    const from = q.has('timeMin') ? Date.parse(q.get('timeMin')!) : Number.NEGATIVE_INFINITY;
    const to = q.has('timeMax') ? Date.parse(q.get('timeMax')!) : Number.POSITIVE_INFINITY;
    if (Number.isNaN(from) || Number.isNaN(to))
      return { status: 400, body: errorBody(400, 'invalid', 'global', 'Bad Request') };
    const types = q.getAll('eventTypes');
    const size = Number(q.get('maxResults') ?? '250');
    if (!Number.isInteger(size) || size < 1 || size > 2500)
      return { status: 400, body: errorBody(400, 'invalid', 'global', 'Invalid value for: maxResults') };
    const offset = q.has('pageToken') ? Number(Buffer.from(q.get('pageToken')!, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0)
      return { status: 400, body: errorBody(400, 'invalid', 'global', 'Invalid page token value.') };
    // timeMin bounds an event's end, timeMax its start, both exclusive, as events.list documents.
    const matching = (fake.calendars[calendarId] ?? [])
      .filter((e) => e.status !== 'cancelled' && ms(e.end) > from && ms(e.start) < to)
      .filter((e) => types.length === 0 || types.includes(e.eventType ?? 'default'))
      .sort((a, b) => ms(a.start) - ms(b.start));
    const page = matching.slice(offset, offset + size);
    const items = page.map((e, i) => ({
      kind: 'calendar#event',
      id: e.id ?? `evt${offset + i}`,
      status: e.status ?? 'confirmed',
      summary: e.summary ?? (e.eventType === 'outOfOffice' ? 'Out of office' : 'Busy'),
      start: { dateTime: rfc3339(ms(e.start)), timeZone: 'UTC' },
      end: { dateTime: rfc3339(ms(e.end)), timeZone: 'UTC' },
      eventType: e.eventType ?? 'default',
      transparency: e.transparency ?? 'opaque',
      ...(e.eventType === 'outOfOffice'
        ? { outOfOfficeProperties: { autoDeclineMode: 'declineAllConflictingInvitations' } }
        : {}),
    }));
    const more = offset + size < matching.length;
    return {
      status: 200,
      body: {
        kind: 'calendar#events',
        summary: calendarId,
        timeZone: 'UTC',
        items,
        ...(more ? { nextPageToken: Buffer.from(String(offset + size)).toString('base64url') } : {}),
      },
    };
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const record: FakeCalendarRequest = { kind: 'other', status: 0 };
    fake.requests.push(record);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      record.status = status;
      send(res, status, body, headers);
    };
    const path = url.pathname.replace(/^\/calendar\/v3/, '');
    const eventsPath = /^\/calendars\/([^/]+)\/events$/.exec(path);
    if (path === '/freeBusy' && req.method === 'POST') record.kind = 'freeBusy';
    else if (eventsPath && req.method === 'GET') {
      record.kind = 'events';
      record.calendarId = decodeURIComponent(eventsPath[1]!);
    } else return reply(404, errorBody(404, 'notFound', 'global', 'Not Found'));

    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = bearer ? tokens.get(bearer) : undefined;
    if (!grant || grant.expiresAt <= Date.now())
      return reply(401, {
        error: {
          ...errorBody(401, 'authError', 'global', 'Invalid Credentials').error,
          errors: [
            {
              domain: 'global',
              reason: 'authError',
              message: 'Invalid Credentials',
              locationType: 'header',
              location: 'Authorization',
            },
          ],
        },
      });
    if (grant.subject !== undefined) record.subject = grant.subject;
    const readers = record.kind === 'freeBusy' ? FREEBUSY_READERS : EVENT_READERS;
    if (!grant.scopes.some((s) => readers.includes(s)))
      return reply(
        403,
        errorBody(
          403,
          'insufficientPermissions',
          'global',
          'Request had insufficient authentication scopes.',
        ),
      );
    const forced = failures.find((f) => f.left > 0 && (f.kind === undefined || f.kind === record.kind));
    if (forced) {
      forced.left -= 1;
      const message = forced.message ?? forced.reason;
      return reply(
        forced.status,
        errorBody(forced.status, forced.reason, forced.domain ?? 'global', message),
        forced.retryAfter === undefined ? {} : { 'retry-after': String(forced.retryAfter) },
      );
    }
    const limited = quota(grant.subject ?? account.key.client_email);
    if (limited) return reply(limited.status, limited.body);
    const answer = record.kind === 'freeBusy' ? await freeBusy(req, record) : events(url, record.calendarId!);
    reply(answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handle = async () => {
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      if (url.pathname === '/token' && req.method === 'POST') return token(req, res);
      if (url.pathname.startsWith('/calendar/v3/')) return api(req, res, url);
      send(res, 404, errorBody(404, 'notFound', 'global', 'Not Found'));
    };
    handle().catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/`;
  fake.tokenUrl = `http://127.0.0.1:${port}/token`;
  fake.serviceAccount = { ...account.key, token_uri: fake.tokenUrl };
  return fake;
}
