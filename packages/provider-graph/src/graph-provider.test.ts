import { ConfigError, ProviderError } from '@presence-tracker/core';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import batchResponse from './__fixtures__/batch-response.json' with { type: 'json' };
import { graphDescription } from './__fixtures__/graph-description.ts';
import presences from './__fixtures__/presences.json' with { type: 'json' };
import user from './__fixtures__/user.json' with { type: 'json' };
import usersByMail from './__fixtures__/users-by-mail.json' with { type: 'json' };
import { graphProvider } from './index.ts';
import type { GraphProviderOptions } from './options.ts';
import { listCredential } from './testing/credential.ts';
import { type FakeGraph, type FakeUser, MAX_IDS, makeUsers, startFakeGraph } from './testing/fake-graph.ts';
import { trustTestCertificate } from './testing/tls.ts';

const fast = { attempts: 4, baseDelay: 5, maxDelay: 20 };
let graph: FakeGraph;
let description: Awaited<ReturnType<typeof graphDescription>>;

beforeAll(async () => {
  trustTestCertificate();
  description = await graphDescription();
});
// Every request any test made is checked against Microsoft's description of the operations.
afterEach(async () => {
  if (!graph) return;
  const problems = description.problems(graph.requests, graph.issuedLinks, graph.url);
  await graph.close();
  expect(problems).toEqual([]);
});

const provider = (options: Partial<GraphProviderOptions> = {}) =>
  graphProvider({
    credential: listCredential('token-1'),
    baseUrl: graph.url,
    retry: fast,
    timeout: 5_000,
    ...options,
  });

