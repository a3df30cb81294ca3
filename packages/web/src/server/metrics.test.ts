import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { memoryStore, POLL_SECONDS_BUCKETS, type PresenceStore } from '@presence-tracker/core';
import { postgresStore } from '@presence-tracker/store-postgres';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { describe, expect, it } from 'vitest';
import { dropSchemas, freshSchema, startTestServer } from '../../../store-postgres/src/testing/server.ts';
import { contract } from './__fixtures__/contract.ts';
import { trackTeam } from './__fixtures__/simulated-team.ts';
import { createDashboard } from './dashboard.ts';

/** Loading the sources in a child process takes many seconds on a busy machine. */
const SLOW = 180_000;
const TRACKER = fileURLToPath(new URL('./__fixtures__/track-polls.ts', import.meta.url));

/** The value of one sample line, e.g. `presence_tracker_polls_total{outcome="ok"}`. */
function value(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** What the tracker in the child process saw of its own polls, from its `poll` and `error` events. */
interface Seen {
  polls: Record<string, number>;
  samples: number;
  errors: number;
  providerErrors: number;
  seconds: number[];
}

/**
 * Runs a tracker in another process on the store (a SQLite file, or `postgres:SCHEMA` on the server
 * `postgresUrl` names), for `polls` polls from `from`; what it saw.
 */
async function trackElsewhere(
  target: string,
  from: string,
  polls: number,
  postgresUrl?: string,
): Promise<Seen> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@presence-tracker/source', TRACKER, target, from, String(polls)],
    { timeout: SLOW, env: { ...process.env, ...(postgresUrl && { TRACKER_POSTGRES_URL: postgresUrl }) } },
  );
  return JSON.parse(stdout) as Seen;
}

/** Adds what two runs of the tracker saw. */
function plus(a: Seen, b: Seen): Seen {
  const polls = { ...a.polls };
  for (const [outcome, n] of Object.entries(b.polls)) polls[outcome] = (polls[outcome] ?? 0) + n;
  return {
    polls,
    samples: a.samples + b.samples,
    errors: a.errors + b.errors,
    providerErrors: a.providerErrors + b.providerErrors,
    seconds: [...a.seconds, ...b.seconds],
  };
}

