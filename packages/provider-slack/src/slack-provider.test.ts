import { type Logger, manualClock, ProviderError } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { providerConformance } from '@presence-tracker/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SlackProviderOptions, slackProvider, sweepDuration } from './index.ts';
import { type FakeSlack, type FakeSlackOptions, fakeSlackUsers, startFakeSlack } from './testing/index.ts';

const TOKEN = 'xoxb-test';
let shared: FakeSlack;
beforeAll(async () => {
  shared = await startFakeSlack();
});
afterAll(() => shared.close());

providerConformance(it, () => slackProvider({ token: TOKEN, baseUrl: shared.url }), {
  knownKeys: ['spengler@ghostbusters.example.com', 'U061F7AUR'],
  unknownKeys: ['nobody@ghostbusters.example.com', 'U0NOBODY1', 'spengler'],
});

const fakes: FakeSlack[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
async function fake(options: FakeSlackOptions = {}) {
  const f = await startFakeSlack(options);
  fakes.push(f);
  return f;
}

/** A provider and a fake on one manual clock: a minute passes in no time. */
async function replay(
  people: number,
  fakeOptions: FakeSlackOptions = {},
  options: Partial<SlackProviderOptions> = {},
) {
  const clock = manualClock('2026-03-02T09:00:00Z');
  const f = await fake({ users: fakeSlackUsers(people), clock, ...fakeOptions });
  const provider = slackProvider({
    token: TOKEN,
    baseUrl: f.url,
    clock,
    sleep: advancingSleep(clock),
    ...options,
  });
  const ids = f.users.map((u) => u.id);
  return { clock, fake: f, provider, ids };
}

function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (fields: Record<string, unknown>, message?: string) =>
    lines.push(`${message} ${JSON.stringify(fields)}`);
  return { lines, debug: log, info: log, warn: log, error: log };
}

