import { manualClock } from '@presence-tracker/core';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { graphProvider } from './index.ts';
import { type FakeGraph, makeUsers, startFakeGraph } from './testing/fake-graph.ts';
import { trustTestCertificate } from './testing/tls.ts';

const credential = {
  getToken: async () => ({ token: 'app-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};
let graph: FakeGraph | undefined;

beforeAll(() => trustTestCertificate());
afterEach(async () => {
  await graph?.close();
  graph = undefined;
});

/** Nine presence requests' worth of people. */
const NINE_REQUESTS = 9 * 650;

describe("the fake's limit on presence requests", () => {
  test('refuses a request beyond the limit with 429 TooManyRequests and Retry-After in seconds, as Graph does', async () => {
    const clock = manualClock(Date.UTC(2026, 2, 2, 9));
    graph = await startFakeGraph({ users: makeUsers(3), clock, throttle: { requests: 2, perMs: 1_500 } });
    const ask = () =>
      fetch(`${graph!.url}/v1.0/communications/getPresencesByUserId`, {
        method: 'POST',
        headers: { authorization: 'Bearer app-token', 'content-type': 'application/json' },
        body: JSON.stringify({ ids: ['00000000-0000-4000-8000-000000000001'] }),
      });
    expect((await ask()).status).toBe(200);
    clock.advance(1_000);
    expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    // One more fits once the second leaves the window, 1.5 s from now: Graph counts in whole seconds.
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ error: { code: 'TooManyRequests' } });
    // The first has left the window, but the refused one counts: every request accrues against the limit.
    clock.advance(1_000);
    expect((await ask()).status).toBe(429);
    // 1.5 s after the refusal, as Retry-After said, one more fits; the one asked early still counts.
    clock.advance(500);
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(429);
    expect(graph.counts).toMatchObject({ presence: 6, throttled: 3 });
  });

  test('with record off keeps no request, only the counts', async () => {
    graph = await startFakeGraph({ users: makeUsers(700), record: false });
    const provider = graphProvider({ credential, baseUrl: graph.url });
    expect(await provider.getPresence([...graph.users.keys()])).toHaveLength(700);
    expect(graph.requests).toEqual([]);
    expect(graph.counts).toMatchObject({ presence: 2, throttled: 0 });
    expect(graph.counts.bytes).toBeGreaterThan(700 * 100);
  });
});

describe('the request budget against the limit', () => {
  test('a budget well within the limit reads everyone without a single 429', async () => {
    graph = await startFakeGraph({
      users: makeUsers(NINE_REQUESTS),
      throttle: { requests: 6, perMs: 1_000 },
    });
    const provider = graphProvider({ credential, baseUrl: graph.url, budget: { requests: 3, perMs: 1_000 } });
    expect(await provider.getPresence([...graph.users.keys()])).toHaveLength(NINE_REQUESTS);
    expect(graph.counts).toMatchObject({ presence: 9, throttled: 0 });
  });

  test('providers splitting the limit exactly never meet a 429, the turns of the window included', async () => {
    graph = await startFakeGraph({
      users: makeUsers(NINE_REQUESTS),
      throttle: { requests: 6, perMs: 1_000 },
    });
    const ids = [...graph.users.keys()];
    // Each budget counts a request from its answer, after Graph counted it: however the requests of
    // one provider and the other are delayed on their way, the fake never has more than 6 in its window.
    const providers = [0, 1].map(() =>
      graphProvider({ credential, baseUrl: graph!.url, budget: { requests: 3, perMs: 1_000 } }),
    );
    const read = await Promise.all(providers.map((p) => p.getPresence(ids)));
    expect(read.map((samples) => samples.length)).toEqual([NINE_REQUESTS, NINE_REQUESTS]);
    expect(graph.counts).toMatchObject({ presence: 18, throttled: 0 });
  });

  test('over the limit, every request waits out Retry-After and everyone is read, without a storm of 429s', async () => {
    graph = await startFakeGraph({
      users: makeUsers(NINE_REQUESTS),
      throttle: { requests: 3, perMs: 1_000 },
    });
    // The default budget (1,200 per 30 s) is far above this limit.
    const provider = graphProvider({
      credential,
      baseUrl: graph.url,
      retry: { attempts: 10, baseDelay: 10, maxDelay: 2_000 },
    });
    expect(await provider.getPresence([...graph.users.keys()])).toHaveLength(NINE_REQUESTS);
    // A 429 holds every request, so at most the ones already in flight (4) are refused each time the
    // window fills, and the window fills at most three times for nine requests.
    expect(graph.counts.throttled).toBeGreaterThan(0);
    expect(graph.counts.throttled).toBeLessThanOrEqual(3 * 4);
    expect(graph.counts.presence - graph.counts.throttled).toBe(9);
  });
});

describe('a read told to give up', () => {
  test("stops waiting out a long Retry-After when the caller's signal aborts, and tries no more", async () => {
    graph = await startFakeGraph({ users: makeUsers(3) });
    graph.script('getPresencesByUserId', {
      status: 429,
      headers: { 'retry-after': '120' },
      body: { error: { code: 'TooManyRequests', message: 'slow down' } },
    });
    const waits: number[] = [];
    const quiet = () => {};
    const logger = {
      debug: quiet,
      info: quiet,
      error: quiet,
      warn: (f: Record<string, unknown>) => waits.push(f.waitMs as number),
    };
    const provider = graphProvider({ credential, baseUrl: graph.url, logger });
    const stop = new AbortController();
    const reading = provider.getPresence([...graph.users.keys()], { signal: stop.signal });
    reading.catch(() => {});
    await vi.waitFor(() => expect(waits).toEqual([120_000]));
    stop.abort(new Error('the tracker is stopping'));
    await expect(reading).rejects.toThrow(/the tracker is stopping/);
    expect(graph.presenceRequests()).toHaveLength(1);
    await provider.close?.();
  });
});

describe('requests in flight', () => {
  test('by default 16 presence requests are in flight at once, enough for the whole limit at 300 ms a request', async () => {
    // Each answer takes long enough that every request the provider allows is under way together.
    graph = await startFakeGraph({ users: makeUsers(20 * 650), latencyMs: 1_500, record: false });
    const provider = graphProvider({ credential, baseUrl: graph.url });
    expect(await provider.getPresence([...graph.users.keys()])).toHaveLength(20 * 650);
    expect(graph.counts).toMatchObject({ presence: 20, mostInFlight: 16 });
  });

  test('concurrency sets how many', async () => {
    graph = await startFakeGraph({ users: makeUsers(6 * 650), latencyMs: 500, record: false });
    const provider = graphProvider({ credential, baseUrl: graph.url, concurrency: 2 });
    expect(await provider.getPresence([...graph.users.keys()])).toHaveLength(6 * 650);
    expect(graph.counts).toMatchObject({ presence: 6, mostInFlight: 2 });
  });
});
