import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, NotifierError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { memoryStore } from '../store/memory.ts';
import {
  type Received,
  type WebhookReceiver as Receiver,
  type Reply,
  startWebhookReceiver as startReceiver,
} from '../testing/webhook-receiver.ts';
import { Dispatcher } from './dispatcher.ts';
import { createEvent, type TrackerEvent } from './events.ts';
import type { Notifier } from './notifier.ts';
import { trackerEventSchema } from './schemas.ts';
import { verifyWebhook } from './verify.ts';
import {
  parseRetryAfter,
  STANDARD_RETRY_SCHEDULE,
  WebhookDeliveryError,
  webhookName,
  webhookNotifier,
} from './webhook.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk=';
const at = new Date('2026-03-02T09:30:00.000Z');

let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function receiver(reply?: (r: Received) => Reply) {
  const r = await startReceiver(reply);
  receivers.push(r);
  return r;
}

function sessionStarted(n: number): TrackerEvent {
  return createEvent('session.started', new Date(at.getTime() + n * 1000), {
    userId: `u${n}`,
    displayName: `User ${n}`,
    severity: 1,
    startedAt: new Date(at.getTime() + n * 1000).toISOString(),
  });
}

function recordingLogger() {
  const lines: string[] = [];
  const log = (fields: Record<string, unknown>, message?: string) =>
    lines.push(`${message} ${JSON.stringify(fields)}`);
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  return { logger, lines };
}

