import { ConfigError, createTracker, manualClock, memoryStore, ProviderError } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { providerConformance } from '@presence-tracker/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { mattermostOpenApi } from './__fixtures__/openapi.ts';
import type { ChannelGroup } from './directory.ts';
import { type MattermostProviderOptions, mattermostProvider } from './index.ts';
import { type FakeServer, makeData, mmId, startFakeServer } from './testing/index.ts';

const TOKEN = 'personal-access-token';

describe('against a small server', () => {
  let server: FakeServer;
  beforeAll(async () => {
    const data = makeData({ users: 30, channels: 6, teams: 2 });
    data.users.push(
      { id: mmId('bot'), username: 'reminder-bot', email: 'bot@example.com', isBot: true, status: 'online' },
      { id: mmId('gone'), username: 'gone', email: 'gone@example.com', deactivated: true, status: 'offline' },
    );
    data.channels[0]!.members.push(mmId('bot'), mmId('gone'));
    data.channels.push({
      id: mmId('secret'),
      teamId: data.teams[0]!.id,
      name: 'secret',
      displayName: 'Secret',
      members: [data.me, mmId('user1')],
      private: true,
    });
    server = await startFakeServer(data, { inspect: await mattermostOpenApi() });
  });
  afterAll(() => server.close());
  // Every request the provider sent, and every answer, as Mattermost's OpenAPI description has them.
  afterEach(() => {
    const found = server.violations.splice(0);
    expect(found).toEqual([]);
  });

  providerConformance(test, () => mattermostProvider({ url: server.url, token: TOKEN }), {
    knownKeys: ['user1', 'user2@example.com', '@user3'],
    unknownKeys: ['nobody', 'nobody@example.com'],
    prefix: 'token auth conformance',
  });
  providerConformance(
    test,
    () => mattermostProvider({ url: server.url, loginId: 'tracker', password: 'secret-pw' }),
    { knownKeys: ['user4', 'user5'], unknownKeys: ['reminder-bot'], prefix: 'password auth conformance' },
  );

  test('maps every Mattermost status and keeps the raw fields', async () => {
    const clock = manualClock('2026-03-02T09:00:00Z');
    const provider = mattermostProvider({ url: server.url, token: TOKEN }, { clock });
    const words = ['online', 'away', 'dnd', 'offline', 'ooo', 'something-new'];
    const ids = words.map((_, i) => mmId(`user${i}`));
    words.forEach((w, i) => {
      server.setStatus(ids[i]!, w);
    });
    const samples = await provider.getPresence(ids);
    const byId = new Map(samples.map((s) => [s.userId, s]));
    expect(ids.map((id) => byId.get(id)!.status)).toEqual([
      'available',
      'away',
      'dnd',
      'offline',
      'away',
      'unknown',
    ]);
    const ooo = byId.get(ids[4]!)!;
    expect(ooo.raw).toMatchObject({ status: 'ooo', last_activity_at: 1_760_000_000_000 });
    expect(byId.get(ids[2]!)!.raw).toMatchObject({ status: 'dnd', dnd_end_time: 1_760_003_600 });
    expect(ooo.observedAt).toEqual(new Date('2026-03-02T09:00:00Z'));
    expect(ooo.source).toBe('poll');
    await provider.close();
  });

  test('discovers everyone the account can see, each once, with teams and channels (private ones too)', async () => {
    const provider = mattermostProvider({ url: server.url, token: TOKEN });
    const users = await provider.discoverUsers();
    const ids = users.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(users.map((u) => u.key)).toContain('tracker');
    expect(users).toHaveLength(31);
    const user1 = users.find((u) => u.key === 'user1')!;
    expect(user1).toMatchObject({ id: mmId('user1'), displayName: 'User 1', email: 'user1@example.com' });
    const channels = user1.groups!.filter((g): g is ChannelGroup => g.kind === 'channel');
    expect(channels.map((c) => c.name).sort()).toEqual(
      server.data.channels
        .filter((c) => c.members.includes(mmId('user1')))
        .map((c) => c.displayName)
        .sort(),
    );
    expect(channels.map((c) => c.name)).toContain('Secret');
    for (const c of channels) {
      const team = server.data.teams.find((t) => t.id === c.teamId)!;
      expect(c.teamName).toBe(team.displayName);
      expect(user1.groups).toContainEqual({ kind: 'team', id: team.id, name: team.displayName });
    }
    await provider.close();
  });

  test('leaves bots and deactivated accounts out unless asked', async () => {
    const provider = mattermostProvider({ url: server.url, token: TOKEN });
    const keys = (await provider.discoverUsers()).map((u) => u.key);
    expect(keys).not.toContain('reminder-bot');
    expect(keys).not.toContain('gone');
    const { resolved, unresolved } = await provider.resolveUsers(['reminder-bot', 'gone', 'user1']);
    expect(resolved.map((u) => u.key)).toEqual(['user1']);
    expect(unresolved).toEqual([
      { key: 'reminder-bot', reason: expect.stringContaining('bot') },
      { key: 'gone', reason: expect.stringContaining('deactivated') },
    ]);
    const samples = await provider.getPresence([mmId('bot'), mmId('gone'), mmId('user1')]);
    expect(samples.map((s) => s.userId)).toEqual([mmId('user1')]);

    const all = mattermostProvider(
      { url: server.url, token: TOKEN },
      { includeBots: true, includeDeactivated: true },
    );
    const allKeys = (await all.discoverUsers()).map((u) => u.key);
    expect(allKeys).toEqual(expect.arrayContaining(['reminder-bot', 'gone']));
    expect(await all.getPresence([mmId('bot'), mmId('gone')])).toHaveLength(2);
    await Promise.all([provider.close(), all.close()]);
  });

  test('resolves usernames, e-mail addresses and ids', async () => {
    const provider = mattermostProvider({ url: server.url, token: TOKEN });
    const { resolved, unresolved } = await provider.resolveUsers([
      'User7',
      'USER8@example.com',
      mmId('user9'),
      'not/an@email',
    ]);
    expect(resolved.map((u) => [u.key, u.id])).toEqual([
      ['User7', mmId('user7')],
      ['USER8@example.com', mmId('user8')],
      [mmId('user9'), mmId('user9')],
    ]);
    expect(unresolved.map((u) => u.key)).toEqual(['not/an@email']);

    server.data.hideEmails = true;
    const hidden = await provider.resolveUsers(['user8@example.com', 'user8']);
    server.data.hideEmails = false;
    expect(hidden.resolved.map((u) => u.key)).toEqual(['user8']);
    expect(hidden.unresolved).toEqual([
      {
        key: 'user8@example.com',
        reason: expect.stringContaining('does not let this account look people up'),
      },
    ]);
    await provider.close();
  });

  test('encodes an e-mail key in the path, and a key the server refuses is one unresolved key', async () => {
    server.data.users.push({ id: mmId('odd'), username: 'odd', email: 'odd%name@example.com' });
    const provider = mattermostProvider({ url: server.url, token: TOKEN });
    try {
      const { resolved, unresolved } = await provider.resolveUsers([
        'odd%name@example.com',
        'two@at@example.com',
        'user8@example.com',
        'user9',
      ]);
      expect(resolved.map((u) => [u.key, u.id])).toEqual([
        ['odd%name@example.com', mmId('odd')],
        ['user8@example.com', mmId('user8')],
        ['user9', mmId('user9')],
      ]);
      expect(unresolved).toEqual([
        {
          key: 'two@at@example.com',
          reason: expect.stringMatching(/^the server refused this e-mail address \(400/),
        },
      ]);
    } finally {
      server.data.users.pop();
      await provider.close();
    }
  });

  test('a direct or group message channel in channels is a channel of no team', async () => {
    const [u1, u2, u3] = [mmId('user1'), mmId('user2'), mmId('user3')];
    const direct = {
      id: mmId('direct'),
      teamId: '',
      name: `${u1}__${u2}`,
      displayName: '',
      members: [u1, u2],
    };
    const group = {
      id: mmId('group'),
      teamId: '',
      name: 'a4e1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9',
      displayName: 'user1, user2, user3',
      members: [u1, u2, u3],
    };
    server.data.channels.push(direct, group);
    const provider = mattermostProvider(
      { url: server.url, token: TOKEN },
      { channels: [direct.id, group.id] },
    );
    try {
      const users = await provider.discoverUsers();
      expect(users.map((u) => u.key)).toEqual(['user1', 'user2', 'user3']);
      expect(users[0]!.groups).toEqual([
        { kind: 'channel', id: direct.id, name: 'user1, user2', teamId: '', teamName: '' },
        { kind: 'channel', id: group.id, name: 'user1, user2, user3', teamId: '', teamName: '' },
      ]);
      expect(users[2]!.groups).toEqual([
        { kind: 'channel', id: group.id, name: 'user1, user2, user3', teamId: '', teamName: '' },
      ]);
    } finally {
      server.data.channels.splice(-2);
      await provider.close();
    }
  });

  test('skips ids that cannot be Mattermost ids instead of failing the whole batch', async () => {
    const provider = mattermostProvider({ url: server.url, token: TOKEN });
    const samples = await provider.getPresence(['short', mmId('user1'), `${mmId('user2')}x`]);
    expect(samples.map((s) => s.userId)).toEqual([mmId('user1')]);
    await provider.close();
  });

  test('limits discovery to the given teams or channels', async () => {
    const channel = server.data.channels[1]!;
    const team = server.data.teams.find((t) => t.id === channel.teamId)!;
    const provider = mattermostProvider(
      { url: server.url, token: TOKEN },
      { channels: [`${team.name}/${channel.name}`] },
    );
    const users = await provider.discoverUsers();
    expect(users.map((u) => u.id).sort()).toEqual([...channel.members].sort());
    for (const u of users) {
      expect(u.groups).toEqual([
        { kind: 'team', id: team.id, name: team.displayName },
        {
          kind: 'channel',
          id: channel.id,
          name: channel.displayName,
          teamId: team.id,
          teamName: team.displayName,
        },
      ]);
    }
    // Named people carry the groups of the scope they are in.
    const member = users.find((u) => u.key !== 'tracker')!;
    const { resolved } = await provider.resolveUsers([member.key]);
    expect(resolved[0]!.groups).toEqual(member.groups);

    const byTeam = mattermostProvider({ url: server.url, token: TOKEN }, { teams: [team.id] });
    const teamUsers = await byTeam.discoverUsers();
    const inTeam = new Set(
      server.data.channels.filter((c) => c.teamId === team.id && !c.private).flatMap((c) => c.members),
    );
    inTeam.delete(mmId('bot'));
    inTeam.delete(mmId('gone'));
    expect(teamUsers.map((u) => u.id).sort()).toEqual([...inTeam].sort());
    const byName = mattermostProvider({ url: server.url, token: TOKEN }, { teams: [team.name] });
    expect((await byName.discoverUsers()).map((u) => u.id).sort()).toEqual([...inTeam].sort());
    await Promise.all([provider.close(), byTeam.close(), byName.close()]);
  });

  test('reuses the lists it walked until the refresh interval has passed', async () => {
    const provider = mattermostProvider({ url: server.url, token: TOKEN }, { refreshInterval: 60_000 });
    await provider.discoverUsers();
    server.resetCounts();
    await provider.discoverUsers();
    expect(server.log).toHaveLength(0);

    const fresh = mattermostProvider({ url: server.url, token: TOKEN }, { refreshInterval: 0 });
    await fresh.discoverUsers();
    server.resetCounts();
    await new Promise((r) => setTimeout(r, 5));
    await fresh.discoverUsers();
    expect(server.count('GET /api/v4/channels/:id/members')).toBe(server.data.channels.length);
    await Promise.all([provider.close(), fresh.close()]);
  });

  /** A provider whose waits advance a manual clock instead of taking time. */
  const onManualClock = (options: MattermostProviderOptions = {}) => {
    const clock = manualClock('2026-03-02T09:00:00Z');
    const sleep = advancingSleep(clock);
    const provider = mattermostProvider({ url: server.url, token: TOKEN }, { ...options, clock, sleep });
    return { provider, sleep, elapsed: () => clock.now().getTime() - Date.parse('2026-03-02T09:00:00Z') };
  };

  test('waits out 429 as Retry-After says, and then answers', async () => {
    const { provider, sleep } = onManualClock();
    server.throttle(1, 1);
    const samples = await provider.getPresence([mmId('user1')]);
    expect(sleep.waits).toEqual([1000]);
    expect(samples).toHaveLength(1);
    expect(samples[0]!.observedAt).toEqual(new Date('2026-03-02T09:00:01Z'));
    expect(server.log.slice(-3).map((l) => l.status)).toEqual([429, 200, 200]);
    await provider.close();
  });

  test('backs off as retry says when a 429 does not say how long to wait', async () => {
    const { provider, sleep } = onManualClock({ retry: { attempts: 4, baseDelay: 100, maxDelay: 250 } });
    server.throttle(3);
    expect(await provider.getPresence([mmId('user1')])).toHaveLength(1);
    // Doubling from 100 ms up to 250 ms, each wait between half and all of its step.
    expect(sleep.waits).toHaveLength(3);
    const [first, second, third] = sleep.waits as [number, number, number];
    expect(first).toBeGreaterThanOrEqual(50);
    expect(first).toBeLessThanOrEqual(100);
    expect(second).toBeGreaterThanOrEqual(100);
    expect(second).toBeLessThanOrEqual(200);
    expect(third).toBeGreaterThanOrEqual(125);
    expect(third).toBeLessThanOrEqual(250);
    await provider.close();
  });

  test('gives up with PROVIDER_THROTTLED when the limit does not lift in time', async () => {
    const tooLong = onManualClock({ retry: { attempts: 2 }, maxRetryWait: 100 });
    server.throttle(3, 5);
    const error = await tooLong.provider.getPresence([mmId('user1')]).catch((e: unknown) => e);
    expect(tooLong.sleep.waits).toEqual([]);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'PROVIDER_THROTTLED',
      status: 429,
      details: { retryAfterMs: 5000, attempts: 1 },
    });

    const tooOften = onManualClock({ retry: { attempts: 2 } });
    server.throttle(3, 1);
    const again = await tooOften.provider.getPresence([mmId('user1')]).catch((e: unknown) => e);
    expect(tooOften.sleep.waits).toEqual([1000]);
    expect(again).toMatchObject({ code: 'PROVIDER_THROTTLED', details: { retryAfterMs: 1000, attempts: 2 } });
    server.throttle(0);
    await Promise.all([tooLong.provider.close(), tooOften.provider.close()]);
  });

  test('keeps to requestsPerSecond', async () => {
    const { provider, elapsed } = onManualClock({ requestsPerSecond: 10, batchSize: 5 });
    const ids = Array.from({ length: 25 }, (_, i) => mmId(`user${i}`));
    await provider.getPresence(ids.slice(0, 1));
    const started = elapsed();
    await provider.getPresence(ids);
    // 24 profiles not yet known and 25 statuses, in batches of 5: ten requests, each 100 ms after the
    // one before.
    expect(server.log.slice(-10).map((l) => l.path)).toEqual([
      ...Array(5).fill('/api/v4/users/ids'),
      ...Array(5).fill('/api/v4/users/status/ids'),
    ]);
    expect(elapsed() - started).toBe(1000);
    await provider.close();
  });

  test('signs in again once when the session expires', async () => {
    const provider = mattermostProvider({ url: server.url, loginId: 'tracker', password: 'secret-pw' });
    server.resetCounts();
    expect(await provider.getPresence([mmId('user1')])).toHaveLength(1);
    expect(server.count('POST /api/v4/users/login')).toBe(1);
    server.expireSessions();
    expect(await provider.getPresence([mmId('user1'), mmId('user2')])).toHaveLength(2);
    expect(server.count('POST /api/v4/users/login')).toBe(2);
    expect(server.log.filter((l) => l.status === 401)).toHaveLength(1);
    await provider.close();
  });

  test('requests in flight when the session expires all wait for one new login', async () => {
    const provider = mattermostProvider(
      { url: server.url, loginId: 'tracker', password: 'secret-pw' },
      { batchSize: 2, concurrency: 4 },
    );
    const ids = Array.from({ length: 8 }, (_, i) => mmId(`user${i}`));
    expect(await provider.getPresence(ids)).toHaveLength(8);
    server.resetCounts();
    server.expireSessions();
    expect(await provider.getPresence(ids)).toHaveLength(8);
    expect(server.count('POST /api/v4/users/login')).toBe(1);
    // Each of the four batches was refused once with the old session, and then answered.
    expect(server.log.filter((l) => l.status === 401)).toHaveLength(4);
    expect(server.count('POST /api/v4/users/status/ids')).toBe(8);
    await provider.close();
  });

  test('a refused token or password is PROVIDER_AUTH, and the secret never appears', async () => {
    const badToken = mattermostProvider({ url: server.url, token: 'wrong-token-value' });
    const e1 = await badToken.getPresence([mmId('user1')]).catch((e: unknown) => e);
    expect(e1).toMatchObject({ code: 'PROVIDER_AUTH', status: 401, provider: 'mattermost' });
    expect(String((e1 as Error).message)).not.toContain('wrong-token-value');

    const badPassword = mattermostProvider({
      url: server.url,
      loginId: 'tracker',
      password: 'hunter2-not-it',
    });
    const e2 = await badPassword.discoverUsers().catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: 'PROVIDER_AUTH', status: 401 });
    expect((e2 as Error).message).toContain('tracker');
    expect(JSON.stringify({ m: (e2 as Error).message, d: (e2 as ProviderError).details })).not.toContain(
      'hunter2',
    );
  });

  test('an unreachable server is a ProviderError naming the request', async () => {
    const provider = mattermostProvider({ url: 'http://127.0.0.1:1', token: TOKEN });
    const error = await provider.getPresence([mmId('user1')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/could not reach Mattermost for POST \/api\/v4\/users\/ids/);
  });

  test('pushes the account’s own status changes over the WebSocket, when asked', async () => {
    expect(mattermostProvider({ url: server.url, token: TOKEN }).subscribe).toBeUndefined();
    const provider = mattermostProvider(
      { url: server.url, loginId: 'tracker', password: 'secret-pw' },
      { pushOwnStatus: true, clock: manualClock('2026-03-02T10:00:00Z') },
    );
    const others = await provider.subscribe!([mmId('user1')], () => {});
    expect(server.sockets.get(server.data.me) ?? 0).toBe(0);
    await others.close();

    const received: unknown[] = [];
    const subscription = await provider.subscribe!([server.data.me, mmId('user1')], (s) =>
      received.push(...s),
    );
    await server.waitForSocket(server.data.me);
    server.pushStatus(mmId('user1'), 'away');
    server.pushStatus(server.data.me, 'ooo');
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toEqual({
      userId: server.data.me,
      status: 'away',
      observedAt: new Date('2026-03-02T10:00:00Z'),
      raw: { status: 'ooo' },
      source: 'push',
    });
    await subscription.close();
    await expect.poll(() => server.sockets.get(server.data.me)).toBe(0);
    await provider.close();
  });

  test('works as the tracker’s provider, discovering everyone', async () => {
    const clock = manualClock('2026-03-02T09:00:00Z');
    const store = memoryStore();
    const tracker = createTracker({
      provider: mattermostProvider({ url: server.url, token: TOKEN }, { clock }),
      store,
      users: 'discover',
      clock,
    });
    const result = await tracker.runOnce();
    expect(result.samples).toBe(31);
    clock.advance(60_000);
    await tracker.stop();
    const users = await store.users();
    expect(users).toHaveLength(31);
    expect(users.find((u) => u.key === 'user1')!.groups!.some((g) => g.kind === 'channel')).toBe(true);
  });
});

