import { STATUSES } from '@presence-tracker/core';

/**
 * The API's contract: the OpenAPI 3.1 document served at `/api/v1/openapi.json`. The server's routes
 * answer with these shapes and the tests check every response against it.
 *
 * Instants are ISO 8601 date-times in UTC (`2026-03-02T08:00:00.000Z`); a `from` or `to` parameter
 * also takes a local day (`2026-03-02`, read in `timeZone`: `from` its start, `to` its end) or a
 * date-time with or without an offset (without one, it is read in `timeZone`).
 */

const instant = { type: 'string', format: 'date-time' } as const;
const nullableInstant = { type: ['string', 'null'], format: 'date-time' } as const;
const status = { type: 'string', enum: [...STATUSES] } as const;

const rangeParameters = [
  {
    name: 'from',
    in: 'query',
    description:
      'Start of the range: a local day (YYYY-MM-DD, its start) or an ISO 8601 date-time. Default: the start of the local day `days - 1` days ago, as the report command does.',
    schema: { type: 'string', examples: ['2026-03-02', '2026-03-02T09:00:00Z'] },
  },
  {
    name: 'to',
    in: 'query',
    description:
      'End of the range (excluded): a local day (YYYY-MM-DD, its end) or an ISO 8601 date-time. Default: now.',
    schema: { type: 'string' },
  },
] as const;

const timeZoneParameter = {
  name: 'timeZone',
  in: 'query',
  description:
    "IANA time zone in which days are read and shown, e.g. Europe/Berlin. Default: the server's report zone.",
  schema: { type: 'string' },
} as const;

const groupByParameter = {
  name: 'groupBy',
  in: 'query',
  description:
    'Rows per person per local day (default), per local ISO week, per person, or per group per day.',
  schema: { type: 'string', enum: ['day', 'week', 'user', 'group'] },
} as const;

const userIdParameter = {
  name: 'userId',
  in: 'query',
  description: 'Only these people (repeat the parameter for several). Default: everyone.',
  style: 'form',
  explode: true,
  schema: { type: 'array', items: { type: 'string' } },
} as const;

const problemResponse = (description: string) =>
  ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  }) as const;

/** What any request may meet before its route: the token, or without one, a Host that is not loopback. */
const gate = {
  '401': problemResponse('The token is missing or wrong.'),
  '403': problemResponse(
    'The server has no token and the request was addressed to a name that is not loopback.',
  ),
} as const;

const errors = {
  '400': problemResponse('A parameter is invalid or not one this route takes; `invalidParams` names it.'),
  ...gate,
  '503': problemResponse('The store cannot be read.'),
} as const;