describe('resolveUsers', () => {
  it('takes e-mail addresses and user ids; users_not_found is an unresolved key, not a failure', async () => {
    const provider = slackProvider({ token: TOKEN, baseUrl: shared.url });
    const { resolved, unresolved } = await provider.resolveUsers([
      'Spengler@Ghostbusters.example.com',
      'U061F7AUR',
      'nobody@example.com',
      'U0NOBODY1',
      '@venkman',
    ]);
    expect(resolved).toEqual([
      {
        key: 'Spengler@Ghostbusters.example.com',
        id: 'U012A3CDE',
        displayName: 'Egon Spengler',
        email: 'spengler@ghostbusters.example.com',
      },
      {
        key: 'U061F7AUR',
        id: 'U061F7AUR',
        displayName: 'Peter Venkman',
        email: 'venkman@ghostbusters.example.com',
      },
    ]);
    expect(unresolved).toEqual([
      { key: 'nobody@example.com', reason: 'no member of this Slack workspace has this e-mail address' },
      { key: 'U0NOBODY1', reason: 'no member of this Slack workspace has this user id' },
      { key: '@venkman', reason: 'not an e-mail address or a Slack user id (U... or W...)' },
    ]);
  });

  it('resolves a deleted account, which then reads as unknown without a presence call', async () => {
    const f = await fake();
    const provider = slackProvider({ token: TOKEN, baseUrl: f.url });
    const { resolved } = await provider.resolveUsers(['gozer@ghostbusters.example.com']);
    expect(resolved.map((u) => u.id)).toEqual(['U0GONE001']);
    const samples = await provider.getPresence(['U0GONE001']);
    expect(samples.map((s) => [s.status, s.raw])).toEqual([['unknown', { deleted: true }]]);
    expect(f.calls.get('users.getPresence')).toBeUndefined();
  });

  it('resolves many keys from one listing instead of a look-up each', async () => {
    const f = await fake({ users: fakeSlackUsers(300) });
    const provider = slackProvider({ token: TOKEN, baseUrl: f.url });
    const keys = [...f.users.slice(0, 20).map((u) => u.id), 'PERSON21@example.com', 'nobody@example.com'];
    const { resolved, unresolved } = await provider.resolveUsers(keys);
    expect(resolved.map((u) => u.id)).toEqual([...f.users.slice(0, 21).map((u) => u.id)]);
    expect(unresolved.map((u) => u.key)).toEqual(['nobody@example.com']);
    // Two pages of users.list; only the key no page named is looked up.
    expect([
      f.calls.get('users.list'),
      f.calls.get('users.info'),
      f.calls.get('users.lookupByEmail'),
    ]).toEqual([2, undefined, 1]);
  });

  it('waits out ratelimited as Retry-After says, through the client, and resolves', async () => {
    let offset = 0;
    const f = await fake({
      limits: { 'users.info': 1 },
      clock: { now: () => new Date(Date.now() + offset) },
    });
    const provider = slackProvider({ token: TOKEN, baseUrl: f.url });
    await provider.resolveUsers(['U012A3CDE']);
    // The fake's window frees one second from now; the second look-up is refused until then.
    offset = 59_000;
    const started = Date.now();
    const { resolved } = await provider.resolveUsers(['U061F7AUR']);
    expect(resolved.map((u) => u.id)).toEqual(['U061F7AUR']);
    expect(f.rateLimited.get('users.info')).toBe(1);
    expect(f.calls.get('users.info')).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('discoverUsers', () => {
  it('lists members, leaving out bots, deleted accounts and guests', async () => {
    const provider = slackProvider({ token: TOKEN, baseUrl: shared.url });
    expect((await provider.discoverUsers()).map((u) => u.id)).toEqual(['U012A3CDE', 'U061F7AUR']);
  });

  it('includes them when asked', async () => {
    const provider = slackProvider({
      token: TOKEN,
      baseUrl: shared.url,
      includeBots: true,
      includeDeleted: true,
      includeRestricted: true,
    });
    expect((await provider.discoverUsers()).map((u) => u.id).sort()).toEqual(
      ['B0BOTBOT1', 'U012A3CDE', 'U061F7AUR', 'U0GONE001', 'U0GUEST01'].sort(),
    );
  });

  it('follows the cursor through every page', async () => {
    const f = await fake({ users: fakeSlackUsers(450) });
    const provider = slackProvider({ token: TOKEN, baseUrl: f.url });
    const users = await provider.discoverUsers();
    expect(users).toHaveLength(450);
    expect(new Set(users.map((u) => u.id)).size).toBe(450);
    expect(f.calls.get('users.list')).toBe(3);
  });
});

describe('getPresence within the budget', () => {
  it('reads what the budget allows now, oldest reading first, and returns only fresh readings', async () => {
    const { clock, fake: f, provider, ids } = await replay(120);
    await provider.discoverUsers();
    const first = await provider.getPresence(ids);
    expect(first.map((s) => s.userId)).toEqual(ids.slice(0, 50));

    // Ten seconds later the minute's calls are spent: nothing is read, and nothing waits.
    clock.advance(10_000);
    const before = clock.now().getTime();
    expect(await provider.getPresence(ids)).toEqual([]);
    expect(clock.now().getTime()).toBe(before);

    clock.advance(50_000);
    const second = await provider.getPresence(ids);
    expect(second.map((s) => s.userId)).toEqual(ids.slice(50, 100));
    clock.advance(60_000);
    const third = await provider.getPresence(ids);
    expect(third.map((s) => s.userId)).toEqual([...ids.slice(100), ...ids.slice(0, 30)]);
    expect(f.rateLimited.size).toBe(0);
    expect(f.calls.get('users.getPresence')).toBe(150);
  });

  it('says how long a full sweep takes', async () => {
    const { provider } = await replay(1, {}, { rateLimits: { 'users.getPresence': 50 } });
    expect(provider.sweepDuration(2000)).toBe(40 * 60_000);
    // Choosing whom to read within the budget, it is asked about everyone at once.
    expect(provider.pollBatchSize).toBe(Number.POSITIVE_INFINITY);
    expect(provider.sweepDuration(50)).toBe(60_000);
    expect(provider.sweepDuration(51)).toBe(120_000);
    expect(sweepDuration(20, 30_000, 50)).toBe(30_000);
    expect(sweepDuration(100, 30_000, 50)).toBe(120_000);
    expect(sweepDuration(100, 300_000, 50)).toBe(600_000);
  });

  it('honours ratelimited on a poll: returns what it read and holds the method for Retry-After', async () => {
    const log = capture();
    const {
      clock,
      fake: f,
      provider,
      ids,
    } = await replay(20, { limits: { 'users.getPresence': 5 } }, { concurrency: 1, logger: log });
    await provider.discoverUsers();
    const first = await provider.getPresence(ids);
    expect(first).toHaveLength(5);
    // One ratelimited answer stops the poll: the calls still queued behind it are not sent.
    expect(f.rateLimited.get('users.getPresence')).toBe(1);
    expect(f.calls.get('users.getPresence')).toBe(6);
    const calls = f.calls.get('users.getPresence');
    // Held for the 60 s Slack asked: a poll meanwhile makes no call at all.
    clock.advance(30_000);
    expect(await provider.getPresence(ids)).toEqual([]);
    expect(f.calls.get('users.getPresence')).toBe(calls);
    clock.advance(30_000);
    const later = await provider.getPresence(ids);
    expect(later.map((s) => s.userId)).toEqual(ids.slice(5, 10));
    expect(log.lines.some((l) => l.includes('rate-limited'))).toBe(true);
    expect(log.lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('status', () => {
  it('maps presence and do-not-disturb on the clock, keeping Slack words in raw', async () => {
    const { clock, fake: f, provider, ids } = await replay(4);
    const t = clock.now().getTime() / 1000;
    f.presence.set(ids[1]!, 'away');
    f.dnd.set(ids[2]!, { dnd_enabled: true, next_dnd_start_ts: t - 60, next_dnd_end_ts: t + 3600 });
    f.dnd.set(ids[3]!, { dnd_enabled: true, next_dnd_start_ts: t + 60, next_dnd_end_ts: t + 3600 });
    await provider.discoverUsers();
    const samples = await provider.getPresence(ids);
    expect(samples.map((s) => s.status)).toEqual(['available', 'away', 'dnd', 'available']);
    expect(samples[2]!.raw).toEqual({
      presence: 'active',
      dnd_enabled: true,
      next_dnd_start_ts: t - 60,
      next_dnd_end_ts: t + 3600,
    });
    expect(samples.every((s) => s.observedAt.getTime() === clock.now().getTime())).toBe(true);
    // Four people cost one dnd.teamInfo call, and a poll within dndMaxAge none.
    expect(f.calls.get('dnd.teamInfo')).toBe(1);
    clock.advance(120_000);
    const later = await provider.getPresence(ids);
    // The cached window now covers ids[3] too.
    expect(later.map((s) => s.status)).toEqual(['available', 'away', 'dnd', 'dnd']);
    expect(f.calls.get('dnd.teamInfo')).toBe(1);
  });
});

describe('errors', () => {
  it.each([
    ['a token Slack does not know', { tokens: { 'xoxb-other': ['users:read'] } }, /invalid_auth/],
    ['a deleted workspace', { inactiveTokens: [TOKEN] }, /account_inactive/],
  ])('%s is PROVIDER_AUTH, without the token', async (_, options, message) => {
    const f = await fake(options);
    const provider = slackProvider({ token: TOKEN, baseUrl: f.url });
    const error = await provider.resolveUsers(['U012A3CDE']).catch((e: unknown) => e);
    expect(ProviderError.isInstance(error) && error.code).toBe('PROVIDER_AUTH');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('a missing scope names the scope needed, in plain words', async () => {
    const f = await fake({ tokens: { [TOKEN]: ['users:read'] } });
    const provider = slackProvider({ token: TOKEN, baseUrl: f.url });
    const error = await provider.resolveUsers(['spengler@ghostbusters.example.com']).catch((e: unknown) => e);
    expect(ProviderError.isInstance(error) && error.code).toBe('PROVIDER_AUTH');
    expect((error as Error).message).toMatch(
      /lacks the users:read\.email scope \(to look people up by e-mail address\).*OAuth & Permissions/,
    );
    expect((error as ProviderError).status).toBe(403);
    expect((error as ProviderError).details).toMatchObject({
      needed: 'users:read.email',
      provided: 'users:read',
    });
  });

  it('a missing dnd:read fails the poll, and dnd: false reads presence alone', async () => {
    const f = await fake({ tokens: { [TOKEN]: ['users:read'] } });
    const ids = ['U012A3CDE'];
    await expect(slackProvider({ token: TOKEN, baseUrl: f.url }).getPresence(ids)).rejects.toThrow(
      /dnd:read/,
    );
    const samples = await slackProvider({ token: TOKEN, baseUrl: f.url, dnd: false }).getPresence(ids);
    expect(samples.map((s) => s.status)).toEqual(['available']);
  });

  it('refuses bad options by field, never echoing the token', () => {
    expect(() => slackProvider({ token: '' })).toThrow(/token: expected a Slack token/);
    expect(() =>
      slackProvider({ token: 'xoxb-secret', baseUrl: 'ftp://x', rateLimits: { 'users.getPresence': 0 } }),
    ).toThrow(/baseUrl[\s\S]*rateLimits\.users\.getPresence/);
    try {
      slackProvider({ token: 'xoxb-secret', concurrency: 0 });
    } catch (error) {
      expect((error as Error).message).not.toContain('xoxb-secret');
    }
  });
});
