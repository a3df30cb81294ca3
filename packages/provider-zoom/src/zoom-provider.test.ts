import { manualClock, ProviderError } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { afterEach, describe, expect, test } from 'vitest';
import { PLAN_LIMITS, type ZoomProviderOptions, zoomProvider } from './index.ts';
import { type FakeZoom, type FakeZoomOptions, makeUsers, SCOPES, startFakeZoom } from './testing/index.ts';

const START = Date.UTC(2026, 2, 2, 9, 0);
const fakes: FakeZoom[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

/** A fake Zoom and a provider pointed at it, both on one manual clock that the provider's waits advance. */
async function setup(fake: FakeZoomOptions = {}, options: Partial<ZoomProviderOptions> = {}) {
  const clock = manualClock(START);
  const sleep = advancingSleep(clock);
  const zoom = await startFakeZoom({ clock, ...fake });
  fakes.push(zoom);
  const provider = zoomProvider({
    accountId: zoom.accountId,
    clientId: zoom.clientId,
    clientSecret: zoom.clientSecret,
    baseUrl: zoom.url,
    oauthUrl: zoom.oauthUrl,
    clock,
    sleep,
    ...options,
  });
  return { clock, sleep, zoom, provider };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!ProviderError.isInstance(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

describe('status', () => {
  // Every value Zoom documents, both spellings where the endpoint and the webhook differ.
  const table: [string, string][] = [
    ['Available', 'available'],
    ['Away', 'away'],
    ['Do_Not_Disturb', 'dnd'],
    ['Do_No_Disturb', 'dnd'],
    ['In_Meeting', 'busy'],
    ['In_A_Zoom_Meeting', 'busy'],
    ['Presenting', 'busy'],
    ['On_Phone_Call', 'busy'],
    ['On_A_Call', 'busy'],
    ['In_Calendar_Event', 'busy'],
    ['Busy', 'busy'],
    ['Out_of_Office', 'away'],
    ['Offline', 'offline'],
    ['Something_New', 'unknown'],
  ];

  test('each presence value maps to its model status, the answer kept in raw', async () => {
    const users = makeUsers(table.length).map((u, i) => ({ ...u, presence: table[i]![0] }));
    const { provider } = await setup({ users });
    const samples = await provider.getPresence(users.map((u) => u.id));
    const byId = new Map(samples.map((s) => [s.userId, s]));
    for (const [i, [value, status]] of table.entries()) {
      const s = byId.get(users[i]!.id)!;
      expect([value, s.status]).toEqual([value, status]);
      expect(s.raw).toEqual({ status: value });
      expect(s.source).toBe('poll');
      expect(s.observedAt.getTime()).toBe(START);
    }
  });
});

describe('keys', () => {
  test('an e-mail (any case, + and all) or a user id resolves; an unknown or deactivated one does not', async () => {
    const users = makeUsers(3);
    users[0]!.email = 'ada+zoom@example.com';
    users[2]!.status = 'inactive';
    const { provider, zoom } = await setup({ users });
    const result = await provider.resolveUsers([
      'ADA+zoom@example.com',
      users[1]!.id,
      users[2]!.email,
      'x@y.z',
    ]);
    expect(result.resolved).toEqual([
      {
        key: 'ADA+zoom@example.com',
        id: users[0]!.id,
        displayName: 'Person 00001',
        email: 'ada+zoom@example.com',
      },
      { key: users[1]!.id, id: users[1]!.id, displayName: 'Person 00002', email: users[1]!.email },
    ]);
    expect(result.unresolved.map((u) => u.key)).toEqual([users[2]!.email, 'x@y.z']);
    expect(result.unresolved[0]!.reason).toMatch(/deactivated/);
    // The + stayed in the path segment rather than becoming a space.
    expect(zoom.requests.map((r) => r.path)).toContain('/users/ADA%2Bzoom%40example.com');
  });

  test('discoverUsers pages through every active user, 300 a page', async () => {
    const users = makeUsers(650);
    for (const u of users.slice(640)) u.status = 'inactive';
    const { provider, zoom } = await setup({ users });
    const found = await provider.discoverUsers();
    expect(found).toHaveLength(640);
    expect(new Set(found.map((u) => u.id)).size).toBe(640);
    expect(found[0]).toEqual({
      key: 'person00001@example.com',
      id: users[0]!.id,
      displayName: 'Person 00001',
      email: 'person00001@example.com',
    });
    expect(zoom.requests.filter((r) => r.path === '/users')).toHaveLength(3);
  });
});

describe('credentials', () => {
  test('the token is kept until it expires on the clock, then renewed', async () => {
    const { provider, zoom, clock } = await setup();
    const ids = zoom.users.map((u) => u.id);
    await provider.getPresence(ids);
    clock.advance(50 * 60_000);
    await provider.getPresence(ids);
    expect(zoom.tokensIssued).toBe(1);
    clock.advance(10 * 60_000); // 60 min: within the renewal margin
    await provider.getPresence(ids);
    expect(zoom.tokensIssued).toBe(2);
  });

  test('a revoked token is renewed once and the request answered', async () => {
    const { provider, zoom } = await setup();
    const ids = zoom.users.map((u) => u.id);
    await provider.getPresence(ids);
    zoom.revokeTokens();
    expect(await provider.getPresence(ids)).toHaveLength(ids.length);
    expect(zoom.tokensIssued).toBe(2);
    expect(zoom.requests.filter((r) => r.status === 401).length).toBeGreaterThan(0);
  });

  test('a token Zoom keeps refusing is PROVIDER_AUTH after one renewal', async () => {
    const { provider, zoom } = await setup();
    zoom.refuseTokens = true;
    const error = await failure(provider.getPresence([zoom.users[0]!.id]));
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(error.message).toMatch(/refused a freshly issued access token.*124: Invalid access token/);
    expect(zoom.tokensIssued).toBe(2);
  });

  test('a wrong client secret is PROVIDER_AUTH in plain words, the secret named nowhere', async () => {
    const logged: unknown[] = [];
    const log = (fields: unknown, message?: string) => logged.push(fields, message);
    const { provider, zoom } = await setup(
      {},
      {
        clientSecret: 'wrong-secret-value',
        logger: { debug: log, info: log, warn: log, error: log },
      },
    );
    const error = await failure(provider.resolveUsers(['person00001@example.com']));
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(error.message).toMatch(/refused the Client ID or Client Secret \(invalid_client/);
    const everything = JSON.stringify([error.message, error.details, logged]);
    expect(everything).not.toContain('wrong-secret-value');
    expect(everything).not.toContain(zoom.clientSecret);
  });

  test('a wrong account id is PROVIDER_AUTH naming the Account ID', async () => {
    const { provider } = await setup({}, { accountId: 'someone-else' });
    const error = await failure(provider.resolveUsers(['person00001@example.com']));
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(error.message).toMatch(/check the Account ID/);
  });

  test('a missing scope is named', async () => {
    const { provider, zoom } = await setup({ scopes: [SCOPES.getUser, SCOPES.listUsers] });
    const error = await failure(provider.getPresence([zoom.users[0]!.id]));
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(error.message).toContain('lacks the scope user:read:presence_status:admin');
    expect(error.details?.missingScopes).toEqual(['user:read:presence_status:admin']);
  });
});

describe('rate limits', () => {
  test('each poll reads what the budget allows now, the least recently read first', async () => {
    // Pro: 20 presence requests a second; a 1 s poll window reads 20 people a poll.
    const users = makeUsers(50);
    const { provider, zoom, clock } = await setup({ users }, { pollWindow: 1000 });
    expect(provider.pollCapacity).toBe(20);
    const ids = users.map((u) => u.id);
    const polls: string[][] = [];
    for (let i = 0; i < 4; i++) {
      polls.push((await provider.getPresence(ids)).map((s) => s.userId).sort());
      clock.advance(60_000);
    }
    expect(polls.map((p) => p.length)).toEqual([20, 20, 20, 20]);
    expect(polls[0]).toEqual(ids.slice(0, 20));
    expect(polls[1]).toEqual(ids.slice(20, 40));
    // The third poll takes the ten never read, then the ten read longest ago.
    expect(polls[2]).toEqual([...ids.slice(0, 10), ...ids.slice(40, 50)].sort());
    expect(zoom.requests.filter((r) => r.status === 429)).toEqual([]);
  });

  test('a poll never waits past its window: the per-second budget paces it inside', async () => {
    const users = makeUsers(100);
    // One at a time, so no request is in flight while a wait moves the shared clock on.
    const { provider, clock, zoom } = await setup({ users }, { pollWindow: 3000, concurrency: 1 });
    const samples = await provider.getPresence(users.map((u) => u.id));
    expect(samples).toHaveLength(60);
    expect(clock.now().getTime() - START).toBeLessThanOrEqual(3000);
    expect(zoom.requests.filter((r) => r.status === 429)).toEqual([]);
  });

  test('429 for the second: Retry-After honoured, the reading made', async () => {
    const { provider, zoom, sleep } = await setup();
    zoom.throttleNext(1, 3);
    const samples = await provider.getPresence([zoom.users[0]!.id]);
    expect(samples).toHaveLength(1);
    expect(sleep.waits).toContain(3000);
  });

  test("a Retry-After wait ends when the caller's signal aborts, and nothing more is asked", async () => {
    const stop = new AbortController();
    const clock = manualClock(START);
    const advancing = advancingSleep(clock);
    // The tracker stops while the provider is about to wait out the Retry-After.
    const sleep = (ms: number, signal?: AbortSignal) => {
      if (ms === 30_000) stop.abort(new Error('the tracker is stopping'));
      return advancing(ms, signal);
    };
    const { provider, zoom } = await setup({ clock }, { clock, sleep });
    zoom.throttleNext(1, 30);
    const asked = () => zoom.requests.filter((r) => r.path.endsWith('/presence_status')).length;
    await expect(provider.getPresence([zoom.users[0]!.id], { signal: stop.signal })).rejects.toThrow(
      'the tracker is stopping',
    );
    expect(advancing.waits).not.toContain(30_000);
    expect(asked()).toBe(1);
  });

  test("the daily limit is PROVIDER_THROTTLED with the reset time, and lifts at Zoom's midnight", async () => {
    // Another app on the account has used most of the day: Zoom allows three more.
    const limits = { ...PLAN_LIMITS.free, medium: { perSecond: 2, perDay: 3 } };
    const users = makeUsers(5);
    const { provider, clock } = await setup({ users, limits }, { plan: 'free', concurrency: 1 });
    const ids = users.map((u) => u.id);
    const first = await provider.getPresence(ids);
    expect(first).toHaveLength(3);
    const error = await failure(provider.getPresence(ids));
    expect(error.code).toBe('PROVIDER_THROTTLED');
    expect(error.message).toContain('2026-03-03T00:00:00.000Z');
    expect(error.details?.resetAt).toBe('2026-03-03T00:00:00.000Z');
    clock.set(Date.UTC(2026, 2, 3, 0, 0, 1));
    // The two never read go first, then the one read longest ago; Zoom allows three again.
    expect((await provider.getPresence(ids)).map((s) => s.userId)).toEqual([ids[3], ids[4], ids[0]]);
  });

  test("the plan's own daily cap is kept without asking Zoom", async () => {
    // Free: 2,000 presence requests a day. Zoom here enforces no daily cap, so only the provider's count stops it.
    const users = makeUsers(100);
    const { provider, zoom } = await setup(
      { users, limits: PLAN_LIMITS.pro },
      { plan: 'free', pollWindow: 60_000 },
    );
    const ids = users.map((u) => u.id);
    for (let poll = 0; poll < 20; poll++) expect(await provider.getPresence(ids)).toHaveLength(100);
    const asked = zoom.requests.length;
    const error = await failure(provider.getPresence(ids));
    expect(error.code).toBe('PROVIDER_THROTTLED');
    expect(error.details?.resetAt).toBe('2026-03-03T00:00:00.000Z');
    expect(zoom.requests.length).toBe(asked);
  });

  test('sweepDuration: the per-second limit, the daily cap, and the polls', async () => {
    const { provider } = await setup();
    expect(provider.sweepDuration(0)).toBe(0);
    // Choosing whom to read within the budget, it is asked about everyone at once.
    expect(provider.pollBatchSize).toBe(Number.POSITIVE_INFINITY);
    expect(provider.sweepDuration(2000)).toBe(100_000); // 20 a second
    expect(provider.pollCapacity).toBe(200); // 10 s of budget a poll
    expect(provider.sweepDuration(2000, 60_000)).toBe(600_000); // 10 polls, a minute apart
    const free = await setup({}, { plan: 'free' });
    expect(free.provider.sweepDuration(1000)).toBe(43_200_000); // half the 2,000 a day
  });
});

describe('failures', () => {
  test('an unreachable Zoom is PROVIDER_FAILED after the retries', async () => {
    const { provider, zoom, sleep } = await setup(
      {},
      { retry: { attempts: 3, baseDelay: 100, maxDelay: 1000 } },
    );
    const url = zoom.url;
    await zoom.close();
    fakes.length = 0;
    const error = await failure(provider.resolveUsers(['person00001@example.com']));
    expect(error.code).toBe('PROVIDER_FAILED');
    expect(error.message).toContain(url.replace('/v2', '').replace('http://', ''));
    expect(sleep.waits).toHaveLength(2); // 3 attempts
  });

  test('refuses an address the client secret or a token would reach in clear text', () => {
    const base = { accountId: 'a', clientId: 'c', clientSecret: 's3cr3t-value' };
    const refused = (options: Partial<ZoomProviderOptions>) => {
      try {
        zoomProvider({ ...base, ...options });
        return [];
      } catch (error) {
        expect(JSON.stringify(error)).not.toContain('s3cr3t-value');
        return (error as { issues: { path: string; message: string }[] }).issues;
      }
    };
    expect(
      refused({ baseUrl: 'http://api.zoom.example/v2', oauthUrl: 'http://zoom.example/oauth/token' }),
    ).toMatchObject([
      {
        path: 'baseUrl',
        message: expect.stringContaining(
          'expected the API address, e.g. https://api.zoom.us/v2 (an https address; http only on loopback)',
        ),
      },
      {
        path: 'oauthUrl',
        message: expect.stringContaining(
          'expected the token address, e.g. https://zoom.us/oauth/token (an https address; http only on loopback)',
        ),
      },
    ]);
    // Loopback stays open to http, where fakes and tests listen.
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9000'])
      expect(refused({ baseUrl: `http://${host}/v2`, oauthUrl: `http://${host}/oauth/token` }), host).toEqual(
        [],
      );
    expect(refused({ baseUrl: 'https://api.zoom.us/v2', oauthUrl: 'https://zoom.us/oauth/token' })).toEqual(
      [],
    );
  });

  test('bad options are named, secrets never echoed', () => {
    expect(() =>
      zoomProvider({
        accountId: '',
        clientId: 'c',
        clientSecret: 's3cr3t-value',
        baseUrl: 'ftp://x',
        plan: 'gold' as 'pro',
        retry: { attempts: 0 },
        pollWindow: 10,
        extra: 1,
      } as ZoomProviderOptions),
    ).toThrowError(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'accountId' }),
          expect.objectContaining({ path: 'baseUrl' }),
          expect.objectContaining({ path: 'plan' }),
          expect.objectContaining({ path: 'retry.attempts' }),
          expect.objectContaining({ path: 'pollWindow' }),
          expect.objectContaining({ path: 'extra' }),
        ]),
      }),
    );
    // A misspelt option is named with the one that was probably meant.
    expect(() =>
      zoomProvider({ acountId: 'a', clientId: 'c', clientSecret: 's3cr3t-value' } as never),
    ).toThrowError(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({
            path: 'acountId',
            message: expect.stringContaining('did you mean accountId?'),
          }),
        ]),
      }),
    );
    try {
      zoomProvider({ accountId: 'a', clientId: 'c', clientSecret: 's3cr3t-value', baseUrl: 'nope' });
    } catch (error) {
      expect(JSON.stringify(error)).not.toContain('s3cr3t-value');
      expect(String(error)).not.toContain('s3cr3t-value');
    }
  });
});
