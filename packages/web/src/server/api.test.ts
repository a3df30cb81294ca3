import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReport,
  memoryStore,
  type PresenceStore,
  type Status,
  type Tracker,
  toCsv,
} from '@presence-tracker/core';
import { renderTimeline } from '@presence-tracker/core/timeline';
import { postgresStore } from '@presence-tracker/store-postgres';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchemas, freshSchema, startTestServer } from '../../../store-postgres/src/testing/server.ts';
import { contract } from './__fixtures__/contract.ts';
import { trackTeam } from './__fixtures__/simulated-team.ts';
import { createDashboard } from './dashboard.ts';

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

// biome-ignore lint/suspicious/noExplicitAny: bodies are compared with what the store answers, and checked against the OpenAPI document.
type Body = any;

/** A store a tracker writes, and a read-only store over the same data for the dashboard. */
interface Stores {
  writer: PresenceStore;
  reader: PresenceStore;
  dispose(): Promise<void>;
}

const STORES: [string, () => Promise<Stores>][] = [
  [
    'a SQLite file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'web-api-'));
      const path = join(dir, 'presence.db');
      const writer = sqliteStore({ path });
      await writer.init();
      return {
        writer,
        reader: sqliteStore({ path, readOnly: true }),
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'a Postgres schema',
    async () => {
      // DATABASE_URL's server when set, else an embedded one.
      const server = await startTestServer();
      const schema = freshSchema('web');
      const { connectionString } = server;
      const writer = postgresStore({ connectionString, schema });
      await writer.init();
      return {
        writer,
        reader: postgresStore({ connectionString, schema, readOnly: true }),
        dispose: async () => {
          await dropSchemas(connectionString, [schema]);
          await server.dispose();
        },
      };
    },
  ],
];

describe.each(STORES)('the API over %s another connection writes', (_, openStores) => {
  let stores: Stores;
  let writer: PresenceStore;
  let reader: PresenceStore;
  let tracker: Tracker;
  let now: Date;
  let app: ReturnType<typeof createDashboard>['app'];
  const api = contract();

  /** Fetches `url`, checks the answer against the OpenAPI document, and returns it. */
  const get = async (url: string, init?: RequestInit) => {
    const res = await app.request(url, init);
    expect(await api.check(init?.method ?? 'GET', url, res), url).toEqual([]);
    return res;
  };
  /** The JSON body of `url`, checked against the OpenAPI document. */
  const read = async (url: string): Promise<Body> => (await get(url)).json() as Promise<Body>;

  beforeAll(async () => {
    stores = await openStores();
    writer = stores.writer;
    const team = await trackTeam(writer, { users: 6, from: '2026-03-02T08:00:00Z', minutes: 180 });
    tracker = team.tracker;
    now = team.clock.now();
    reader = stores.reader;
    app = createDashboard({ store: reader, timeZone: 'Europe/Berlin', now: () => now }).app;
  });

  afterAll(async () => {
    await tracker?.stop();
    await reader?.close();
    await writer?.close();
    await stores?.dispose();
  });

  it('lists the people with the status of their open interval', async () => {
    const body = await read('/api/v1/people');
    const open = await reader.openState();
    const users = await reader.users();
    expect(body.at).toBe(now.toISOString());
    expect(body.people.map((p: { id: string }) => p.id)).toEqual(users.map((u) => u.id));
    for (const person of body.people) {
      const interval = open.intervals.find((i) => i.userId === person.id);
      expect(person.status).toBe(interval?.status ?? null);
      expect(person.since).toBe(interval?.startedAt.toISOString() ?? null);
      expect(person.reachable).toBe(interval?.status === 'available');
    }
    expect(body.people.some((p: { status: string | null }) => p.status !== null)).toBe(true);

    const one = users[2]!.id;
    const only = await read(`/api/v1/people?userId=${encodeURIComponent(one)}`);
    expect(only.people.map((p: { id: string }) => p.id)).toEqual([one]);
  });

  it('answers intervals, sessions and runs as the store reads them', async () => {
    const from = new Date('2026-03-02T09:00:00Z');
    const to = new Date('2026-03-02T10:00:00Z');
    const [a, b] = (await reader.users()).map((u) => u.id);
    const q = `from=${from.toISOString()}&to=${to.toISOString()}`;
    expect((await read(`/api/v1/intervals?${q}`)).intervals).toEqual(
      json(await reader.intervals({ from, to })),
    );
    expect((await read(`/api/v1/intervals?${q}&userId=${a}&userId=${b}`)).intervals).toEqual(
      json(await reader.intervals({ from, to, userIds: [a!, b!] })),
    );
    const sessions = await read(`/api/v1/sessions?${q}`);
    expect(sessions).toEqual(json({ from, to, sessions: await reader.sessions({ from, to }) }));
    expect(sessions.sessions.length).toBeGreaterThan(0);
    const runs = await read(`/api/v1/runs?${q}`);
    expect(runs.runs).toEqual(json(await reader.runs({ from, to })));
    expect(runs.runs).toHaveLength(1);
  });

  it('reads a local day in the zone asked for, and defaults to today in the server zone', async () => {
    const day = await read('/api/v1/runs?from=2026-03-02&to=2026-03-02&timeZone=America/New_York');
    expect(day.from).toBe('2026-03-02T05:00:00.000Z');
    expect(day.to).toBe('2026-03-03T05:00:00.000Z');
    const today = await read('/api/v1/runs');
    expect(today.from).toBe('2026-03-01T23:00:00.000Z'); // midnight in Berlin
    expect(today.to).toBe(now.toISOString());
  });

  it('reports the same figures as buildReport, by each grouping', async () => {
    const from = new Date('2026-03-02T00:00:00+01:00');
    const to = new Date('2026-03-03T00:00:00+01:00');
    for (const groupBy of ['day', 'week', 'user', 'group'] as const) {
      const res = await get(`/api/v1/report?from=2026-03-02&to=2026-03-02&groupBy=${groupBy}`);
      expect(await res.json()).toEqual(
        json(await buildReport({ store: reader, from, to, timeZone: 'Europe/Berlin', groupBy, now })),
      );
    }
  });

  it("answers the report's CSV and the timeline as core draws them", async () => {
    const from = new Date('2026-03-02T08:30:00Z');
    const to = new Date('2026-03-02T10:30:00Z');
    const q = `from=${from.toISOString()}&to=${to.toISOString()}&timeZone=UTC`;
    const csv = await get(`/api/v1/report.csv?${q}`);
    expect(csv.headers.get('content-disposition')).toContain('attachment');
    expect(await csv.text()).toBe(
      toCsv(await buildReport({ store: reader, from, to, timeZone: 'UTC', now })),
    );
    // Cut as the JSON report is: a group's line is not a person's, a week's not a day's.
    const byDay = await (await get(`/api/v1/report.csv?${q}&groupBy=day`)).text();
    for (const groupBy of ['week', 'user', 'group'] as const) {
      const grouped = await (await get(`/api/v1/report.csv?${q}&groupBy=${groupBy}`)).text();
      expect(grouped, groupBy).toBe(
        toCsv(await buildReport({ store: reader, from, to, timeZone: 'UTC', groupBy, now })),
      );
      if (groupBy === 'group') expect(grouped).not.toBe(byDay);
    }

    const svg = await get(`/api/v1/timeline.svg?${q}&width=900`);
    const users = (await reader.users()).map((u) => ({
      id: u.id,
      ...(u.displayName && { displayName: u.displayName }),
    }));
    expect(await svg.text()).toBe(
      renderTimeline({
        intervals: await reader.intervals({ from, to }),
        from,
        to,
        timeZone: 'UTC',
        users,
        now,
        width: 900,
      }),
    );
  });

  it('refuses a bad parameter with a problem naming it', async () => {
    const cases: [string, string][] = [
      ['/api/v1/intervals?from=2026-02-30', 'from'],
      ['/api/v1/intervals?from=yesterday', 'from'],
      ['/api/v1/sessions?from=2026-03-02&to=2026-03-01', 'to'],
      ['/api/v1/runs?to=2026-03-02', 'from'],
      ['/api/v1/report?timeZone=Mars/Olympus', 'timeZone'],
      ['/api/v1/report?groupBy=month', 'groupBy'],
      ['/api/v1/timeline.svg?width=10', 'width'],
      ['/api/v1/timeline.svg?width=wide', 'width'],
      ['/api/v1/report.csv?from=2026-03-01&from=2026-03-02', 'from'],
      ['/api/v1/report.csv?groupBy=person', 'groupBy'],
      // Unknown or misspelt: refused, not read as the default zone or everyone.
      ['/api/v1/report?timezone=Europe/Berlin', 'timezone'],
      ['/api/v1/intervals?from=2026-03-02&user=x', 'user'],
      ['/api/v1/people?user=x', 'user'],
      ['/api/v1/runs?userId=x', 'userId'],
      ['/api/v1/report.csv?userId=x', 'userId'],
      ['/api/v1/timeline.svg?widht=900', 'widht'],
    ];
    for (const [url, name] of cases) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { invalidParams: { name: string }[]; detail: string };
      expect(
        body.invalidParams.map((p: { name: string }) => p.name),
        url,
      ).toEqual([name]);
      expect(body.detail).toContain(name);
    }
    const misspelt = (await (await get('/api/v1/report?timezone=Europe/Berlin')).json()) as Body;
    expect(misspelt.invalidParams[0].reason).toBe(
      'expected no parameter of this name (did you mean timeZone?)',
    );
    const unknown = (await (await get('/api/v1/intervals?user=x')).json()) as Body;
    expect(unknown.invalidParams[0].reason).toBe(
      'expected no parameter of this name (this route takes from, to, timeZone, userId)',
    );
  });

  it('says when the store is reachable and when the tracker last polled', async () => {
    const body = await read('/healthz');
    expect(body).toEqual({
      status: 'ok',
      store: { name: reader.name, reachable: true },
      lastPollAt: new Date(now.getTime() - 60_000).toISOString(),
    });
  });
});