/** A dispatcher over a memory store, the way a tracker runs one, with what it reports collected. */
function harness(notifiers: Notifier[]) {
  const store = memoryStore();
  const errors: unknown[] = [];
  const { logger, lines } = recordingLogger();
  const dispatcher = new Dispatcher(store, notifiers, logger, (error) => errors.push(error));
  return {
    store,
    errors,
    lines,
    dispatcher,
    async send(events: TrackerEvent[]) {
      await store.outboxEnqueue(dispatcher.outboxFor(events));
      dispatcher.dispatch(events);
    },
    /**
     * Waits until nothing is pending for `name` any more (delivered or given up); an outbox that never
     * drains fails the test by its own time limit, not by a limit here that a busy machine could miss.
     */
    async settled(name: string) {
      while ((await store.outboxPending({ notifier: name })).length > 0) {
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

const fast = { schedule: [10, 10, 10, 10, 10], jitter: 0 };

describe('signing', () => {
  test('signs as Standard Webhooks: verifyWebhook accepts the request and rejects any changed byte', async () => {
    const r = await receiver();
    const hook = webhookNotifier({ url: `${r.url}/hooks/presence`, secret: SECRET });
    const h = harness([hook]);
    const event = sessionStarted(1);
    const before = Math.floor(Date.now() / 1000);
    await h.send([event]);
    await r.waitFor(1);
    const after = Math.ceil(Date.now() / 1000);
    const [req] = r.requests;

    expect(req!.headers['webhook-id']).toBe(event.id);
    expect(req!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // Whole seconds of the moment it was sent, however long sending took.
    const timestamp = Number(req!.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(verifyWebhook(SECRET, req!.headers, req!.raw)).toBe(true);
    expect(verifyWebhook(SECRET, req!.headers, req!.raw.toString('utf8'))).toBe(true);
    expect(verifyWebhook(SECRET, new Headers(req!.headers as Record<string, string>), req!.raw)).toBe(true);

    for (let i = 0; i < req!.raw.length; i += 7) {
      const changed = Buffer.from(req!.raw);
      changed[i] = changed[i]! ^ 0x01;
      expect(verifyWebhook(SECRET, req!.headers, changed)).toBe(false);
    }
    expect(verifyWebhook(OTHER_SECRET, req!.headers, req!.raw)).toBe(false);
    expect(verifyWebhook(SECRET, { ...req!.headers, 'webhook-id': 'evt_other' }, req!.raw)).toBe(false);
    const old = String(Number(req!.headers['webhook-timestamp']) - 3600);
    expect(verifyWebhook(SECRET, { ...req!.headers, 'webhook-timestamp': old }, req!.raw)).toBe(false);
    expect(verifyWebhook(SECRET, { 'webhook-id': event.id }, req!.raw)).toBe(false);
    expect(verifyWebhook('not a secret', req!.headers, req!.raw)).toBe(false);

    // The body is { type, timestamp, data } and parses with the published schema.
    const body = trackerEventSchema.parse(JSON.parse(req!.raw.toString('utf8')));
    expect(body).toEqual({
      type: 'session.started',
      timestamp: event.timestamp.toISOString(),
      data: event.data,
    });
    expect(Object.keys(JSON.parse(req!.raw.toString('utf8')))).toEqual(['type', 'timestamp', 'data']);
  });

  test('without a secret, sends the id and timestamp headers but no signature', async () => {
    const r = await receiver();
    const h = harness([webhookNotifier({ url: r.url })]);
    const event = sessionStarted(2);
    await h.send([event]);
    await r.waitFor(1);
    expect(r.requests[0]!.headers['webhook-id']).toBe(event.id);
    expect(r.requests[0]!.headers['webhook-signature']).toBeUndefined();
    expect(verifyWebhook(SECRET, r.requests[0]!.headers, r.requests[0]!.raw)).toBe(false);
  });
});

describe('retries', () => {
  test('a receiver failing the first 3 attempts gets the event exactly once more, with the same id', async () => {
    const r = await receiver((req) => ({ status: req.n < 3 ? 503 : 200 }));
    const hook = webhookNotifier({ url: r.url, secret: SECRET, retry: fast });
    const h = harness([hook]);
    const event = sessionStarted(3);
    await h.send([event]);
    await h.settled(hook.name);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(r.requests).toHaveLength(4);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([event.id]));
    // Every attempt is signed afresh and verifies.
    expect(r.requests.every((q) => verifyWebhook(SECRET, q.headers, q.raw))).toBe(true);
    expect(h.errors).toEqual([]);
    expect(h.lines.filter((l) => l.includes('will retry'))).toHaveLength(3);
  });

  test('network errors and timeouts are retried', async () => {
    const r = await receiver((req) => (req.n === 0 ? { hang: true } : {}));
    const hook = webhookNotifier({ url: r.url, timeout: 200, retry: fast });
    const h = harness([hook]);
    const event = sessionStarted(4);
    await h.send([event]);
    await h.settled(hook.name);
    // On a busy machine an answered attempt may time out too; it is then simply tried again.
    expect(r.requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(h.errors).toEqual([]);
    expect(h.lines.some((l) => l.includes('no answer within 200 ms'))).toBe(true);

    // Nothing listens on the other port: refused, retried, given up after the schedule.
    const closed = await receiver();
    await closed.close();
    receivers = receivers.filter((x) => x !== closed);
    const down = webhookNotifier({ url: closed.url, retry: { schedule: [5, 5], jitter: 0 } });
    const h2 = harness([down]);
    await h2.send([sessionStarted(5)]);
    await h2.settled(down.name);
    expect(h2.lines.filter((l) => l.includes('ECONNREFUSED'))).toHaveLength(3);
    expect(h2.errors).toHaveLength(1);
    expect(NotifierError.isInstance(h2.errors[0])).toBe(true);
  });

  test('other 4xx are not retried: the event is given up at once', async () => {
    const r = await receiver(() => ({ status: 400 }));
    const hook = webhookNotifier({ url: r.url, retry: fast });
    const h = harness([hook]);
    await h.send([sessionStarted(6)]);
    await h.settled(hook.name);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.requests).toHaveLength(1);
    expect(h.errors).toHaveLength(1);
    expect((h.errors[0] as WebhookDeliveryError).status).toBe(400);
  });

  test('retryDelay follows the schedule with jitter, honours Retry-After, and gives up after the last', () => {
    const hook = webhookNotifier({ url: 'https://example.com/h', retry: { schedule: [1000, 60_000] } });
    const err = (status: number, retryAfterMs?: number) =>
      new WebhookDeliveryError('x', 'x', {
        status,
        retryable: status === 429 || status >= 500,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    for (let i = 0; i < 50; i++) {
      const d = hook.retryDelay!(1, err(503))!;
      expect(d).toBeGreaterThanOrEqual(900);
      expect(d).toBeLessThanOrEqual(1100);
    }
    expect(hook.retryDelay!(2, err(500))).toBeGreaterThanOrEqual(54_000);
    expect(hook.retryDelay!(3, err(503))).toBeNull();
    expect(hook.retryDelay!(1, err(404))).toBeNull();
    expect(hook.retryDelay!(1, err(429, 120_000))).toBe(120_000);
    expect(hook.retryDelay!(1, new Error('a formatter broke'))).toBeNull();

    const standard = webhookNotifier({ url: 'https://example.com/h', retry: { jitter: 0 } });
    expect(STANDARD_RETRY_SCHEDULE.map((_, i) => standard.retryDelay!(i + 1, err(503)))).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(standard.retryDelay!(8, err(503))).toBeNull();

    expect(parseRetryAfter('3')).toBe(3000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')),
    ).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('99999999')).toBe(24 * 3600_000);
  });

  test('a 429 with Retry-After waits as long as the endpoint asks', async () => {
    const r = await receiver((req) => (req.n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : {}));
    const hook = webhookNotifier({ url: r.url, retry: fast });
    const h = harness([hook]);
    await h.send([sessionStarted(7)]);
    await h.settled(hook.name);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });
});

describe('order and endpoints', () => {
  test('keeps order per endpoint while an endpoint fails and recovers', async () => {
    // Each event's first attempt fails at one endpoint; the other is healthy.
    const seen = new Set<string>();
    const flaky = await receiver((req) => {
      const id = String(req.headers['webhook-id']);
      if (seen.has(id)) return {};
      seen.add(id);
      return { status: 502 };
    });
    const healthy = await receiver();
    const a = webhookNotifier({ url: `${flaky.url}/a`, retry: fast });
    const b = webhookNotifier({ url: `${healthy.url}/b`, retry: fast });
    const h = harness([a, b]);
    const events = Array.from({ length: 12 }, (_, n) => sessionStarted(n));
    await h.send(events.slice(0, 6));
    await h.send(events.slice(6));
    await h.settled(a.name);
    await h.settled(b.name);

    const ids = events.map((e) => e.id);
    const delivered = (rcv: Receiver, ok: (q: Received) => boolean) =>
      rcv.requests.filter(ok).map((q) => q.headers['webhook-id']);
    expect(delivered(healthy, () => true)).toEqual(ids);
    // At the flaky one, each event's first attempt came only after the one before was delivered.
    expect(flaky.requests.map((q) => q.headers['webhook-id'])).toEqual(ids.flatMap((id) => [id, id]));
  });

  test('410 Gone disables the endpoint: pending events are given up, nothing more is sent, and it says so', async () => {
    const r = await receiver(() => ({ status: 410 }));
    const other = await receiver();
    const gone = webhookNotifier({ url: `${r.url}/old`, retry: fast });
    const kept = webhookNotifier({ url: other.url, retry: fast });
    const h = harness([gone, kept]);
    await h.send([sessionStarted(1), sessionStarted(2), sessionStarted(3)]);
    await h.settled(gone.name);
    await h.settled(kept.name);
    expect(r.requests).toHaveLength(1);
    expect(gone.disabled).toBe(true);
    expect(h.dispatcher.outboxFor([sessionStarted(4)]).map((m) => m.notifier)).toEqual([kept.name]);

    await h.send([sessionStarted(4)]);
    await other.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.requests).toHaveLength(1);
    expect(h.errors).toHaveLength(1);
    const error = h.errors[0] as NotifierError;
    expect(NotifierError.isInstance(error)).toBe(true);
    expect(error.message).toContain('disabled');
    expect(error.message).toContain('410');
    expect(error.details).toMatchObject({ disabled: true, givenUp: 3 });
    expect(h.lines.some((l) => l.includes('notifier disabled'))).toBe(true);
  });
});

describe('options', () => {
  test('the default name is the host and path, without credentials, query or hook tokens', () => {
    const token = 'xoxb8Zt3QmL0v9rKf2Wc1aYb';
    const name = webhookName(
      new URL(`https://user:pa55@hooks.example.com:8443/services/T01/B02/${token}?token=abc#x`),
    );
    expect(name).toMatch(/^webhook:hooks\.example\.com:8443\/services\/T01\/B02\/~[0-9a-f]{8}$/);
    expect(name).not.toContain(token);
    expect(webhookName(new URL(`https://hooks.example.com/services/T01/B02/${token}x`))).not.toBe(name);
    expect(webhookName(new URL(`https://hooks.example.com/services/T01/B02/${token}`))).toBe(
      name.replace(':8443', ''),
    );
    expect(webhookNotifier({ url: 'http://gotify.local/message?token=SECRETTOKEN' }).name).toBe(
      'webhook:gotify.local/message',
    );
    expect(webhookNotifier({ url: 'http://a.example/x', name: 'ops-alerts' }).name).toBe('ops-alerts');
  });

  test('bad options fail with a ConfigError naming the field, never quoting a secret', () => {
    const attempt = (o: Record<string, unknown>) => {
      try {
        webhookNotifier({ url: 'https://example.com/h', ...o } as never);
      } catch (e) {
        return e;
      }
      return null;
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://example.com/?token=SECRETTOKEN' }, 'url'],
      [{ url: 'not a url SECRETTOKEN' }, 'url'],
      [{ secret: 'SECRETTOKEN' }, 'secret'],
      [{ secret: 'whsec_' }, 'secret'],
      [{ timeout: 0 }, 'timeout'],
      [{ retry: { schedule: [-1] } }, 'retry.schedule.0'],
      [{ events: ['run.started', 'lunch.started'] }, 'events.1'],
      [{ format: 'discord' }, 'format'],
      [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ headers: { 'X-Gotify-Key': 42 } }, 'headers.X-Gotify-Key'],
      [{ headers: { 'X-Extra': 'a\r\nX-Injected: 1' } }, 'headers.X-Extra'],
    ];
    for (const [options, path] of cases) {
      const error = attempt(options);
      expect(ConfigError.isInstance(error), path).toBe(true);
      expect((error as ConfigError).issues.map((i) => i.path)).toContain(path);
      expect((error as ConfigError).message).not.toContain('SECRETTOKEN');
    }
  });

  test('tokens in the URL and header values never reach errors or logs', async () => {
    const r = await receiver(() => ({ status: 503 }));
    const hook = webhookNotifier({
      url: `${r.url}/message?token=SECRETTOKEN`,
      headers: { 'X-Gotify-Key': 'SECRETKEY' },
      format: 'gotify',
      retry: { schedule: [5], jitter: 0 },
    });
    const h = harness([hook]);
    await h.send([sessionStarted(1)]);
    await h.settled(hook.name);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[0]!.url).toBe('/message?token=SECRETTOKEN');
    expect(r.requests[0]!.headers['x-gotify-key']).toBe('SECRETKEY');
    const said = [...h.lines, ...h.errors.map((e) => `${(e as Error).message} ${(e as Error).stack}`)].join(
      '\n',
    );
    expect(said).toContain('HTTP 503');
    expect(said).not.toContain('SECRET');
  });

  test('user info in the URL goes out as Basic auth, not in the URL', async () => {
    const r = await receiver();
    const hook = webhookNotifier({ url: `${r.url.replace('//', '//ops:p%40ss@')}/in` });
    expect(hook.name).toBe(`webhook:127.0.0.1:${r.port}/in`);
    const h = harness([hook]);
    await h.send([sessionStarted(1)]);
    await h.settled(hook.name);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.url).toBe('/in');
    expect(r.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:p@ss').toString('base64')}`);
  });

  test('sends only the events asked for, in the chosen format', async () => {
    const r = await receiver();
    const hook = webhookNotifier({ url: `${r.url}/gotify`, events: ['unavailable.long'], format: 'gotify' });
    const h = harness([hook]);
    const alert = createEvent('unavailable.long', at, {
      userId: 'u1',
      displayName: 'Ada Novak',
      severity: 3,
      status: 'away',
      since: '2026-03-02T09:00:00.000Z',
      durationMs: 30 * 60_000,
      thresholdMs: 5 * 60_000,
    });
    await h.send([sessionStarted(1), alert]);
    await h.settled(hook.name);
    expect(r.bodies()).toEqual([
      {
        title: 'Unavailable for long',
        message: 'Ada Novak has been away for 30 min, since 2026-03-02 09:00 UTC.',
        priority: 10,
      },
    ]);
  });
});
