import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  ConfigError,
  createTracker,
  manualClock,
  memoryStore,
  type PresenceSample,
} from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { afterEach, describe, expect, test } from 'vitest';
import { zoomProvider } from './index.ts';
import { type FakeZoom, makeUsers, startFakeZoom } from './testing/index.ts';

const START = Date.UTC(2026, 2, 2, 9, 0);
const SECRET = 'zoom-secret-token-0001';
const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A fake Zoom, a provider with push on one manual clock, and its endpoint served on loopback. */
async function setup() {
  const clock = manualClock(START);
  const zoom = await startFakeZoom({ clock, users: makeUsers(3) });
  closing.push(() => zoom.close());
  const provider = zoomProvider({
    accountId: zoom.accountId,
    clientId: zoom.clientId,
    clientSecret: zoom.clientSecret,
    baseUrl: zoom.url,
    oauthUrl: zoom.oauthUrl,
    clock,
    sleep: advancingSleep(clock),
    push: { secretToken: SECRET },
  });
  const server = serve({
    fetch: (request) => provider.push!.handle(request),
    hostname: '127.0.0.1',
    port: 0,
  });
  await once(server, 'listening');
  closing.push(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  zoom.webhook = { url, secretToken: SECRET };
  return { clock, zoom, provider, url };
}

/** Subscribes everyone of the fake and collects what is pushed. */
async function listen(zoom: FakeZoom, provider: ReturnType<typeof zoomProvider>) {
  const pushed: PresenceSample[] = [];
  const subscription = await provider.subscribe!(
    zoom.users.map((u) => u.id),
    (samples) => pushed.push(...samples),
  );
  closing.push(() => subscription.close());
  return pushed;
}

describe('the presence webhook', () => {
  test('bad push options are named, the secret never echoed', () => {
    const error = (() => {
      try {
        zoomProvider({
          accountId: 'a',
          clientId: 'b',
          clientSecret: 'c',
          push: { secretToken: '', url: 'ftp://x', tolerance: 10 },
        });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
      'push.secretToken',
      'push.tolerance',
      'push.url',
    ]);
  });

  test("answers Zoom's URL validation, and doctor's handshake finds it answered", async () => {
    const { zoom, provider, url } = await setup();
    expect(await zoom.validateEndpoint()).toBe(true);
    expect(await provider.push!.handshake(url)).toEqual({
      ok: true,
      detail: `${url} answers Zoom's URL validation`,
    });
    const nobody = await provider.push!.handshake('http://127.0.0.1:9/push');
    expect(nobody.ok).toBe(false);
    expect(nobody.detail).toContain('could not be reached');
  });

  test('a presence change becomes a pushed reading, stamped when it was heard', async () => {
    const { clock, zoom, provider } = await setup();
    const pushed = await listen(zoom, provider);
    const person = zoom.users[1]!;
    clock.advance(5000);
    expect(await zoom.setPresence(person.id, 'Do_Not_Disturb')).toBe(204);
    expect(pushed).toEqual([
      {
        userId: person.id,
        status: 'dnd',
        observedAt: new Date(START + 5000),
        raw: { status: 'Do_Not_Disturb', date_time: '2026-03-02T09:00:05Z', event_ts: START + 5000 },
        source: 'push',
      },
    ]);
  });

  test('a forged request is refused and never applied: wrong secret, stale timestamp, missing headers', async () => {
    const { clock, zoom, provider, url } = await setup();
    const pushed = await listen(zoom, provider);
    const event = (status: string) => ({
      event: 'user.presence_status_updated',
      event_ts: clock.now().getTime(),
      payload: { account_id: zoom.accountId, object: { id: zoom.users[0]!.id, presence_status: status } },
    });
    expect(await zoom.sendEvent(event('Away'), { secretToken: 'guessed' })).toBe(401);
    // A request recorded earlier and played again later than the window allows.
    const old = Math.floor(clock.now().getTime() / 1000);
    clock.advance(301_000);
    expect(await zoom.sendEvent(event('Away'), { timestamp: old })).toBe(401);
    const unsigned = await fetch(url, { method: 'POST', body: JSON.stringify(event('Away')) });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toBe('expected the x-zm-signature and x-zm-request-timestamp headers');
    expect(pushed).toEqual([]);
    // The same event, signed with the secret and sent now, is applied.
    expect(await zoom.sendEvent(event('Away'))).toBe(204);
    expect(pushed.map((s) => s.status)).toEqual(['away']);
  });

  test('a burst out of order and duplicated: an event older than one applied is dropped', async () => {
    const { clock, zoom, provider } = await setup();
    const pushed = await listen(zoom, provider);
    const id = zoom.users[2]!.id;
    const event = (status: string, ts: number) => ({
      event: 'user.presence_status_updated',
      event_ts: ts,
      payload: { account_id: zoom.accountId, object: { id, presence_status: status } },
    });
    const t = clock.now().getTime();
    const answers = await Promise.all([
      zoom.sendEvent(event('Away', t + 2000)),
      zoom.sendEvent(event('Away', t + 2000)),
    ]);
    expect(answers).toEqual([204, 204]);
    expect(await zoom.sendEvent(event('Available', t + 1000))).toBe(204);
    expect(await zoom.sendEvent(event('In_Meeting', t + 3000))).toBe(204);
    expect(pushed.map((s) => s.status)).toEqual(['away', 'away', 'busy']);
    // Someone not subscribed is not heard of.
    expect(
      await zoom.sendEvent({
        event: 'user.presence_status_updated',
        event_ts: t + 4000,
        payload: { object: { id: 'someone-else', presence_status: 'Away' } },
      }),
    ).toBe(204);
    expect(pushed).toHaveLength(3);
  });

  test('a tracker applies pushed readings as samples like any other, source push', async () => {
    const { clock, zoom, provider } = await setup();
    const store = memoryStore();
    const tracker = createTracker({
      provider,
      store,
      users: zoom.users.map((u) => u.email),
      clock,
      pollInterval: 60_000,
    });
    closing.push(() => tracker.stop());
    await tracker.runOnce();
    const heard = new Promise<PresenceSample>((resolve) =>
      tracker.on('sample', (s) => s.source === 'push' && resolve(s)),
    );
    clock.advance(10_000);
    const person = zoom.users[0]!;
    await zoom.setPresence(person.id, 'Away');
    const sample = await heard;
    expect(sample).toMatchObject({ userId: person.id, status: 'away', source: 'push' });
    const intervals = await store.intervals({
      from: new Date(START),
      to: new Date(START + 3_600_000),
      userIds: [person.id],
    });
    expect(intervals.map((i) => [i.status, i.startedAt.getTime() - START])).toEqual([
      ['available', 0],
      ['away', 10_000],
    ]);
  });
});