describe('a store that cannot be read', () => {
  it('gets 503 from /healthz and from the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-api-'));
    const store = sqliteStore({ path: join(dir, 'presence.db') });
    await store.init();
    await store.close();
    const { app } = createDashboard({ store });
    const api = contract();
    for (const url of ['/healthz', '/api/v1/people', '/api/v1/report']) {
      const res = await app.request(url);
      expect(res.status, url).toBe(503);
      expect(await api.check('GET', url, res), url).toEqual([]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("the report's available statuses", () => {
  it('counts what the dashboard counts as available, in the JSON report and its CSV', async () => {
    const store = memoryStore();
    await store.upsertUsers([{ id: 'ada', key: 'ada@example.com', severity: 0 }]);
    const from = new Date('2026-03-02T09:00:00Z');
    const to = new Date('2026-03-02T10:00:00Z');
    const run = await store.startRun(from);
    await store.writePoll({
      runId: run.id,
      at: from,
      samples: [],
      effects: [{ type: 'interval.open', userId: 'ada', status: 'busy', startedAt: from }],
    });
    const q = `from=${from.toISOString()}&to=${to.toISOString()}&groupBy=user`;
    const report = async (availableStatuses?: Status[]) => {
      const { app } = createDashboard({
        store,
        now: () => to,
        ...(availableStatuses && { availableStatuses }),
      });
      const body = (await (await app.request(`/api/v1/report?${q}`)).json()) as Body;
      const csv = await (await app.request(`/api/v1/report.csv?${q}`)).text();
      return { availableMs: body.rows[0].availableMs, csv };
    };

    const busyCounts = await report(['available', 'busy']);
    expect(busyCounts.availableMs).toBe(3_600_000);
    expect(busyCounts.csv).toBe(
      toCsv(
        await buildReport({
          store,
          from,
          to,
          timeZone: 'UTC',
          groupBy: 'user',
          policy: { availableStatuses: ['available', 'busy'] },
          now: to,
        }),
      ),
    );
    const byDefault = await report();
    expect(byDefault.availableMs).toBe(0);
    expect(byDefault.csv).not.toBe(busyCounts.csv);
  });
});
