import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTracker, manualClock, memoryStore, simulatedProvider } from '@presence-tracker/core';
import { postgresStore } from '@presence-tracker/store-postgres';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { EventSource } from 'eventsource';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, freshSchema, startTestServer } from '../../../store-postgres/src/testing/server.ts';
import { trackerInAnotherProcess } from '../browser/__fixtures__/another-process.ts';
import { openApiDocument } from './openapi.ts';
import { serve } from './serve.ts';

/** Loading the sources in a child process takes many seconds on a busy machine. */
const SLOW = 180_000;
const WRITER = fileURLToPath(new URL('./__fixtures__/write-presence.ts', import.meta.url));
const MINUTE = 60_000;

/** Checks an event's data against the OpenAPI document's schema of its kind. */
function schemaCheck() {
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  const of = (name: string) =>
    ajv.compile({ $ref: `#/components/schemas/${name}`, components: openApiDocument.components });
  const byEvent: Record<string, ReturnType<typeof of>> = {
    interval: of('Interval'),
    session: of('Session'),
    run: of('Run'),
    error: of('EventError'),
  };
  return (event: string, data: unknown) => {
    const validate = byEvent[event];
    if (!validate) return [`no schema for event ${event}`];
    return validate(data)
      ? []
      : (validate.errors ?? []).map((e) => `${event} ${e.instancePath} ${e.message}`);
  };
}

interface Received {
  event: string;
  data: Record<string, unknown>;
  id: string;
}

/** The events of a stream's text, in order. */
function parseEvents(text: string): { event: string; data: string; id?: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((line) => line.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      const id = field('id');
      return { event: field('event')!, data: field('data') ?? '', ...(id !== undefined && { id }) };
    });
}

/** Collects events from an EventSource until `done` says enough. */
function collect(
  source: EventSource,
  names: string[],
  done: (all: Received[]) => boolean,
): Promise<Received[]> {
  const all: Received[] = [];
  return new Promise((resolve, reject) => {
    for (const name of names) {
      source.addEventListener(name, (m) => {
        // The stream's own `error` events carry data; a dropped connection's do not.
        if (!('data' in m) || m.data === undefined) return reject(new Error('event stream failed'));
        all.push({ event: name, data: JSON.parse(m.data), id: m.lastEventId });
        if (done(all)) resolve(all);
      });
    }
  });
}

