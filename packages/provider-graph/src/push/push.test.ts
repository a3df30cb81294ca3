import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  ConfigError,
  createTracker,
  type Logger,
  manualClock,
  memoryStore,
  type PresenceProvider,
  type PresenceSample,
} from '@presence-tracker/core';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type GraphProviderOptions, graphProvider } from '../index.ts';
import { listCredential } from '../testing/credential.ts';
import { type FakeGraph, makeUsers, startFakeGraph } from '../testing/fake-graph.ts';
import { testCertificate, trustTestCertificate } from '../testing/tls.ts';
import type { GraphPushOptions } from './options.ts';

const START = Date.UTC(2026, 2, 2, 9, 0);
const STATE = 'a-secret-client-state-0001';
const MINUTE = 60_000;
const closing: (() => Promise<unknown>)[] = [];
beforeAll(() => trustTestCertificate());
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

interface Logged {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A fake Graph and a receiver on loopback, on one manual clock; `provider()` makes providers pushing to it. */
async function setup(people = 5) {
  const clock = manualClock(START);
  const graph: FakeGraph = await startFakeGraph({ users: makeUsers(people), clock });
  closing.push(() => graph.close());
  let handler: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  const server = serve({ fetch: (request) => handler(request), hostname: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  closing.push(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  const logged: Logged[] = [];
  const logger: Logger = Object.fromEntries(
    (['debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (fields: Record<string, unknown>, message?: string) => logged.push({ level, fields, message }),
    ]),
  ) as unknown as Logger;
  const provider = (push: Partial<GraphPushOptions> = {}, options: Partial<GraphProviderOptions> = {}) => {
    const p = graphProvider({
      credential: listCredential('token-1'),
      baseUrl: graph.url,
      retry: { attempts: 2, baseDelay: 5, maxDelay: 20 },
      clock,
      logger,
      push: { notificationUrl: url, clientState: STATE, ...push },
      ...options,
    });
    handler = (request) => p.push!.handle(request);
    return p;
  };
  const ids = [...graph.users.keys()];
  return { clock, graph, url, provider, logged, ids };
}

/** Subscribes and collects what is pushed; `until` resolves once the collected readings satisfy a test. */
async function listen(provider: PresenceProvider, ids: string[]) {
  const pushed: PresenceSample[] = [];
  const waiters: { check: (s: PresenceSample[]) => boolean; resolve: () => void }[] = [];
  const subscription = await provider.subscribe!(ids, (samples) => {
    pushed.push(...samples);
    for (const w of [...waiters]) if (w.check(pushed)) w.resolve();
  });
  closing.push(() => subscription.close());
  const until = (check: (s: PresenceSample[]) => boolean) =>
    check(pushed) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ check, resolve }));
  return { pushed, until, subscription };
}

const latest = (pushed: PresenceSample[], id: string) => pushed.filter((s) => s.userId === id).at(-1);

describe('subscriptions', () => {
  test('at most 650 people each, the endpoint validated by Graph, all deleted at close', async () => {
    const { graph, provider, ids, url } = await setup(700);
    const p = provider();
    const { subscription } = await listen(p, ids);
    const subs = [...graph.subscriptions.all.values()];
    expect(subs.map((s) => s.ids.length).sort((a, b) => a - b)).toEqual([50, 650]);
    expect(new Set(subs.flatMap((s) => s.ids))).toEqual(new Set(ids));
    for (const s of subs) {
      expect(s).toMatchObject({ notificationUrl: url, clientState: STATE, changeType: 'updated' });
      expect(s.resource).toMatch(/^\/communications\/presences\?\$filter=id in \('[^']+'(,'[^']+')*\)$/);
      expect(Date.parse(s.expirationDateTime)).toBe(START + 59 * MINUTE);
    }
    expect(p.push!.urls).toEqual([url]);
    // A reconcile poll reads everyone: a tracker asks about all its people at once.
    expect(p.pollBatchSize).toBe(Number.POSITIVE_INFINITY);
    expect(await p.push!.handshake(url)).toEqual({
      ok: true,
      detail: `${url} echoes Graph's validation token`,
    });
    await subscription.close();
    expect(graph.subscriptions.all.size).toBe(0);
    expect(graph.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  test('renewed at the first poll within renewBefore of expiry, never earlier', async () => {
    const { clock, graph, provider, ids } = await setup();
    const p = provider({ lifetime: 30 * MINUTE, renewBefore: 10 * MINUTE });
    await listen(p, ids);
    const [s] = [...graph.subscriptions.all.values()];
    const patches = () => graph.requests.filter((r) => r.method === 'PATCH');
    clock.advance(19 * MINUTE);
    await p.getPresence(ids);
    expect(patches()).toHaveLength(0);
    clock.advance(2 * MINUTE);
    await p.getPresence(ids);
    expect(patches().map((r) => r.url)).toEqual([`/v1.0/subscriptions/${s!.id}`]);
    expect(Date.parse(graph.subscriptions.all.get(s!.id)!.expirationDateTime)).toBe(START + 51 * MINUTE);
  });

  test('a restart takes the same subscriptions up again, and replaces those for other people', async () => {
    const { graph, provider, ids } = await setup(6);
    await listen(provider(), ids);
    const [first] = [...graph.subscriptions.all.keys()];
    const posts = () => graph.requests.filter((r) => r.method === 'POST' && r.url === '/v1.0/subscriptions');
    expect(posts()).toHaveLength(1);
    // A second process with the same people, as after a crash: no new subscription, the old one renewed.
    await listen(provider(), ids);
    expect([...graph.subscriptions.all.keys()]).toEqual([first]);
    expect(posts()).toHaveLength(1);
    expect(graph.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    // Another with one person fewer: the old subscription deleted, a new one for the five.
    await listen(provider(), ids.slice(1));
    const now = [...graph.subscriptions.all.values()];
    expect(now.map((s) => s.id)).not.toContain(first);
    expect(now.map((s) => s.ids.length)).toEqual([5]);
  });

  test('a subscription Graph refuses leaves those people on polling, and a later poll tries again', async () => {
    const { clock, graph, provider, ids, logged } = await setup(3);
    graph.script('/subscriptions', { status: 200, body: { value: [] } }); // the listing
    graph.script('/subscriptions', {
      status: 403,
      body: {
        error: { code: 'ExtensionError', message: 'Operation: Create; Exception: [Status Code: Forbidden]' },
      },
    });
    const p = provider({ reconcileInterval: 5 * MINUTE });
    await listen(p, ids);
    expect(graph.subscriptions.all.size).toBe(0);
    expect(logged.some((l) => l.level === 'warn' && /stay on polling/.test(l.message ?? ''))).toBe(true);
    const samples = await p.getPresence(ids);
    expect(samples.every((s) => s.source === 'poll')).toBe(true);
    clock.advance(6 * MINUTE);
    await p.getPresence(ids);
    expect(graph.subscriptions.all.size).toBe(1);
  });
});

describe('notifications', () => {
  test('basic ones in a burst, duplicated and out of order: the people named are read in batches', async () => {
    const { graph, provider, ids } = await setup(40);
    const p = provider();
    const { pushed, until } = await listen(p, ids);
    const before = graph.presenceRequests().length;
    const statuses = ['Busy', 'Away', 'DoNotDisturb', 'BeRightBack', 'Offline'];
    await Promise.all(ids.map((id, i) => graph.setPresence(id, statuses[i % 5]!)));
    // The same notifications again, newest first, as a retry after a timeout would bring them.
    const [s] = [...graph.subscriptions.all.values()];
    const again = ids.map((id) => graph.subscriptions.notification(s!, graph.presenceOf(id))).reverse();
    expect(await graph.subscriptions.send(s!, again)).toBe(202);
    const expected = (i: number) => ['busy', 'away', 'dnd', 'away', 'offline'][i % 5];
    await until((all) => ids.every((id, i) => latest(all, id)?.status === expected(i)));
    const reads = graph.presenceRequests().slice(before);
    // 80 notifications, far fewer reads: names arriving while a read is under way wait for the next.
    expect(reads.length).toBeLessThan(80);
    expect(reads.every((r) => (r.ids ?? 0) <= 650)).toBe(true);
    expect(pushed.every((x) => x.source === 'push')).toBe(true);
  });

  test('a forged notification (wrong clientState) is refused, logged without the secret, never applied', async () => {
    const { graph, provider, ids, logged } = await setup(2);
    const { pushed } = await listen(provider(), ids);
    const [s] = [...graph.subscriptions.all.values()];
    const forged = graph.subscriptions.notification(s!, graph.presenceOf(ids[0]!), 'guessed-state');
    const unsigned = {
      ...graph.subscriptions.notification(s!, graph.presenceOf(ids[0]!)),
      clientState: undefined,
    };
    expect(await graph.subscriptions.send(s!, [forged, unsigned])).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pushed).toEqual([]);
    expect(graph.presenceRequests()).toHaveLength(0);
    const warning = logged.find((l) => l.level === 'warn' && /refused/.test(l.message ?? ''));
    expect(warning?.fields).toMatchObject({ refused: 2, of: 2 });
    expect(JSON.stringify(logged)).not.toContain(STATE);
  });

  test('rich ones are decrypted without a request; an older sequenceNumber or a bad signature is not applied', async () => {
    const { clock, graph, provider, ids, logged } = await setup(2);
    const p = provider({
      certificate: { certificate: testCertificate.cert, privateKey: testCertificate.key, id: 'cert-1' },
    });
    const { pushed, until } = await listen(p, ids);
    const [s] = [...graph.subscriptions.all.values()];
    expect(s).toMatchObject({ includeResourceData: true, encryptionCertificateId: 'cert-1' });
    const id = ids[0]!;
    expect(await graph.setPresence(id, 'Busy', 'InAMeeting')).toEqual([202]);
    await until((all) => latest(all, id)?.status === 'busy');
    expect(latest(pushed, id)?.raw).toMatchObject({ availability: 'Busy', activity: 'InAMeeting' });
    expect(graph.presenceRequests()).toHaveLength(0);
    // A reading older than the one applied, arriving late.
    const stale = {
      ...graph.presenceOf(id),
      availability: 'Away',
      activity: 'Away',
      sequenceNumber: 'S000000000000',
    };
    expect(await graph.subscriptions.send(s!, [graph.subscriptions.notification(s!, stale)])).toBe(202);
    // Tampered data: the signature no longer matches.
    const tampered = graph.subscriptions.notification(s!, {
      ...graph.presenceOf(id),
      availability: 'Offline',
    }) as {
      encryptedContent: { data: string };
    };
    tampered.encryptedContent.data = Buffer.from('{"availability":"Offline"}').toString('base64');
    expect(await graph.subscriptions.send(s!, [tampered])).toBe(403);
    expect(pushed.filter((x) => x.userId === id).map((x) => x.status)).toEqual(['busy']);
    expect(logged.some((l) => l.fields.reason === 'dataSignature does not match the data')).toBe(true);
    // Between reconciliations a poll confirms the pushed reading; at the next, a poll answering with
    // the older reading does not undo it either.
    expect((await p.getPresence(ids)).find((x) => x.userId === id)?.status).toBe('busy');
    clock.advance(16 * MINUTE);
    graph.script('getPresencesByUserId', {
      status: 200,
      body: { value: [stale, { ...graph.presenceOf(ids[1]!) }] },
    });
    const polled = await p.getPresence(ids);
    expect(polled.find((x) => x.userId === id)).toBeUndefined();
  });

  test('a missed lifecycle event: the subscription is created again and its people read at once', async () => {
    const { graph, provider, ids } = await setup(3);
    const { pushed, until } = await listen(provider({ lifecycleNotificationUrl: undefined }), ids);
    const [old] = [...graph.subscriptions.all.values()];
    expect(await graph.subscriptions.lifecycle(old!, 'missed')).toBe(202);
    await until((all) => ids.every((id) => all.some((x) => x.userId === id && x.source === 'poll')));
    const now = [...graph.subscriptions.all.values()];
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(old!.id);
    expect(new Set(now[0]!.ids)).toEqual(new Set(ids));
    expect(pushed.map((x) => x.source)).toEqual(['poll', 'poll', 'poll']);
  });

  test('reauthorizationRequired renews; subscriptionRemoved re-creates and reads', async () => {
    const { graph, provider, ids } = await setup(2);
    const { until } = await listen(provider(), ids);
    const [s] = [...graph.subscriptions.all.values()];
    expect(await graph.subscriptions.lifecycle(s!, 'reauthorizationRequired')).toBe(202);
    expect(await graph.subscriptions.lifecycle(s!, 'subscriptionRemoved')).toBe(202);
    // Lifecycle events are handled one after another, so the renewal came before these readings.
    await until((all) => all.filter((x) => x.source === 'poll').length === 2);
    expect(graph.requests.filter((r) => r.method === 'PATCH').map((r) => r.url)).toEqual([
      `/v1.0/subscriptions/${s!.id}`,
    ]);
    expect(graph.subscriptions.all.size).toBe(1);
    expect(graph.subscriptions.all.has(s!.id)).toBe(false);
  });
});

describe('polls beside push', () => {
  test('between reconciliations a poll confirms what was heard without a request; then it reads again', async () => {
    const { clock, graph, provider, ids } = await setup(3);
    const p = provider({ reconcileInterval: 15 * MINUTE });
    await listen(p, ids);
    const first = await p.getPresence(ids);
    expect(first.map((s) => s.source)).toEqual(['poll', 'poll', 'poll']);
    expect(graph.presenceRequests()).toHaveLength(1);
    clock.advance(MINUTE);
    const confirmed = await p.getPresence(ids);
    expect(graph.presenceRequests()).toHaveLength(1);
    expect(confirmed.map((s) => [s.source, s.status, s.observedAt.getTime()])).toEqual(
      ids.map(() => ['push', 'available', START + MINUTE]),
    );
    clock.advance(15 * MINUTE);
    const reconciled = await p.getPresence(ids);
    expect(graph.presenceRequests()).toHaveLength(2);
    expect(reconciled.every((s) => s.source === 'poll')).toBe(true);
  });
});

describe('with a tracker', () => {
  test('a pushed change is a sample like any other: the interval starts when it was heard; stop deletes the subscription', async () => {
    const { clock, graph, provider, ids } = await setup(3);
    const store = memoryStore();
    const tracker = createTracker({
      provider: provider(),
      store,
      users: [...graph.users.values()].map((u) => u.userPrincipalName),
      clock,
    });
    await tracker.runOnce();
    expect(graph.subscriptions.all.size).toBe(1);
    const heard = new Promise<PresenceSample>((resolve) =>
      tracker.on('sample', (s) => s.source === 'push' && resolve(s)),
    );
    clock.advance(20_000);
    await graph.setPresence(ids[1]!, 'Away');
    expect(await heard).toMatchObject({ userId: ids[1], status: 'away' });
    clock.advance(40_000);
    await tracker.runOnce();
    await tracker.stop();
    expect(graph.subscriptions.all.size).toBe(0);
    const intervals = await store.intervals({ from: new Date(START), to: new Date(START + 3_600_000) });
    expect(
      intervals.filter((i) => i.userId === ids[1]).map((i) => [i.status, i.startedAt.getTime() - START]),
    ).toEqual([
      ['available', 0],
      ['away', 20_000],
    ]);
  });
});

describe('options', () => {
  test('push needs a signed-in person, an https (or loopback) address and a clientState', () => {
    const refused = (options: Partial<GraphProviderOptions>) => {
      try {
        graphProvider({ credential: listCredential('t'), ...options } as GraphProviderOptions);
      } catch (e) {
        if (ConfigError.isInstance(e)) return Object.fromEntries(e.issues.map((i) => [i.path, i.message]));
      }
      throw new Error('expected a ConfigError');
    };
    expect(
      Object.keys(
        refused({
          credential: undefined,
          auth: { mode: 'clientSecret', tenantId: 't', clientId: 'c', clientSecret: 's' },
          push: { notificationUrl: 'http://example.com/push', clientState: '' },
        }),
      ).sort(),
    ).toEqual(['push', 'push.clientState', 'push.notificationUrl']);
    expect(
      refused({
        push: { notificationUrl: 'https://x.example/p', clientState: 's', lifetime: 2 * 3_600_000 },
      }),
    ).toEqual({ 'push.lifetime': 'expected milliseconds from 1,000 to 3,600,000' });
  });
});