describe('at scale', () => {
  test('5,000 users in 40 channels cost a handful of status requests per poll, not one per channel', async () => {
    const server = await startFakeServer(makeData({ users: 5000, channels: 40, teams: 2, perUser: 4 }), {
      inspect: await mattermostOpenApi(),
    });
    try {
      const provider = mattermostProvider({ url: server.url, token: TOKEN });
      const users = await provider.discoverUsers();
      expect(users).toHaveLength(5001);
      expect(new Set(users.map((u) => u.id)).size).toBe(5001);
      const inFour = users.find((u) => u.key === 'user42')!;
      expect(inFour.groups!.filter((g) => g.kind === 'channel')).toHaveLength(4);

      for (let poll = 0; poll < 2; poll++) {
        server.resetCounts();
        const samples = await provider.getPresence(users.map((u) => u.id));
        expect(samples).toHaveLength(5001);
        expect(server.count('POST /api/v4/users/status/ids')).toBe(6);
        expect(server.log).toHaveLength(6);
      }
      await provider.close();
      expect(server.violations).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('the check against Mattermost’s OpenAPI description', () => {
  test('refuses requests the description does not allow, and flags answers of the wrong shape', async () => {
    const inspect = await mattermostOpenApi();
    const server = await startFakeServer(makeData({ users: 2, channels: 1 }), { inspect });
    try {
      const get = (path: string, init: RequestInit = {}) =>
        fetch(`${server.url}${path}`, {
          ...init,
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        });
      const refused = [
        await get('/api/v4/teams/'),
        await get('/api/v4/users/email/odd%name@example.com'),
        await get('/api/v4/users/status/ids', { method: 'POST', body: '{"ids":[]}' }),
        await get('/api/v4/users?page=first'),
        await get('/api/v4/no/such/route'),
      ];
      expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      expect(server.violations).toEqual([
        'GET /api/v4/teams/: the path /api/v4/teams/ has an empty segment',
        'GET /api/v4/users/email/odd%name@example.com: the path segment odd%name@example.com is not valid percent-encoding',
        'POST /api/v4/users/status/ids: GetUsersStatusesByIds: /requestBody must be array',
        'GET /api/v4/users?page=first: GetUsers: /query/page must be integer',
        "GET /api/v4/no/such/route: no operation of Mattermost's API v4 is GET /api/v4/no/such/route",
      ]);
      // A well-formed request passes, and its answer is checked too.
      expect((await get('/api/v4/users/me')).status).toBe(200);
      expect(server.violations).toHaveLength(5);
      const exchange = { method: 'POST', url: '/api/v4/users/status/ids', headers: {}, body: [mmId('x')] };
      expect(inspect.response(exchange, 200, [{ user_id: mmId('x'), status: 'online' }])).toEqual([]);
      expect(inspect.response(exchange, 200, { user_id: mmId('x') })).toEqual([
        'GetUsersStatusesByIds answered 200: (body) must be array',
      ]);
      expect(inspect.response(exchange, 429, { status_code: '429' })).toEqual([
        'GetUsersStatusesByIds answered 429: not an AppError: must be integer',
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('options', () => {
  test('bad options are a ConfigError naming each field', () => {
    const attempt = (auth: unknown, options?: unknown) => {
      try {
        mattermostProvider(auth as never, options as never);
      } catch (error) {
        return error;
      }
      return null;
    };
    const e1 = attempt({ url: 'ftp://x', token: '' });
    expect(ConfigError.isInstance(e1)).toBe(true);
    expect((e1 as ConfigError).issues.map((i) => i.path)).toEqual(['url', 'token']);

    const e2 = attempt(
      { url: 'https://chat.example.com', loginId: 'ada' },
      { batchSize: 0, channels: ['general'] },
    );
    expect((e2 as ConfigError).issues.map((i) => i.path)).toEqual(['password', 'channels', 'batchSize']);

    const e3 = attempt({ url: 'https://chat.example.com' });
    expect((e3 as ConfigError).message).toContain('expected either token, or loginId and password');

    const e5 = attempt(
      { url: 'https://chat.example.com', token: 't' },
      { retry: { retries: 3, attempts: 0 }, sleep: 100 },
    );
    expect((e5 as ConfigError).issues.map((i) => i.path)).toEqual([
      'sleep',
      'retry.attempts',
      'retry.retries',
    ]);

    const e4 = attempt({ url: 'not a url', loginId: 'ada', password: 'hunter2' }, { requestsPerSecond: -1 });
    expect((e4 as ConfigError).issues.map((i) => i.path)).toEqual(['url', 'requestsPerSecond']);
    expect((e4 as Error).message).not.toContain('hunter2');
  });

  test('accepts an address with a trailing /api/v4', () => {
    expect(() => mattermostProvider({ url: 'https://chat.example.com/api/v4/', token: 't' })).not.toThrow();
  });
});
