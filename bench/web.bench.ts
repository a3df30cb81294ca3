import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Effect, PresenceStore, Status } from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { createDashboard } from '@presence-tracker/web';
import { type BenchRow, inTurns } from './lib.ts';

const USERS = 1_000;
const DAYS = 30;
const CHANGES = 6; // status changes per working day
const STATUSES: Status[] = ['available', 'busy', 'available', 'away', 'dnd', 'available', 'offline'];
const MIN = 60_000;
const DAY = 86_400_000;
const FROM = Date.UTC(2026, 0, 4, 23); // 2026-01-05 00:00 in Berlin
const TIME_ZONE = 'Europe/Berlin';
const id = (u: number) => `u${String(u).padStart(4, '0')}`;

/**
 * A working day per person per day (a session, a few status changes), and on the last day everyone
 * still in an interval and a session: what the Now page shows.
 */
async function fill(store: PresenceStore): Promise<void> {
  await store.upsertUsers(
    Array.from({ length: USERS }, (_, u) => ({
      key: `${id(u)}@example.com`,
      id: id(u),
      displayName: `Person ${u}`,
      groups: [{ kind: 'team', id: `t${u % 20}`, name: `Team ${u % 20}` }],
      severity: 0 as const,
    })),
  );
  const run = await store.startRun(new Date(FROM));
  for (let d = 0; d < DAYS; d++) {
    const last = d === DAYS - 1;
    const effects: Effect[] = [];
    for (let u = 0; u < USERS; u++) {
      const userId = id(u);
      let t = FROM + d * DAY + (7 * 60 + (u % 90)) * MIN;
      const start = t;
      effects.push({ type: 'session.open', userId, startedAt: new Date(t) });
      for (let k = 0; k < CHANGES; k++) {
        const status = STATUSES[(u + d + k) % STATUSES.length]!;
        effects.push({ type: 'interval.open', userId, status, startedAt: new Date(t) });
        t += (40 + ((u * 7 + k * 31) % 80)) * MIN;
        if (!(last && k === CHANGES - 1))
          effects.push({ type: 'interval.close', userId, endedAt: new Date(t) });
      }
      if (!last) {
        effects.push({
          type: 'session.close',
          userId,
          startedAt: new Date(start),
          endedAt: new Date(t),
          lastSeenAt: new Date(t),
          reason: 'stopped',
        });
      }
    }
    await store.writePoll({
      runId: run.id,
      at: new Date(FROM + d * DAY + 20 * 60 * MIN),
      samples: [],
      effects,
    });
  }
}

/**
 * `pnpm bench web`: the API's report over 1,000 people and 30 days, and the Now page's data
 * (`/api/v1/people`) for 1,000 people, each beside reading the same rows straight from the store in
 * the same run. Requests go through the Hono app in this process (`app.request`): the HTTP server's
 * own cost is not what is measured.
 */
export default async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-web-'));
  const path = join(dir, 'presence.db');
  try {
    const writer = sqliteStore({ path });
    await fill(writer);
    await writer.close();
    const store = sqliteStore({ path, readOnly: true });
    const now = new Date(FROM + DAYS * DAY);
    const { app } = createDashboard({ store, timeZone: TIME_ZONE, now: () => now });
    const range = { from: new Date(FROM), to: now };
    const query = `from=${range.from.toISOString()}&to=${range.to.toISOString()}&timeZone=${TIME_ZONE}`;

    const ok = async (url: string) => {
      const res = await app.request(url);
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
      return res.text();
    };
    // Each figure and its baselines are measured in turns, so a machine whose load drifts during the
    // run weighs on them alike.
    const [reportMs, reportReadMs, rollupsReadMs] = await inTurns(5, [
      () => ok(`/api/v1/report?${query}`),
      () => Promise.all([store.intervals(range), store.sessions(range), store.users()]),
      // What the route reads: buildReport reads the store's rollups (the digests and the open records).
      () => Promise.all([store.rollups!(range), store.users()]),
    ]);
    const [peopleMs, peopleReadMs] = await inTurns(40, [
      () => ok('/api/v1/people'),
      () => Promise.all([store.users(), store.openState()]),
    ]);
    const body = JSON.parse(await ok('/api/v1/people')) as { people: { status: string | null }[] };
    const observed = body.people.filter((p) => p.status !== null).length;
    await store.close();
    return [
      {
        name: `GET /api/v1/report, ${USERS.toLocaleString('en-US')} people x ${DAYS} days (SQLite, read-only)`,
        value: reportMs,
        unit: 'ms',
        baseline: {
          name: "reading the report's intervals, sessions and people from the store",
          value: reportReadMs,
        },
      },
      {
        name: `GET /api/v1/report, ${USERS.toLocaleString('en-US')} people x ${DAYS} days, beside the rows it reads`,
        value: reportMs,
        unit: 'ms',
        baseline: { name: "reading the range's rollups and the people from the store", value: rollupsReadMs },
      },
      {
        name: `GET /api/v1/people, ${USERS.toLocaleString('en-US')} people (${observed} observed now)`,
        value: peopleMs,
        unit: 'ms',
        baseline: { name: 'reading the people and the open records from the store', value: peopleReadMs },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