const json = (schema: object, description: string) =>
  ({ description, content: { 'application/json': { schema } } }) as const;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` }) as const;

const reportRow = {
  type: 'object',
  required: [
    'userId',
    'day',
    'observedMs',
    'availableMs',
    'unavailableMs',
    'unobservedMs',
    'statusMs',
    'sessions',
    'firstSeen',
    'lastSeen',
    'longestUnavailableMs',
    'unavailablePeriods',
    'start',
    'end',
    'countedMs',
  ],
  properties: {
    userId: { type: 'string', description: "The person's id; with groupBy=group, the group's `kind:id`." },
    day: { type: ['string', 'null'], description: 'The first local day of the row; null for a total.' },
    observedMs: { type: 'number' },
    availableMs: { type: 'number' },
    unavailableMs: { type: 'number' },
    unobservedMs: { type: 'number' },
    statusMs: {
      type: 'object',
      required: [...STATUSES],
      properties: Object.fromEntries(STATUSES.map((s) => [s, { type: 'number' }])),
      additionalProperties: false,
    },
    sessions: { type: 'integer' },
    firstSeen: nullableInstant,
    lastSeen: nullableInstant,
    longestUnavailableMs: { type: 'number' },
    unavailablePeriods: {
      type: 'array',
      items: {
        type: 'object',
        required: ['start', 'end', 'ms'],
        properties: { start: instant, end: instant, ms: { type: 'number' } },
        additionalProperties: false,
      },
    },
    start: instant,
    end: instant,
    countedMs: { type: 'number' },
    group: ref('Group'),
    members: { type: 'integer' },
  },
  additionalProperties: false,
} as const;

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'presence-tracker',
    version: '1',
    description:
      "Presence read from the tracker's store: people, intervals, sessions, runs, reports, timelines and live events. With a token configured, every request needs it as `Authorization: Bearer TOKEN` or the cookie the login form sets. Without one, every request whose Host is not a loopback name (localhost, 127.0.0.0/8, [::1]) gets 403.",
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, { cookie: [] }],
  paths: {
    '/api/v1/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        responses: { '200': json({ type: 'object' }, 'The OpenAPI document.'), ...gate },
      },
    },
    '/api/v1/session': {
      get: {
        operationId: 'session',
        summary: 'Whether this server asks for its token (the pages then offer to sign out at POST /logout).',
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['token'],
              properties: { token: { type: 'boolean' } },
              additionalProperties: false,
            },
            '`token`: true when the server was given a token, so every request but /healthz and the sign-in form needs it.',
          ),
          ...gate,
        },
      },
    },
    '/api/v1/people': {
      get: {
        operationId: 'people',
        summary: 'Everyone the store knows, with their current status and since when.',
        parameters: [userIdParameter],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['at', 'people'],
              properties: { at: instant, people: { type: 'array', items: ref('Person') } },
              additionalProperties: false,
            },
            'People ordered by id. `at` is when the store was read.',
          ),
          ...errors,
        },
      },
    },
    '/api/v1/intervals': {
      get: {
        operationId: 'intervals',
        summary: 'Intervals (one status held by one person) overlapping the range, open ones included.',
        parameters: [...rangeParameters, timeZoneParameter, userIdParameter],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['from', 'to', 'intervals'],
              properties: {
                from: instant,
                to: instant,
                intervals: { type: 'array', items: ref('Interval') },
              },
              additionalProperties: false,
            },
            'Ordered by start, then person.',
          ),
          ...errors,
        },
      },
    },
    '/api/v1/sessions': {
      get: {
        operationId: 'sessions',
        summary: 'Sessions (a person present) overlapping the range, open ones included.',
        parameters: [...rangeParameters, timeZoneParameter, userIdParameter],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['from', 'to', 'sessions'],
              properties: { from: instant, to: instant, sessions: { type: 'array', items: ref('Session') } },
              additionalProperties: false,
            },
            'Ordered by start, then person.',
          ),
          ...errors,
        },
      },
    },
    '/api/v1/runs': {
      get: {
        operationId: 'runs',
        summary: 'When the tracker ran: runs overlapping the range.',
        parameters: [...rangeParameters, timeZoneParameter],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['from', 'to', 'runs'],
              properties: { from: instant, to: instant, runs: { type: 'array', items: ref('Run') } },
              additionalProperties: false,
            },
            'Ordered by start.',
          ),
          ...errors,
        },
      },
    },
    '/api/v1/report': {
      get: {
        operationId: 'report',
        summary: 'The report over the range: the same figures as buildReport.',
        parameters: [...rangeParameters, timeZoneParameter, groupByParameter],
        responses: { '200': json(ref('Report'), 'The report.'), ...errors },
      },
    },
    '/api/v1/report.csv': {
      get: {
        operationId: 'reportCsv',
        summary:
          'The report as CSV, cut as the JSON report is by `groupBy`: with the default, the same bytes as `presence-tracker report --format csv` for the same range and zone.',
        parameters: [...rangeParameters, timeZoneParameter, groupByParameter],
        responses: {
          '200': {
            description:
              "CSV, one line per row of the report (per person per day by default; per group with groupBy=group, its `kind:id` in user_id and its name in display_name), then each one's total.",
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/api/v1/timeline.svg': {
      get: {
        operationId: 'timeline',
        summary: "Everyone's intervals over the range as an SVG timeline, a row per person.",
        parameters: [
          ...rangeParameters,
          timeZoneParameter,
          userIdParameter,
          {
            name: 'width',
            in: 'query',
            description: 'Width in pixels, 300 to 20000. Default: 1200.',
            schema: { type: 'integer', minimum: 300, maximum: 20000 },
          },
        ],
        responses: {
          '200': {
            description: 'The timeline.',
            content: { 'image/svg+xml': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/api/v1/events': {
      get: {
        operationId: 'events',
        summary: 'Server-Sent Events of what the tracker writes, as it is written.',
        description:
          'Each message has an `event` name and a JSON `data`: `interval` (an Interval opened or closed), `session` (a Session opened or closed), `run` (a Run started or ended), `error` (`{ message, code?, at }`: the tracker or the store failed; EventSource also fires `error` for a dropped connection, without data: a `MessageEvent` is this one). Every message carries an `id`; a client reconnecting with `Last-Event-ID` (EventSource does so) gets what it missed when the store can say. A `ready` event follows the connection; comments keep the connection alive.',
        responses: {
          '200': {
            description: 'An event stream.',
            content: {
              'text/event-stream': {
                schema: { type: 'string' },
                itemSchema: {
                  oneOf: [
                    { type: 'object', properties: { event: { const: 'interval' }, data: ref('Interval') } },
                    { type: 'object', properties: { event: { const: 'session' }, data: ref('Session') } },
                    { type: 'object', properties: { event: { const: 'run' }, data: ref('Run') } },
                    { type: 'object', properties: { event: { const: 'error' }, data: ref('EventError') } },
                    { type: 'object', properties: { event: { const: 'ready' }, data: { type: 'object' } } },
                  ],
                },
              },
            },
          },
          ...gate,
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Whether the store answers, and when the tracker last polled. Needs no token.',
        security: [],
        responses: {
          '200': json(ref('Health'), 'The store answers.'),
          '503': json(ref('Health'), 'The store does not answer.'),
          '403': gate['403'],
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary:
          'Prometheus text format: polls, poll duration, samples, open sessions, provider errors, outbox backlog, and the process.',
        responses: {
          '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...gate,
        },
      },
    },
    '/login': {
      post: {
        operationId: 'login',
        summary:
          'Checks the token from the login form and sets an HttpOnly, SameSite=Strict cookie (a keyed hash of the token, not the token).',
        security: [],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['token'],
                properties: { token: { type: 'string' }, next: { type: 'string' } },
              },
            },
          },
        },
        responses: {
          '303': { description: 'Signed in: on to `next` (a path on this server) or the dashboard.' },
          '401': {
            description: 'The token is wrong: the login page again.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'The configured `web.token`.' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'presence_tracker_token' },
    },
    schemas: {
      Status: status,
      Group: {
        type: 'object',
        required: ['kind', 'id'],
        properties: { kind: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' } },
        additionalProperties: false,
      },
      Person: {
        type: 'object',
        required: ['id', 'key', 'groups', 'status', 'since', 'lastSeenAt', 'reachable'],
        properties: {
          id: { type: 'string', description: "The platform's id." },
          key: { type: 'string', description: 'The key as configured (e-mail, username).' },
          displayName: { type: 'string' },
          email: { type: 'string' },
          groups: { type: 'array', items: ref('Group') },
          status: {
            oneOf: [status, { type: 'null' }],
            description: 'The status of the open interval; null when the person is not being observed.',
          },
          since: { ...nullableInstant, description: 'When the current status began.' },
          lastSeenAt: { ...nullableInstant, description: 'The last reading of the current status.' },
          reachable: { type: 'boolean', description: 'Observed now in an available status.' },
        },
        additionalProperties: false,
      },
      Interval: {
        type: 'object',
        required: ['userId', 'status', 'startedAt', 'endedAt'],
        properties: {
          userId: { type: 'string' },
          status,
          startedAt: instant,
          endedAt: { ...nullableInstant, description: 'null while open.' },
          raw: { type: 'object', description: "The platform's own words for the reading that opened it." },
        },
        additionalProperties: false,
      },
      Session: {
        type: 'object',
        required: ['id', 'userId', 'startedAt', 'endedAt', 'lastSeenAt', 'endReason'],
        properties: {
          id: { type: 'string' },
          userId: { type: 'string' },
          startedAt: instant,
          endedAt: nullableInstant,
          lastSeenAt: instant,
          endReason: {
            type: ['string', 'null'],
            enum: ['offline', 'window', 'stale', 'stopped', 'recovered', null],
          },
        },
        additionalProperties: false,
      },
      Run: {
        type: 'object',
        required: ['id', 'startedAt', 'endedAt'],
        properties: { id: { type: 'string' }, startedAt: instant, endedAt: nullableInstant },
        additionalProperties: false,
      },
      ReportRow: reportRow,
      Report: {
        type: 'object',
        required: ['rows', 'totals', 'from', 'to', 'timeZone', 'groupBy', 'users'],
        properties: {
          rows: { type: 'array', items: ref('ReportRow') },
          totals: { type: 'array', items: ref('ReportRow') },
          from: instant,
          to: instant,
          timeZone: { type: 'string' },
          groupBy: { type: 'string', enum: ['day', 'week', 'user', 'group'] },
          users: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id'],
              properties: {
                id: { type: 'string' },
                displayName: { type: 'string' },
                email: { type: 'string' },
                groups: { type: 'array', items: ref('Group') },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
      EventError: {
        type: 'object',
        required: ['message'],
        properties: { message: { type: 'string' }, code: { type: 'string' }, at: instant },
        additionalProperties: false,
      },
      Health: {
        type: 'object',
        required: ['status', 'store', 'lastPollAt'],
        properties: {
          status: { type: 'string', enum: ['ok', 'unavailable'] },
          store: {
            type: 'object',
            required: ['name', 'reachable'],
            properties: {
              name: { type: 'string' },
              reachable: { type: 'boolean' },
              error: { type: 'string' },
            },
            additionalProperties: false,
          },
          lastPollAt: { ...nullableInstant, description: "The newest open run's last poll; null when none." },
        },
        additionalProperties: false,
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details.',
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          invalidParams: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'reason'],
              properties: { name: { type: 'string' }, reason: { type: 'string' } },
              additionalProperties: false,
            },
          },
        },
      },
    },
  },
} as const;