describe('presence', () => {
  beforeEach(async () => {
    graph = await startFakeGraph({ users: makeUsers(1300) });
  });

  test('sends the bearer token to the configured host and asks for Graph .default there', async () => {
    const credential = listCredential('token-1');
    const samples = await provider({ credential }).getPresence(['00000000-0000-4000-8000-000000000001']);
    expect(samples).toHaveLength(1);
    expect(graph.requests.map((r) => r.authorization)).toEqual(['Bearer token-1']);
    expect(credential.calls[0]!.scopes).toEqual([`${graph.url}/.default`]);
  });

  test('reads 1,300 users in exactly 2 presence requests of at most 650 ids', async () => {
    const ids = [...graph.users.keys()];
    const samples = await provider().getPresence(ids);
    expect(graph.presenceRequests().map((r) => r.ids)).toEqual([650, 650]);
    expect(new Set(samples.map((s) => s.userId))).toEqual(new Set(ids));
    expect(samples.every((s) => s.source === 'poll' && s.status === 'available')).toBe(true);
  });

  test('asks a tracker for as many people at once as its requests in flight read', () => {
    expect(provider().pollBatchSize).toBe(650 * 16);
    expect(provider({ concurrency: 4 }).pollBatchSize).toBe(650 * 4);
  });

  test('the fake refuses more than 650 ids, as Graph does', async () => {
    const ids = [...graph.users.keys()].slice(0, MAX_IDS + 1);
    const response = await fetch(`${graph.url}/v1.0/communications/getPresencesByUserId`, {
      method: 'POST',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: JSON.stringify({ ids }),
    });
    expect(response.status).toBe(400);
  });

  test('maps availability and activity, keeps the raw words, and stamps observedAt from the clock', async () => {
    const cases: [Partial<FakeUser>, string][] = [
      [{ availability: 'Available', activity: 'Available' }, 'available'],
      [{ availability: 'AvailableIdle', activity: 'Available' }, 'available'],
      [{ availability: 'Busy', activity: 'InAMeeting', statusMessage: 'Planning' }, 'busy'],
      [{ availability: 'BusyIdle', activity: 'Busy' }, 'busy'],
      [{ availability: 'Busy', activity: 'InAConferenceCall' }, 'busy'],
      [{ availability: 'DoNotDisturb', activity: 'Presenting' }, 'dnd'],
      [{ availability: 'Busy', activity: 'Focusing' }, 'dnd'],
      [{ availability: 'BeRightBack', activity: 'BeRightBack' }, 'away'],
      [{ availability: 'Away', activity: 'Away' }, 'away'],
      [{ availability: 'Offline', activity: 'OffWork', outOfOffice: true }, 'offline'],
      [{ availability: 'PresenceUnknown', activity: 'PresenceUnknown' }, 'unknown'],
    ];
    const ids = [...graph.users.keys()].slice(0, cases.length);
    for (const [i, [words]] of cases.entries()) Object.assign(graph.users.get(ids[i]!)!, words);
    const at = new Date('2026-03-02T09:00:00Z');
    const samples = await provider({ clock: { now: () => at } }).getPresence(ids);
    const byId = new Map(samples.map((s) => [s.userId, s]));
    expect(ids.map((id) => byId.get(id)!.status)).toEqual(cases.map(([, status]) => status));
    expect(byId.get(ids[2]!)!.raw).toEqual({
      availability: 'Busy',
      activity: 'InAMeeting',
      statusMessage: 'Planning',
      outOfOffice: false,
    });
    expect(byId.get(ids[9]!)!.raw).toMatchObject({
      availability: 'Offline',
      activity: 'OffWork',
      outOfOffice: true,
    });
    expect(samples.every((s) => s.observedAt.getTime() === at.getTime())).toBe(true);
  });

  test('drops a reading whose sequenceNumber is older than the last one seen for that user', async () => {
    const id = [...graph.users.keys()][0]!;
    const user = graph.users.get(id)!;
    const p = provider();
    Object.assign(user, { availability: 'Busy', activity: 'InACall', sequenceNumber: 'C3C8E3D0F5B240B1' });
    expect((await p.getPresence([id]))[0]!.raw).toMatchObject({ sequenceNumber: 'C3C8E3D0F5B240B1' });
    Object.assign(user, {
      availability: 'Available',
      activity: 'Available',
      sequenceNumber: 'C3C8E3D0F5B240A7',
    });
    expect(await p.getPresence([id])).toEqual([]);
    Object.assign(user, { sequenceNumber: 'C3C8E3D0F5B240C2' });
    expect((await p.getPresence([id])).map((s) => s.status)).toEqual(['available']);
  });

  test('waits as long as Retry-After says, then succeeds', async () => {
    graph.script('getPresencesByUserId', {
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { error: { code: 'TooManyRequests' } },
    });
    const started = Date.now();
    const samples = await provider().getPresence(['00000000-0000-4000-8000-000000000001']);
    expect(samples).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(graph.presenceRequests()).toHaveLength(2);
  });

  test('survives throttling and 503s spread over parallel requests', async () => {
    graph.script(
      'getPresencesByUserId',
      { status: 503 },
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 503, headers: { 'Retry-After': '0' } },
    );
    const samples = await provider().getPresence([...graph.users.keys()]);
    expect(samples).toHaveLength(1300);
    expect(graph.presenceRequests()).toHaveLength(5);
  });

  test('a presence request whose connection closes before any answer is sent again', async () => {
    graph.script('getPresencesByUserId', { status: 0, drop: true });
    const samples = await provider().getPresence([...graph.users.keys()]);
    expect(samples).toHaveLength(1300);
    expect(graph.presenceRequests()).toHaveLength(3);
  });

  test('a connection that closes at every attempt fails the read after the bounded retries', async () => {
    graph.script(
      'getPresencesByUserId',
      ...Array.from({ length: fast.attempts }, () => ({ status: 0, drop: true })),
    );
    const error = await provider()
      .getPresence(['00000000-0000-4000-8000-000000000001'])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      provider: 'graph',
      message: expect.stringContaining('could not be reached'),
    });
    expect(graph.presenceRequests()).toHaveLength(fast.attempts);
  });

  test('a persistent 503 becomes a ProviderError with the status after the bounded retries', async () => {
    graph.script('getPresencesByUserId', ...Array.from({ length: 4 }, () => ({ status: 503 })));
    const error = await provider()
      .getPresence(['00000000-0000-4000-8000-000000000001'])
      .catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PROVIDER_FAILED', status: 503, provider: 'graph' });
    expect(graph.presenceRequests()).toHaveLength(fast.attempts);
  });

  test('persistent throttling is PROVIDER_THROTTLED with status 429', async () => {
    graph.script(
      'getPresencesByUserId',
      ...Array.from({ length: 4 }, () => ({ status: 429, headers: { 'Retry-After': '0' } })),
    );
    await expect(provider().getPresence(['00000000-0000-4000-8000-000000000001'])).rejects.toMatchObject({
      code: 'PROVIDER_THROTTLED',
      status: 429,
    });
  });

  test('a 401 for an expired token gets a fresh token and one retry', async () => {
    graph.rejectTokens.add('token-1');
    const credential = listCredential('token-1', 'token-2');
    const samples = await provider({ credential }).getPresence(['00000000-0000-4000-8000-000000000001']);
    expect(samples).toHaveLength(1);
    expect(graph.requests.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(credential.calls).toHaveLength(2);
    expect(JSON.parse(credential.calls[1]!.claims!)).toMatchObject({
      access_token: { nbf: { essential: true } },
    });
  });

  test('parallel requests refused with the same token share one refresh', async () => {
    graph.rejectTokens.add('token-1');
    const credential = listCredential('token-1', 'token-2', 'token-3');
    await provider({ credential }).getPresence([...graph.users.keys()]);
    expect(credential.calls).toHaveLength(2);
  });

  test('a token refused again is PROVIDER_AUTH with status 401, after one retry only', async () => {
    graph.rejectTokens.add('token-1');
    graph.rejectTokens.add('token-2');
    await expect(
      provider({ credential: listCredential('token-1', 'token-2') }).getPresence([
        '00000000-0000-4000-8000-000000000001',
      ]),
    ).rejects.toMatchObject({ code: 'PROVIDER_AUTH', status: 401 });
    expect(graph.presenceRequests()).toHaveLength(2);
  });

  test('missing admin consent (403) is PROVIDER_AUTH naming the permission to grant', async () => {
    graph.script('getPresencesByUserId', {
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Insufficient privileges to complete the operation.' } },
    });
    const error = (await provider()
      .getPresence(['00000000-0000-4000-8000-000000000001'])
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ code: 'PROVIDER_AUTH', status: 403 });
    expect(error.message).toMatch(/Presence\.Read\.All/);
    expect(error.message).toMatch(/admin consent/);
    expect(error.details?.requestId).toEqual(expect.any(String));
  });

  test('a request that takes longer than the timeout fails instead of hanging', async () => {
    await graph.close();
    graph = await startFakeGraph({ users: makeUsers(1), latencyMs: 3_000 });
    const started = Date.now();
    await expect(
      provider({ retry: { ...fast, attempts: 1 }, timeout: 100 }).getPresence([
        '00000000-0000-4000-8000-000000000001',
      ]),
    ).rejects.toMatchObject({
      code: 'PROVIDER_FAILED',
      message: expect.stringMatching(/did not answer in time/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('stays within the request budget', async () => {
    const started = Date.now();
    await provider({ budget: { requests: 1, perMs: 300 } }).getPresence([...graph.users.keys()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test('reads the documented response as it comes', async () => {
    graph.script('getPresencesByUserId', { status: 200, body: presences });
    const samples = await provider().getPresence(presences.value.map((p) => p.id));
    expect(samples.map((s) => [s.userId, s.status, s.raw?.sequenceNumber])).toEqual([
      ['fa8bf3dc-eca7-46b7-bad1-db199b62afc3', 'busy', 'C3C8E3D0F5B240B1'],
      ['66825e03-7ef5-42da-9069-724602c31f6b', 'away', 'C3C8E3D0F5B240A7'],
    ]);
  });

  test('discovers everyone in the directory, following the pages', async () => {
    const users = await provider().discoverUsers!();
    expect(users).toHaveLength(1300);
    expect(users[0]).toEqual({
      key: 'person00001@contoso.onmicrosoft.com',
      id: '00000000-0000-4000-8000-000000000001',
      displayName: 'Person 00001',
      email: 'person00001@contoso.com',
    });
    expect(graph.requests.filter((r) => r.url.startsWith('/v1.0/users?'))).toHaveLength(2);
  });

  test('follows @odata.nextLink until the last page, stamping each page as it arrives', async () => {
    await graph.close();
    graph = await startFakeGraph({ users: makeUsers(1300), presencePageSize: 100 });
    let now = Date.parse('2026-03-02T09:00:00Z');
    const clock = {
      now: () => {
        now += 1000;
        return new Date(now);
      },
    };
    const samples = await provider({ clock, concurrency: 1 }).getPresence([...graph.users.keys()]);
    expect(samples).toHaveLength(1300);
    expect(new Set(samples.map((s) => s.userId)).size).toBe(1300);
    expect(graph.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(graph.requests.filter((r) => r.method === 'GET' && r.url.includes('$skiptoken'))).toHaveLength(12);
    // Two requests of 650 ids, seven pages of at most 100 each.
    expect(new Set(samples.map((s) => s.observedAt.getTime())).size).toBe(14);
  });

  test('refuses a next-page link that leads away from Graph, so the token stays home', async () => {
    graph.script('getPresencesByUserId', {
      status: 200,
      body: {
        value: [],
        '@odata.nextLink': 'https://graph.example.net/v1.0/communications/getPresencesByUserId?$skiptoken=x',
      },
    });
    await expect(provider().getPresence(['00000000-0000-4000-8000-000000000001'])).rejects.toMatchObject({
      code: 'PROVIDER_FAILED',
      message: expect.stringMatching(/next page link that leads away from https:\/\/127\.0\.0\.1/),
    });
    expect(graph.requests).toHaveLength(1);
  });

  test('drops readings for ids nobody asked for, and matches ids without regard to case', async () => {
    const asked = 'FA8BF3DC-ECA7-46B7-BAD1-DB199B62AFC3';
    graph.script('getPresencesByUserId', {
      status: 200,
      body: {
        value: [
          { ...presences.value[0], id: asked.toLowerCase() },
          { ...presences.value[1], id: '66825e03-7ef5-42da-9069-724602c31f6b' },
        ],
      },
    });
    const samples = await provider().getPresence([asked]);
    expect(samples.map((s) => [s.userId, s.status])).toEqual([[asked, 'busy']]);
  });

  test('turns an HTML status message into text and leaves an expired one out', async () => {
    const [first, second] = presences.value;
    graph.script('getPresencesByUserId', {
      status: 200,
      body: {
        value: [
          {
            ...first,
            statusMessage: {
              message: { content: '<p>Planning <b>until noon</b></p>', contentType: 'html' },
              expiryDateTime: {
                dateTime: '2026-03-02T12:00:00.0000000',
                timeZone: 'W. Europe Standard Time',
              },
            },
          },
          {
            ...second,
            statusMessage: {
              message: { content: 'Gone fishing', contentType: 'text' },
              expiryDateTime: { dateTime: '2026-03-02T08:59:00.0000000', timeZone: 'UTC' },
            },
          },
        ],
      },
    });
    const at = new Date('2026-03-02T09:00:00Z');
    const samples = await provider({ clock: { now: () => at } }).getPresence(
      presences.value.map((p) => p.id),
    );
    expect(samples.map((s) => s.raw?.statusMessage)).toEqual(['Planning until noon', undefined]);
    expect(samples.map((s) => s.raw?.outOfOffice)).toEqual([false, true]);
  });

  test('reads nothing for no users, without a request', async () => {
    expect(await provider().getPresence([])).toEqual([]);
    expect(graph.requests).toHaveLength(0);
  });
});

describe('resolveUsers', () => {
  const people: FakeUser[] = [
    ...makeUsers(44),
    {
      id: '48d31887-5fad-4d73-a9f5-3c356e68a038',
      displayName: 'Megan Bowen',
      userPrincipalName: 'MeganB@contoso.onmicrosoft.com',
      mail: 'megan.bowen@contoso.com',
      availability: 'Available',
      activity: 'Available',
    },
  ];
  beforeEach(async () => {
    graph = await startFakeGraph({ users: people });
  });

  test('resolves UPNs and ids through $batch, 20 a batch', async () => {
    const keys = [...people.slice(0, 43).map((u) => u.userPrincipalName), people[43]!.id];
    const { resolved, unresolved } = await provider().resolveUsers(keys);
    expect(unresolved).toEqual([]);
    expect(resolved.map((u) => u.key)).toEqual(keys);
    expect(resolved[0]).toEqual({
      key: people[0]!.userPrincipalName,
      id: people[0]!.id,
      displayName: people[0]!.displayName,
      email: people[0]!.mail,
    });
    const batches = graph.requests.filter((r) => r.url === '/v1.0/$batch');
    expect(batches).toHaveLength(3);
    expect(graph.requests.every((r) => r.authorization === 'Bearer token-1')).toBe(true);
  });

  test('falls back to mail where the address differs from the UPN, and reports unknown people with a reason', async () => {
    const { resolved, unresolved } = await provider().resolveUsers([
      'Megan.Bowen@contoso.com',
      'nobody@contoso.com',
      'person00001@contoso.onmicrosoft.com',
      '',
    ]);
    expect(resolved.map((u) => [u.key, u.id])).toEqual([
      ['person00001@contoso.onmicrosoft.com', people[0]!.id],
      ['Megan.Bowen@contoso.com', '48d31887-5fad-4d73-a9f5-3c356e68a038'],
    ]);
    expect(unresolved).toEqual([
      { key: '', reason: 'the key is empty' },
      { key: 'nobody@contoso.com', reason: 'no user has this user principal name or mail address' },
    ]);
  });

  test('reads the documented $batch, user and mail-filter answers as they come', async () => {
    // Key 0 is found, 1 is no UPN and is found by mail, 2 is throttled inside the batch and asked again.
    graph.script('$batch', { status: 200, body: batchResponse });
    graph.script('/users?', { status: 200, body: usersByMail });
    graph.script('/users/', { status: 200, body: user });
    const { resolved, unresolved } = await provider().resolveUsers([
      'AdeleV@contoso.com',
      'megan.bowen@contoso.com',
      'alex.wilber@contoso.com',
    ]);
    expect(unresolved).toEqual([]);
    expect(resolved.map((u) => [u.key, u.id, u.displayName])).toEqual([
      ['AdeleV@contoso.com', '87d349ed-44d7-43e1-9a83-5f2406dee5bd', 'Adele Vance'],
      ['alex.wilber@contoso.com', '87d349ed-44d7-43e1-9a83-5f2406dee5bd', 'Adele Vance'],
      ['megan.bowen@contoso.com', '48d31887-5fad-4d73-a9f5-3c356e68a038', 'Megan Bowen'],
    ]);
  });

  test('retries requests throttled inside a batch without failing the others', async () => {
    graph.script('/users/person00002', { status: 429, headers: { 'Retry-After': '0' } });
    const { resolved, unresolved } = await provider().resolveUsers([
      'person00001@contoso.onmicrosoft.com',
      'person00002@contoso.onmicrosoft.com',
    ]);
    expect(unresolved).toEqual([]);
    expect(resolved.map((u) => u.id)).toEqual([people[0]!.id, people[1]!.id]);
    expect(graph.requests.filter((r) => r.url === '/v1.0/$batch')).toHaveLength(2);
  });

  test('a missing User.Read permission is PROVIDER_AUTH', async () => {
    graph.script('/users/person00001', {
      status: 403,
      body: {
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        },
      },
    });
    await expect(provider().resolveUsers(['person00001@contoso.onmicrosoft.com'])).rejects.toMatchObject({
      code: 'PROVIDER_AUTH',
      status: 403,
    });
  });
});

describe('options', () => {
  test('bad options name the field and what was expected, never a secret', () => {
    let error: unknown;
    try {
      graphProvider({
        auth: { mode: 'clientSecret', tenantId: 't', clientId: '', clientSecret: 12345 as unknown as string },
        baseUrl: 'http://graph.example.com',
      });
    } catch (e) {
      error = e;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    const issues = (error as ConfigError).issues.map((i) => i.path);
    expect(issues).toEqual(['auth.clientId', 'auth.clientSecret', 'baseUrl']);
    expect((error as Error).message).not.toContain('12345');
  });

  test('takes the one retry shape and refuses a field it does not know, by path', () => {
    const issues = (options: Partial<GraphProviderOptions>) => {
      try {
        graphProvider({ credential: listCredential('t'), ...options });
        return [];
      } catch (e) {
        return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    expect(issues({ retry: { attempts: 1, baseDelay: 0, maxDelay: 0 }, timeout: 1000 })).toEqual([]);
    expect(issues({ retry: { retries: 1 } as never })).toEqual([
      'retry.retries: unknown field; expected one of attempts, baseDelay, maxDelay',
    ]);
    expect(issues({ retry: { attempts: 0 }, timeout: 0 })).toEqual([
      'retry.attempts: expected a whole number of attempts, 1 or more',
      'timeout: expected a number of at least 1',
    ]);
  });

  test('needs exactly one of credential and auth', () => {
    expect(() => graphProvider({})).toThrow(/exactly one of `credential`/);
  });
});

describe("Microsoft's description as a check", () => {
  test('catches requests the description does not allow', () => {
    const request = (method: string, url: string, body?: unknown) => ({
      method,
      url,
      authorization: 'Bearer x',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
    const problems = description.problems(
      [
        request('POST', '/v1.0/communications/getPresencesByUserId', { ids: 'one' }),
        request('POST', '/v1.0/communications/getPresencesByUserId', { ids: [1] }),
        request('GET', '/v1.0/users?$bogus=1'),
        request('GET', '/v1.0/users?$top=many'),
        request('DELETE', '/v1.0/users/x'),
        request('GET', '/v1.0/communications/getPresencesByUserId?$skiptoken=not-issued'),
        request('POST', '/v1.0/$batch', { requests: [] }),
        {
          ...request('POST', '/v1.0/$batch', {
            requests: [{ id: '0', method: 'GET', url: '/users?$count=maybe' }],
          }),
          batched: [{ method: 'GET', url: '/users?$count=maybe', authorization: undefined }],
        },
      ],
      new Set(),
      'https://127.0.0.1:1',
    );
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/ids must be array/);
    expect(problems.join('\n')).toMatch(/\$bogus|additional properties/);
    expect(problems.join('\n')).toMatch(/no such operation/);
  });
});