describe('/api/v1/events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'web-events-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams what another process writes to the same SQLite file, and what was missed since Last-Event-ID', {
    timeout: SLOW,
  }, async () => {
    const path = join(dir, 'shared.db');
    const created = sqliteStore({ path });
    await created.init();
    await created.close();
    const reader = sqliteStore({ path, readOnly: true });
    const dashboard = await serve({ store: reader, port: 0, watchInterval: 100 });
    const check = schemaCheck();
    const source = new EventSource(`${dashboard.url}/api/v1/events`);
    try {
      await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
      const events = collect(source, ['interval', 'session', 'run', 'error'], (all) => all.length >= 5);
      const { stdout } = await promisify(execFile)(process.execPath, [
        '--conditions=@presence-tracker/source',
        WRITER,
        path,
        '2026-03-02T09:00:00Z',
        'ada',
        'bob',
      ]);
      const runId = stdout.trim();
      const got = await events;
      for (const e of got) expect(check(e.event, e.data)).toEqual([]);
      expect(got.filter((e) => e.event === 'run').map((e) => e.data)).toEqual([
        { id: runId, startedAt: '2026-03-02T09:00:00.000Z', endedAt: null },
      ]);
      expect(
        got
          .filter((e) => e.event === 'interval')
          .map((e) => [e.data.userId, e.data.status, e.data.endedAt])
          .sort(),
      ).toEqual([
        ['ada', 'busy', null],
        ['bob', 'busy', null],
      ]);
      expect(got.filter((e) => e.event === 'session')).toHaveLength(2);
      const lastId = got.at(-1)!.id;
      expect(lastId).toMatch(/.+/);

      // A client that comes back with the last id it saw hears what was written meanwhile, first.
      await promisify(execFile)(process.execPath, [
        '--conditions=@presence-tracker/source',
        WRITER,
        path,
        '2026-03-02T10:00:00Z',
        'cyd',
      ]);
      const again = await fetch(`${dashboard.url}/api/v1/events`, { headers: { 'last-event-id': lastId } });
      expect(again.headers.get('content-type')).toContain('text/event-stream');
      const reader2 = again.body!.getReader();
      let text = '';
      while (!text.includes('event: ready')) text += new TextDecoder().decode((await reader2.read()).value);
      await reader2.cancel();
      expect(text).toContain('"userId":"cyd"');
      expect(text.indexOf('"userId":"cyd"')).toBeLessThan(text.indexOf('event: ready'));
    } finally {
      source.close();
      await dashboard.close();
      await reader.close();
    }
  });

  it('streams a status change a tracker in another process writes to the same Postgres schema within 5 s, and what was missed since Last-Event-ID', {
    timeout: SLOW,
  }, async () => {
    const server = await startTestServer();
    const schema = freshSchema('events');
    const team = { users: 6, seed: 7, timeZone: 'Europe/Berlin' };
    const start = new Date('2026-03-02T09:00:00Z');
    // The tracker's first poll creates the schema the dashboard reads.
    const tracker = await trackerInAnotherProcess({ database: `postgres:${schema}`, ...team }, start, {
      TRACKER_POSTGRES_URL: server.connectionString,
    });
    const pollUntil = async (from: Date, to: Date) => {
      for (let at = from.getTime() + MINUTE; at <= to.getTime(); at += MINUTE)
        await tracker.poll(new Date(at));
    };

    const reader = postgresStore({ connectionString: server.connectionString, schema, readOnly: true });
    // Every second, the default.
    const dashboard = await serve({ store: reader, port: 0 });
    const source = new EventSource(`${dashboard.url}/api/v1/events`);
    try {
      // The first two minutes after `start` at which someone's status changes, and whose.
      const sim = simulatedProvider(team);
      const ids = (await reader.users()).map((u) => u.id);
      const changes: { at: Date; userId: string; status: string }[] = [];
      for (
        let at = start.getTime() + MINUTE;
        changes.length < 2 && at < start.getTime() + 480 * MINUTE;
        at += MINUTE
      ) {
        const userId = ids.find(
          (id) => sim.statusAt(id, new Date(at)) !== sim.statusAt(id, new Date(at - MINUTE)),
        );
        if (userId) changes.push({ at: new Date(at), userId, status: sim.statusAt(userId, new Date(at)) });
      }
      const [first, second] = changes;
      if (!first || !second) throw new Error('the simulated team did not change twice in eight hours');

      await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
      const isChange = (e: Received, change: typeof first) =>
        e.event === 'interval' &&
        e.data.userId === change.userId &&
        e.data.status === change.status &&
        e.data.endedAt === null;
      const events = collect(source, ['interval', 'session', 'run', 'error'], (all) =>
        all.some((e) => isChange(e, first)),
      );
      await pollUntil(start, first.at);
      // The change is committed: the stream has 5 s (the bound) to carry it.
      let timer: NodeJS.Timeout | undefined;
      const got = await Promise.race([
        events,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no event for the status change within 5 s')), 5_000);
        }),
      ]).finally(() => clearTimeout(timer));
      const check = schemaCheck();
      for (const e of got) expect(check(e.event, e.data)).toEqual([]);
      expect(got.filter((e) => e.event === 'error')).toEqual([]);
      const [open] = await reader.intervals({
        from: first.at,
        to: new Date(first.at.getTime() + 1),
        userIds: [first.userId],
      });
      expect(got.find((e) => isChange(e, first))!.data).toEqual(JSON.parse(JSON.stringify(open)));
      const lastId = got.at(-1)!.id;
      source.close();

      // Away while the next change is written; back with the last id seen, it hears it before `ready`.
      await pollUntil(first.at, second.at);
      const again = await fetch(`${dashboard.url}/api/v1/events`, { headers: { 'last-event-id': lastId } });
      const body = again.body!.getReader();
      let text = '';
      while (!text.includes('event: ready')) text += new TextDecoder().decode((await body.read()).value);
      await body.cancel();
      const missed = parseEvents(text);
      expect(missed.at(-1)!.event).toBe('ready');
      const told = missed.filter((e) => e.event === 'interval').map((e) => JSON.parse(e.data));
      expect(told).toContainEqual(
        expect.objectContaining({ userId: second.userId, status: second.status, endedAt: null }),
      );
      // Nothing the client had already heard is told again.
      expect(told).not.toContainEqual(
        expect.objectContaining({ userId: first.userId, status: first.status, endedAt: null }),
      );
      expect(
        missed.filter((e) => e.event !== 'ready').every((e) => e.id !== undefined && e.id !== lastId),
      ).toBe(true);
    } finally {
      source.close();
      await tracker.stop();
      await dashboard.close();
      await reader.close();
      await dropSchemas(server.connectionString, [schema]).catch(() => {});
      await server.dispose();
    }
  });

  it("streams a tracker's writes in this process at its poll, and its errors", async () => {
    const store = memoryStore();
    const clock = manualClock('2026-03-02T09:00:00Z');
    const tracker = createTracker({
      provider: simulatedProvider({ users: 2, seed: 3, clock }),
      store,
      users: 'discover',
      clock,
    });
    // An hour between polls: only the tracker's own poll can be what makes the events arrive.
    const dashboard = await serve({
      store,
      tracker,
      port: 0,
      watchInterval: 3_600_000,
      now: () => clock.now(),
    });
    const source = new EventSource(`${dashboard.url}/api/v1/events`);
    try {
      await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
      const events = collect(
        source,
        ['interval', 'run', 'error'],
        (all) =>
          all.some((e) => e.event === 'error') && all.filter((e) => e.event === 'interval').length === 2,
      );
      await tracker.runOnce();
      tracker.emit('error', new Error('the platform said no'));
      const got = await events;
      expect(got.filter((e) => e.event === 'run')).toHaveLength(1);
      expect(got.filter((e) => e.event === 'interval')).toHaveLength(2);
      expect(got.find((e) => e.event === 'error')!.data).toEqual({
        message: 'the platform said no',
        at: '2026-03-02T09:00:00.000Z',
      });
    } finally {
      source.close();
      await tracker.stop();
      await dashboard.close();
    }
  });
});