/** The poll figures of a scrape, as the tracker's own figures are shaped. */
function pollFigures(text: string) {
  const polls: Record<string, number> = {};
  for (const m of text.matchAll(/^presence_tracker_polls_total\{outcome="([^"]+)"\} (\S+)$/gm))
    polls[m[1]!] = Number(m[2]);
  const buckets = [...POLL_SECONDS_BUCKETS.map(String), '+Inf'].map((le) =>
    value(text, `presence_tracker_poll_duration_seconds_bucket{le="${le}"}`),
  );
  return {
    polls,
    samples: value(text, 'presence_tracker_samples_total'),
    errors: value(text, 'presence_tracker_errors_total'),
    providerErrors: value(text, 'presence_tracker_provider_errors_total'),
    count: value(text, 'presence_tracker_poll_duration_seconds_count'),
    sum: value(text, 'presence_tracker_poll_duration_seconds_sum'),
    buckets,
  };
}

/** What a scrape should say of what the tracker saw. */
function expected(seen: Seen) {
  return {
    polls: seen.polls,
    samples: seen.samples,
    errors: seen.errors,
    providerErrors: seen.providerErrors,
    count: seen.seconds.length,
    sum: expect.closeTo(
      seen.seconds.reduce((a, b) => a + b, 0),
      6,
    ),
    buckets: [...POLL_SECONDS_BUCKETS, Number.POSITIVE_INFINITY].map(
      (le) => seen.seconds.filter((s) => s <= le).length,
    ),
  };
}

describe('/metrics', () => {
  it("counts the tracker's polls and samples, and reads open sessions and the last poll from the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-metrics-'));
    const store = sqliteStore({ path: join(dir, 'presence.db') });
    const team = await trackTeam(store, { users: 4, from: '2026-03-02T09:00:00Z', minutes: 10 });
    const { app } = createDashboard({
      store,
      tracker: team.tracker,
      now: () => team.clock.now(),
      notifiers: ['hook'],
    });
    const before = await (await app.request('/metrics')).text();
    await team.tracker.runOnce();
    team.clock.advance(60_000);
    await team.tracker.runOnce();

    const res = await app.request('/metrics');
    expect(await contract().check('GET', '/metrics', res)).toEqual([]);
    const text = await res.text();
    const polls = 'presence_tracker_polls_total{outcome="ok"}';
    // The ten polls before the dashboard began count too: the store kept them.
    expect(value(before, polls)).toBe(10);
    expect(value(text, polls)).toBe(12);
    expect(
      value(text, 'presence_tracker_samples_total')! - value(before, 'presence_tracker_samples_total')!,
    ).toBe(8);
    expect(value(text, 'presence_tracker_poll_duration_seconds_count')).toBe(12);
    const open = (await store.openState()).sessions.length;
    expect(value(text, 'presence_tracker_open_sessions')).toBe(open);
    expect(value(text, 'presence_tracker_last_poll_timestamp_seconds')).toBe(
      Date.parse('2026-03-02T09:11:00Z') / 1000,
    );
    expect(value(text, 'presence_tracker_outbox_backlog{notifier="hook"}')).toBe(0);
    expect(value(text, 'presence_tracker_provider_errors_total')).toBe(0);
    await team.tracker.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the tracker in this process when the store keeps no counters', async () => {
    const memory = memoryStore();
    const store: PresenceStore = { ...memory, capabilities: { ...memory.capabilities, counters: false } };
    const team = await trackTeam(store, { users: 3, from: '2026-03-02T09:00:00Z', minutes: 2 });
    const { app } = createDashboard({ store, tracker: team.tracker, now: () => team.clock.now() });
    const polls = 'presence_tracker_polls_total{outcome="ok"}';
    // Polls made before the dashboard listened are nowhere to be read.
    expect(value(await (await app.request('/metrics')).text(), polls)).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      await team.tracker.runOnce();
      team.clock.advance(60_000);
    }
    const text = await (await app.request('/metrics')).text();
    expect(value(text, polls)).toBe(3);
    expect(value(text, 'presence_tracker_samples_total')).toBe(9);
    expect(value(text, 'presence_tracker_poll_duration_seconds_count')).toBe(3);
    expect(value(text, 'presence_tracker_poll_duration_seconds_bucket{le="0.05"}')).toBe(3);
    expect(await memory.counters!()).toEqual({});
    await team.tracker.stop();
  });

  it(
    'shows what a tracker in another process did, and keeps counting across its restarts',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'web-metrics-'));
      const path = join(dir, 'presence.db');
      try {
        const first = await trackElsewhere(path, '2026-03-02T09:00:00Z', 9);
        // The dashboard only reads the file, as `serve` without `--track` does.
        const store = sqliteStore({ path, readOnly: true });
        const { app } = createDashboard({ store, now: () => new Date('2026-03-02T12:00:00Z') });
        const res = await app.request('/metrics');
        expect(await contract().check('GET', '/metrics', res)).toEqual([]);
        const once = pollFigures(await res.text());
        expect(first.providerErrors).toBe(2);
        expect(once).toEqual(expected(first));

        // A second run of the tracker (a restart) adds to the figures: none goes down.
        const second = await trackElsewhere(path, '2026-03-02T10:00:00Z', 5);
        const twice = pollFigures(await (await app.request('/metrics')).text());
        expect(twice).toEqual(expected(plus(first, second)));
        await store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    2 * SLOW,
  );

  it(
    'shows what a tracker in another process writing the same Postgres schema did, across its restarts',
    async () => {
      const server = await startTestServer();
      const schema = freshSchema('metrics');
      try {
        const first = await trackElsewhere(
          `postgres:${schema}`,
          '2026-03-02T09:00:00Z',
          6,
          server.connectionString,
        );
        const store = postgresStore({ connectionString: server.connectionString, schema, readOnly: true });
        const { app } = createDashboard({ store, now: () => new Date('2026-03-02T12:00:00Z') });
        try {
          expect(first.providerErrors).toBe(1);
          expect(pollFigures(await (await app.request('/metrics')).text())).toEqual(expected(first));
          const second = await trackElsewhere(
            `postgres:${schema}`,
            '2026-03-02T10:00:00Z',
            4,
            server.connectionString,
          );
          expect(pollFigures(await (await app.request('/metrics')).text())).toEqual(
            expected(plus(first, second)),
          );
        } finally {
          await store.close();
        }
      } finally {
        await dropSchemas(server.connectionString, [schema]).catch(() => {});
      }
    },
    2 * SLOW,
  );
});
