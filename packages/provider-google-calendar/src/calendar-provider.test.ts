import { manualClock, ProviderError } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS_SCOPE, FREEBUSY_SCOPE, googleCalendarProvider } from './index.ts';
import { type FakeCalendar, type FakeCalendarOptions, startFakeCalendar } from './testing/index.ts';

const at = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00Z`);

let google: FakeCalendar | undefined;
afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function setup(fake: FakeCalendarOptions = {}, options: Record<string, unknown> = {}) {
  const clock = manualClock(at('08:00'));
  const sleep = advancingSleep(clock);
  google = await startFakeCalendar({ clock, ...fake });
  const provider = googleCalendarProvider({
    credentials: google.serviceAccount,
    subject: 'admin@example.com',
    baseUrl: google.url,
    clock,
    sleep,
    ...options,
  });
  return { clock, sleep, google, provider };
}

const day: FakeCalendarOptions = {
  calendars: {
    'ada@example.com': [
      { start: at('09:00'), end: at('10:00') },
      { start: at('10:00'), end: at('10:30') },
      { start: at('12:00'), end: at('13:00'), transparency: 'transparent' },
      { start: at('14:00'), end: at('18:00'), eventType: 'outOfOffice' },
    ],
    'grace@example.com': [{ start: at('07:00'), end: at('08:30'), eventType: 'focusTime' }],
  },
};

describe('googleCalendarProvider', () => {
  it('reads busy, available and out of office, each with the instant it holds until', async () => {
    const { clock, provider } = await setup(day);
    const read = async (hhmm: string) => {
      clock.set(at(hhmm));
      const samples = await provider.getPresence(['ada@example.com', 'grace@example.com']);
      return samples.map((s) => [s.userId, s.status, s.validUntil?.toISOString().slice(11, 16), s.raw]);
    };
    expect(await read('08:00')).toEqual([
      ['ada@example.com', 'available', '09:00', { freeBusy: 'free' }],
      ['grace@example.com', 'busy', '08:30', { freeBusy: 'busy' }],
    ]);
    // Back-to-back meetings are one busy block; a transparent event does not block time.
    expect((await read('09:15'))[0]).toEqual(['ada@example.com', 'busy', '10:30', { freeBusy: 'busy' }]);
    expect((await read('11:00'))[0]).toEqual(['ada@example.com', 'available', '14:00', { freeBusy: 'free' }]);
    expect((await read('14:00'))[0]).toEqual([
      'ada@example.com',
      'offline',
      '18:00',
      { freeBusy: 'busy', reason: 'outOfOffice' },
    ]);
    // Nothing ahead within lookAhead (8 hours): the reading holds to the end of what was read.
    expect((await read('18:00'))[1]).toEqual([
      'grace@example.com',
      'available',
      '02:00',
      { freeBusy: 'free' },
    ]);
    await provider.close();
  });

  it('stamps every sample with the clock at the poll', async () => {
    const { provider } = await setup(day);
    const samples = await provider.getPresence(['ada@example.com']);
    expect(samples.map((s) => [s.observedAt.toISOString(), s.source])).toEqual([
      [at('08:00').toISOString(), 'poll'],
    ]);
  });

  it('asks free/busy about at most 50 calendars a request', async () => {
    const calendars = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`p${i}@example.com`, []]));
    const { provider, google } = await setup({ calendars }, { outOfOffice: false });
    const samples = await provider.getPresence(Object.keys(calendars));
    expect(samples).toHaveLength(120);
    expect(samples.every((s) => s.status === 'available')).toBe(true);
    const asked = google.requests.filter((r) => r.kind === 'freeBusy').map((r) => r.items);
    expect(asked.sort()).toEqual([20, 50, 50]);
  });

  it('reads out-of-office events at most once per outOfOfficeEvery for each person', async () => {
    const { clock, provider, google } = await setup(day, { outOfOfficeEvery: 15 * 60_000 });
    const ids = ['ada@example.com', 'grace@example.com'];
    const readsAt = new Map<string, number[]>(ids.map((id) => [id, []]));
    const poll = async (minute: number) => {
      clock.set(new Date(at('08:00').getTime() + minute * 60_000));
      const seen = google.requests.length;
      const samples = await provider.getPresence(ids);
      for (const r of google.requests.slice(seen))
        if (r.kind === 'events') readsAt.get(r.calendarId!)!.push(minute);
      return samples;
    };
    for (let minute = 0; minute < 60; minute++) await poll(minute);
    expect(google.count('freeBusy')).toBe(60);
    for (const minutes of readsAt.values()) {
      expect(minutes.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < minutes.length; i++)
        expect(minutes[i]! - minutes[i - 1]!).toBeGreaterThanOrEqual(15);
    }
    // An out-of-office event added now is seen at Grace's next read of her events, not before.
    google.calendars['grace@example.com']!.push({
      start: at('08:40'),
      end: at('17:00'),
      eventType: 'outOfOffice',
    });
    let minute = 60;
    for (;;) {
      const reads = readsAt.get('grace@example.com')!.length;
      const status = (await poll(minute))[1]!.status;
      const readNow = readsAt.get('grace@example.com')!.length > reads;
      expect(status).toBe(readNow ? 'offline' : 'busy');
      if (readNow) break;
      minute++;
    }
    expect(minute - readsAt.get('grace@example.com')!.at(-2)!).toBeGreaterThanOrEqual(15);
  });

  it('makes a calendar it cannot see unresolved, and unknown if asked for anyway, never a failed poll', async () => {
    const { provider } = await setup({
      ...day,
      access: { 'hidden@example.com': 'none' },
      groups: { 'all@example.com': Array.from({ length: 101 }, (_, i) => `p${i}@example.com`) },
    });
    const { resolved, unresolved } = await provider.resolveUsers([
      'ada@example.com',
      'hidden@example.com',
      'all@example.com',
      'ada',
    ]);
    expect(resolved).toEqual([{ key: 'ada@example.com', id: 'ada@example.com', email: 'ada@example.com' }]);
    expect(unresolved.map((u) => [u.key, u.reason])).toEqual([
      ['ada', "expected an e-mail address (the person's primary calendar id)"],
      ['hidden@example.com', expect.stringMatching(/no calendar with this id is visible/)],
      ['all@example.com', expect.stringMatching(/group too large/)],
    ]);
    const samples = await provider.getPresence(['ada@example.com', 'hidden@example.com', 'all@example.com']);
    expect(samples.map((s) => [s.userId, s.status, s.raw])).toEqual([
      ['ada@example.com', 'available', { freeBusy: 'free' }],
      ['hidden@example.com', 'unknown', { errors: ['notFound'] }],
      ['all@example.com', 'unknown', { errors: ['groupTooBig'] }],
    ]);
    expect(samples[1]!.validUntil).toBeUndefined();
  });

  it('uses free/busy alone for a person whose events it may not read', async () => {
    const { provider, google } = await setup({
      calendars: { 'ada@example.com': [{ start: at('07:00'), end: at('12:00'), eventType: 'outOfOffice' }] },
      access: { 'ada@example.com': 'freeBusy' },
    });
    const [sample] = await provider.getPresence(['ada@example.com']);
    expect(sample).toMatchObject({ status: 'busy', raw: { freeBusy: 'busy' } });
    await provider.getPresence(['ada@example.com']);
    expect(google.requests.filter((r) => r.kind === 'events').map((r) => r.status)).toEqual([403]);
  });

  it('waits out the per-minute quota (403 rateLimitExceeded) and holds every request meanwhile', async () => {
    const calendars = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}@example.com`, []]));
    // Back-off long enough to outlast the sliding minute (at least 79.5 s over nine waits).
    const retry = { attempts: 10, baseDelay: 1000, maxDelay: 32_000 };
    const { provider, google, sleep } = await setup(
      { calendars, perMinutePerUser: 5 },
      { concurrency: 1, retry },
    );
    const samples = await provider.getPresence(Object.keys(calendars));
    expect(samples).toHaveLength(8);
    const statuses = google.requests.filter((r) => r.kind !== 'token').map((r) => r.status);
    expect(statuses).toContain(403);
    expect(statuses.filter((s) => s === 200)).toHaveLength(9);
    expect(sleep.waits.some((w) => w > 0)).toBe(true);
  });

  /** Google's answer to a free/busy request over the per-minute quota, asking for 7 s. */
  const FREEBUSY_429 = {
    status: 429,
    reason: 'rateLimitExceeded',
    domain: 'usageLimits',
    retryAfter: 7,
    kind: 'freeBusy',
  } as const;

  it('honours Retry-After on a 429, and retries a server error', async () => {
    const { provider, google, sleep } = await setup(day);
    google.failNext(1, FREEBUSY_429);
    google.failNext(1, { status: 503, reason: 'backendError', kind: 'events' });
    const samples = await provider.getPresence(['ada@example.com']);
    expect(samples[0]!.status).toBe('available');
    expect(sleep.waits).toContain(7000);
    expect(
      google.requests
        .filter((r) => r.kind !== 'token')
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 200, 429, 503]);
  });

  it("gives up a Retry-After wait when the caller's signal aborts, and asks no more", async () => {
    const stop = new AbortController();
    // The tracker stops while the provider is about to wait out the Retry-After.
    const sleep = async (ms: number, signal?: AbortSignal) => {
      if (ms === 7000) stop.abort(new Error('the tracker is stopping'));
      if (signal?.aborted) throw signal.reason;
    };
    const { provider, google } = await setup(day, { sleep });
    google.failNext(1, FREEBUSY_429);
    await expect(provider.getPresence(['ada@example.com'], { signal: stop.signal })).rejects.toThrow(
      'the tracker is stopping',
    );
    expect(google.requests.filter((r) => r.kind === 'freeBusy').map((r) => r.status)).toEqual([429]);
  });

  it('fails the poll in plain words when the quota stays spent or the day is over', async () => {
    const { provider, google } = await setup(day, { retry: { attempts: 2, baseDelay: 10, maxDelay: 10 } });
    google.failNext(2, { status: 403, reason: 'rateLimitExceeded', domain: 'usageLimits', kind: 'freeBusy' });
    const throttled = await provider.getPresence(['ada@example.com']).catch((e) => e);
    expect(ProviderError.isInstance(throttled)).toBe(true);
    expect(throttled).toMatchObject({ code: 'PROVIDER_THROTTLED', status: 403 });
    expect(throttled.message).toMatch(/per-minute quota after 2 attempts/);

    google.failNext(1, {
      status: 403,
      reason: 'dailyLimitExceeded',
      domain: 'usageLimits',
      kind: 'freeBusy',
    });
    const daily = await provider.getPresence(['ada@example.com']).catch((e) => e);
    expect(daily).toMatchObject({ code: 'PROVIDER_THROTTLED', status: 403 });
    expect(daily.message).toMatch(/quota for today is spent/);
  });

  it('says which scopes to delegate when the service account may not act as the subject', async () => {
    const { provider, google } = await setup({ ...day, delegatedScopes: [FREEBUSY_SCOPE] });
    const error = await provider.getPresence(['ada@example.com']).catch((e) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_AUTH', status: 401 });
    expect(error.message).toContain('Domain-wide delegation');
    expect(error.message).toContain(EVENTS_SCOPE);
    expect(
      JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) }),
    ).not.toMatch(/PRIVATE KEY|ya29/);
    // Asking only for free/busy needs only that scope.
    const freeBusyOnly = googleCalendarProvider({
      credentials: google.serviceAccount,
      subject: 'admin@example.com',
      baseUrl: google.url,
      outOfOffice: false,
    });
    expect((await freeBusyOnly.getPresence(['ada@example.com']))[0]!.status).toBe('available');
  });

  it('refuses a subject outside the domain, and a token the API does not know', async () => {
    const { google } = await setup(day);
    const outsider = googleCalendarProvider({
      credentials: google.serviceAccount,
      subject: 'someone@elsewhere.org',
      baseUrl: google.url,
    });
    await expect(outsider.getPresence(['ada@example.com'])).rejects.toMatchObject({ code: 'PROVIDER_AUTH' });
    const token = google.requests.filter((r) => r.kind === 'token').map((r) => r.status);
    expect(token).toEqual([400]);
  });

  it('signs in with an auth client the host app already has', async () => {
    const { google } = await setup(day);
    const { JWT } = await import('google-auth-library');
    const jwt = new JWT({
      email: google.serviceAccount.client_email,
      key: google.serviceAccount.private_key,
      scopes: [FREEBUSY_SCOPE],
      subject: 'ada@example.com',
    });
    // The host's own client talks to the fake token endpoint through its own transport.
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (config.url.hostname === 'oauth2.googleapis.com') config.url = new URL(google.tokenUrl);
        return config;
      },
    });
    const provider = googleCalendarProvider({ auth: jwt, baseUrl: google.url, outOfOffice: false });
    expect((await provider.getPresence(['ada@example.com']))[0]!.status).toBe('available');
    expect(google.requests.find((r) => r.kind === 'freeBusy')?.subject).toBe('ada@example.com');
  });

  it('names every wrong option without echoing a secret', () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nsecretsecret\n-----END PRIVATE KEY-----';
    const attempt = (options: Record<string, unknown>) => {
      try {
        googleCalendarProvider(options as never);
        return null;
      } catch (error) {
        return error as { issues: Array<{ path: string; message: string }>; message: string };
      }
    };
    expect(attempt({})?.issues).toEqual([
      {
        path: 'credentials',
        message: 'expected one of credentials (a service account key), keyFile or auth',
      },
    ]);
    const bad = attempt({
      credentials: { client_email: 'x@y.iam.gserviceaccount.com', private_key: 'nope' },
      subject: 'admin',
      lookAhead: 5,
      colour: 'blue',
    });
    expect(bad?.issues.map((i) => i.path).sort()).toEqual(['colour', 'lookAhead', 'subject']);
    // A misspelt option is named with the one that was probably meant.
    const typo = attempt({ keyFile: '/k.json', lookahead: 5 });
    expect(typo?.issues.find((i) => i.path === 'lookahead')?.message).toContain('did you mean lookAhead?');
    const key = attempt({ credentials: { private_key: secret } });
    expect(key?.issues.map((i) => i.path)).toEqual(['credentials.client_email']);
    expect(JSON.stringify(key)).not.toContain('secretsecret');
    expect(attempt({ credentials: '{not json' })?.issues[0]).toEqual({
      path: 'credentials',
      message: "expected the service account key file's JSON; it is not JSON",
    });
    // Where the bearer token or the signed assertion would travel in clear text: refused, but on loopback.
    const account = { client_email: 'x@y.iam.gserviceaccount.com', private_key: secret };
    expect(
      attempt({ credentials: account, baseUrl: 'http://www.googleapis.example/' })?.issues,
    ).toMatchObject([
      {
        path: 'baseUrl',
        message: expect.stringContaining(
          'expected the API root, e.g. https://www.googleapis.com/ (an https address; http only on loopback)',
        ),
      },
    ]);
    expect(
      attempt({ credentials: { ...account, token_uri: 'http://oauth2.example.com/token' } })?.issues,
    ).toEqual([
      {
        path: 'credentials.token_uri',
        message: 'expected token_uri (an https address; http only on loopback)',
      },
    ]);
    expect(
      attempt({
        credentials: { ...account, token_uri: 'http://127.0.0.1:9/token' },
        baseUrl: 'http://localhost:9/',
      }),
    ).toBeNull();
    expect(attempt({ keyFile: '/no/such/key.json' })?.issues[0]).toMatchObject({
      path: 'keyFile',
      message: expect.stringMatching(/ENOENT/),
    });
  });
});
