import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { ConfigError, ProviderError } from '../errors.ts';
import type { PresenceSample, Status } from '../model.ts';
import { defineProvider, type PresenceProvider } from '../provider/index.ts';
import { memoryStore } from '../store/index.ts';
import { createTracker } from '../tracker/index.ts';
import { combineProviders } from './combine.ts';
import { DEFAULT_MERGE_ORDER, mergeReadings, type PlatformReading } from './merge.ts';
import { platformIntervals } from './parts.ts';
import { combinedRaw } from './raw.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T08:00:00Z');
const at = (m: number) => new Date(T0 + m * MIN);

/**
 * A platform in memory: it knows some people under its own ids, answers with the status a test sets,
 * stamped with the shared clock, and can be made to fail. Its words are kept in `raw.word`.
 */
function platform(name: string, people: Record<string, string>, clock: { now(): Date }) {
  const status = new Map<string, Status>();
  const failing = { resolve: false, read: false };
  const reads: string[][] = [];
  const provider = defineProvider({
    name,
    async resolveUsers(keys: string[]) {
      if (failing.resolve) throw new ProviderError(name, `${name} is down`);
      const resolved = keys.flatMap((key) => {
        const id = people[key.toLowerCase()];
        return id === undefined ? [] : [{ key, id, displayName: `${key} on ${name}`, email: key }];
      });
      const unresolved = keys
        .filter((k) => people[k.toLowerCase()] === undefined)
        .map((key) => ({ key, reason: `no ${name} account` }));
      return { resolved, unresolved };
    },
    async getPresence(ids: string[]): Promise<PresenceSample[]> {
      reads.push(ids);
      if (failing.read) throw new ProviderError(name, `${name} is down`, { code: 'PROVIDER_THROTTLED' });
      return ids.flatMap((id) => {
        const s = status.get(id);
        return s ? [{ userId: id, status: s, observedAt: clock.now(), raw: { word: `${name}:${s}` } }] : [];
      });
    },
  });
  return { provider, status, failing, reads };
}

const reading = (platform: string, status: Status): PlatformReading => ({
  platform,
  status,
  observedAt: at(0),
});

describe('the merge rule', () => {
  it('by default: dnd anywhere, then busy anywhere, beat available; otherwise the most reachable wins', () => {
    const table: [Status[], Status][] = [
      [['available', 'dnd'], 'dnd'],
      [['busy', 'available'], 'busy'],
      [['dnd', 'busy'], 'dnd'],
      [['away', 'available'], 'available'],
      [['offline', 'away'], 'away'],
      [['offline', 'available', 'offline'], 'available'],
      [['unknown', 'offline'], 'offline'],
      [['unknown'], 'unknown'],
    ];
    for (const [statuses, expected] of table) {
      const readings = statuses.map((s, i) => reading(`p${i}`, s));
      expect([statuses, mergeReadings(readings, DEFAULT_MERGE_ORDER)]).toEqual([statuses, expected]);
    }
  });

  it('takes an ordered list or a function from combineProviders', async () => {
    const clock = manualClock(T0);
    const a = platform('a', { ada: 'a1' }, clock);
    const b = platform('b', { ada: 'b1' }, clock);
    a.status.set('a1', 'busy');
    b.status.set('b1', 'available');
    // Statuses left out of the list rank after the listed ones.
    const listed = combineProviders({
      providers: { a: a.provider, b: b.provider },
      merge: ['available'],
      clock,
    });
    await listed.resolveUsers(['ada']);
    expect((await listed.getPresence(['ada']))[0]!.status).toBe('available');

    const seen: PlatformReading[][] = [];
    const byCode = combineProviders({
      providers: { a: a.provider, b: b.provider },
      merge: (readings) => {
        seen.push([...readings]);
        return readings.find((r) => r.platform === 'b')?.status ?? 'unknown';
      },
      clock,
    });
    await byCode.resolveUsers(['ada']);
    expect((await byCode.getPresence(['ada']))[0]!.status).toBe('available');
    expect(seen[0]!.map((r) => [r.platform, r.status, r.raw])).toEqual([
      ['a', 'busy', { word: 'a:busy' }],
      ['b', 'available', { word: 'b:available' }],
    ]);
  });

  it('refuses options that make no sense, naming the field', () => {
    const clock = manualClock(T0);
    const a = platform('a', {}, clock).provider;
    const refusal = (options: unknown) => {
      try {
        combineProviders(options as never);
      } catch (error) {
        expect(ConfigError.isInstance(error)).toBe(true);
        return (error as ConfigError).issues.map((i) => i.path);
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ providers: {} })).toEqual(['providers']);
    expect(refusal({ providers: { a }, merge: ['dnd', 'dnd'] })).toEqual(['merge']);
    expect(refusal({ providers: { a }, merge: ['asleep'] })).toEqual(['merge.0']);
    expect(refusal({ providers: { a: {} } })).toEqual(['providers.a']);
    expect(refusal({ providers: { a }, staleAfter: { chat: 1000 } })).toEqual(['staleAfter.chat']);
    expect(refusal({ providers: { a }, staleAfter: -1 })).toEqual(['staleAfter']);
  });
});

describe('combineProviders', () => {
  function setup() {
    const clock = manualClock(T0);
    const teams = platform('teams', { 'ada@x.org': 'T-ada', 'ben@x.org': 'T-ben' }, clock);
    const chat = platform('chat', { 'ada@x.org': 'c-ada', 'cy@x.org': 'c-cy' }, clock);
    const combined = combineProviders({
      providers: { teams: teams.provider, chat: chat.provider },
      staleAfter: { teams: 3 * MIN, chat: 5 * MIN },
      clock,
    });
    return { clock, teams, chat, combined };
  }

  it("asks for the smallest of its platforms' batches, everyone at once if one must see everyone", () => {
    const clock = manualClock(T0);
    const sized = (name: string, pollBatchSize?: number) => ({
      ...platform(name, {}, clock).provider,
      ...(pollBatchSize !== undefined && { pollBatchSize }),
    });
    const combined = (...providers: PresenceProvider[]) =>
      combineProviders({ providers: Object.fromEntries(providers.map((p) => [p.name, p])), clock });
    expect(combined(sized('a'), sized('b')).pollBatchSize).toBeUndefined();
    expect(combined(sized('a', 650), sized('b')).pollBatchSize).toBe(650);
    expect(combined(sized('a', 650), sized('b', 200)).pollBatchSize).toBe(200);
    expect(combined(sized('a', 650), sized('b', Number.POSITIVE_INFINITY)).pollBatchSize).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('knows a person by one key and says per platform which keys it could not resolve', async () => {
    const { combined } = setup();
    const result = await combined.resolveUsers(['ada@x.org', 'BEN@x.org', 'cy@x.org', 'dee@x.org']);
    expect(result.resolved.map((u) => [u.key, u.id, u.displayName])).toEqual([
      ['ada@x.org', 'ada@x.org', 'ada@x.org on teams'],
      ['BEN@x.org', 'BEN@x.org', 'BEN@x.org on teams'],
      ['cy@x.org', 'cy@x.org', 'cy@x.org on chat'],
    ]);
    expect(result.unresolved).toEqual([
      { key: 'cy@x.org', reason: 'teams: no teams account (tracked on chat)' },
      { key: 'dee@x.org', reason: 'teams: no teams account' },
      { key: 'BEN@x.org', reason: 'chat: no chat account (tracked on teams)' },
      { key: 'dee@x.org', reason: 'chat: no chat account' },
    ]);
  });

  it("reads each platform with its own ids and keeps every platform's reading in raw", async () => {
    const { clock, combined, teams, chat } = setup();
    await combined.resolveUsers(['ada@x.org', 'ben@x.org', 'cy@x.org']);
    teams.status.set('T-ada', 'available').set('T-ben', 'away');
    chat.status.set('c-ada', 'dnd').set('c-cy', 'offline');
    const samples = await combined.getPresence(['ada@x.org', 'ben@x.org', 'cy@x.org']);
    expect(teams.reads).toEqual([['T-ada', 'T-ben']]);
    expect(chat.reads).toEqual([['c-ada', 'c-cy']]);
    expect(samples.map((s) => [s.userId, s.status])).toEqual([
      ['ada@x.org', 'dnd'],
      ['ben@x.org', 'away'],
      ['cy@x.org', 'offline'],
    ]);
    expect(samples[0]!.raw).toEqual({
      platforms: {
        teams: {
          status: 'available',
          observedAt: clock.now().toISOString(),
          raw: { word: 'teams:available' },
        },
        chat: { status: 'dnd', observedAt: clock.now().toISOString(), raw: { word: 'chat:dnd' } },
      },
    });
    expect(samples[0]!.observedAt).toEqual(clock.now());
  });

  it('keeps a person observed while one platform fails; its reading counts until its own staleAfter', async () => {
    const { clock, combined, teams, chat } = setup();
    await combined.resolveUsers(['ada@x.org']);
    teams.status.set('T-ada', 'busy');
    chat.status.set('c-ada', 'available');
    expect((await combined.getPresence(['ada@x.org']))[0]!.status).toBe('busy');

    teams.failing.read = true;
    const statusAt = async (m: number) => {
      clock.set(at(m));
      const [s] = await combined.getPresence(['ada@x.org']);
      return [s!.status, Object.keys(combinedRaw(s!.raw)!.platforms), s!.observedAt.getTime()];
    };
    // Teams' busy (read at minute 0) counts for three minutes, then only the chat counts.
    expect(await statusAt(1)).toEqual(['busy', ['teams', 'chat'], at(1).getTime()]);
    expect(await statusAt(3)).toEqual(['busy', ['teams', 'chat'], at(3).getTime()]);
    expect(await statusAt(4)).toEqual(['available', ['chat'], at(4).getTime()]);
    teams.failing.read = false;
    teams.status.set('T-ada', 'dnd');
    expect(await statusAt(5)).toEqual(['dnd', ['teams', 'chat'], at(5).getTime()]);
  });

  it('fails a poll only when every platform fails, with their reasons and a shared code', async () => {
    const { clock, combined, teams, chat } = setup();
    await combined.resolveUsers(['ada@x.org']);
    teams.status.set('T-ada', 'busy');
    await combined.getPresence(['ada@x.org']);
    teams.failing.read = true;
    chat.failing.read = true;
    clock.set(at(1));
    const error = await combined.getPresence(['ada@x.org']).catch((e: unknown) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).code).toBe('PROVIDER_THROTTLED');
    expect((error as Error).message).toBe('no platform answered: teams: teams is down; chat: chat is down');
  });

  it('gives no reading for a person no platform answered for, so the tracker lets them go stale', async () => {
    const { combined, teams, chat } = setup();
    await combined.resolveUsers(['ada@x.org', 'ben@x.org']);
    teams.status.set('T-ada', 'available');
    chat.status.set('c-ada', 'available');
    expect((await combined.getPresence(['ada@x.org', 'ben@x.org'])).map((s) => s.userId)).toEqual([
      'ada@x.org',
    ]);
  });

  it('resolves on a platform that was unreachable at the start at the next poll', async () => {
    const { combined, teams, chat } = setup();
    teams.failing.resolve = true;
    const result = await combined.resolveUsers(['ada@x.org', 'ben@x.org']);
    expect(result.resolved.map((u) => u.id)).toEqual(['ada@x.org']);
    expect(result.unresolved.filter((u) => u.reason.startsWith('teams:'))).toEqual([
      { key: 'ada@x.org', reason: 'teams: not reachable (teams is down); asked again at each poll' },
      { key: 'ben@x.org', reason: 'teams: not reachable (teams is down); asked again at each poll' },
    ]);
    teams.status.set('T-ada', 'busy');
    chat.status.set('c-ada', 'available');
    expect((await combined.getPresence(['ada@x.org']))[0]!.status).toBe('available');
    teams.failing.resolve = false;
    expect((await combined.getPresence(['ada@x.org']))[0]!.status).toBe('busy');
  });

  it("leaves a platform's ignored statuses out of the merge but keeps them in raw", async () => {
    const clock = manualClock(T0);
    const teams = platform('teams', { ada: 'T-ada', ben: 'T-ben' }, clock);
    const calendar = platform('calendar', { ada: 'c-ada', ben: 'c-ben' }, clock);
    const combined = combineProviders({
      providers: { teams: teams.provider, calendar: calendar.provider },
      ignore: { calendar: ['available'] },
      clock,
    });
    await combined.resolveUsers(['ada', 'ben']);
    teams.status.set('T-ada', 'away');
    calendar.status.set('c-ada', 'available').set('c-ben', 'available');
    const samples = await combined.getPresence(['ada', 'ben']);
    // A free calendar does not make Ada available; Ben, with nothing but a free calendar, gets no reading.
    expect(samples.map((s) => [s.userId, s.status])).toEqual([['ada', 'away']]);
    expect(combinedRaw(samples[0]!.raw)!.platforms.calendar).toMatchObject({
      status: 'available',
      ignored: true,
    });
    calendar.status.set('c-ada', 'busy');
    clock.set(at(1));
    expect((await combined.getPresence(['ada']))[0]!.status).toBe('busy');
    expect(() =>
      combineProviders({ providers: { teams: teams.provider }, ignore: { cal: ['available'] } }),
    ).toThrow(ConfigError);
  });

  it('refuses to resolve when no platform can be reached', async () => {
    const { combined, teams, chat } = setup();
    teams.failing.resolve = true;
    chat.failing.resolve = true;
    await expect(combined.resolveUsers(['ada@x.org'])).rejects.toThrow(
      'no platform could resolve the people: teams: teams is down; chat: chat is down',
    );
  });

  it('a merged reading holds until the earliest validUntil, and only when every part has one', async () => {
    const clock = manualClock(T0);
    const bounded = (name: string, until: Date | undefined): PresenceProvider => ({
      name,
      resolveUsers: async (keys) => ({ resolved: keys.map((key) => ({ key, id: key })), unresolved: [] }),
      getPresence: async (ids) =>
        ids.map((userId) => ({
          userId,
          status: 'busy' as const,
          observedAt: clock.now(),
          ...(until && { validUntil: until }),
        })),
    });
    const both = combineProviders({
      providers: { cal: bounded('cal', at(30)), room: bounded('room', at(20)) },
      clock,
    });
    await both.resolveUsers(['ada']);
    const [s] = await both.getPresence(['ada']);
    expect(s!.validUntil).toEqual(at(20));
    // The calendar's reading keeps counting until its block ends, past staleAfter.
    clock.set(at(25));
    const later = combineProviders({
      providers: { cal: bounded('cal', at(30)), chat: bounded('chat', undefined) },
      clock,
    });
    await later.resolveUsers(['ada']);
    expect('validUntil' in (await later.getPresence(['ada']))[0]!).toBe(false);
  });
});

describe('a tracker on combined providers', () => {
  it("tracks merged intervals, and each platform's own intervals come back from the stored samples", async () => {
    const clock = manualClock(T0);
    const teams = platform('teams', { ada: 'T-ada' }, clock);
    const chat = platform('chat', { ada: 'c-ada' }, clock);
    const store = memoryStore();
    const provider = combineProviders({
      providers: { teams: teams.provider, chat: chat.provider },
      staleAfter: 3 * MIN,
      clock,
    });
    const tracker = createTracker({ provider, store, users: ['ada'], clock, pollInterval: MIN });
    // Minute by minute: what each platform says, `null` for a platform that fails that poll.
    const day: [number, Status | null, Status | null][] = [
      [0, 'available', 'available'],
      [1, 'busy', 'available'],
      [2, 'busy', 'available'],
      [3, null, 'available'],
      [4, null, 'available'],
      [5, null, 'available'],
      [6, null, 'away'],
      [7, 'available', 'away'],
      [8, 'available', 'away'],
    ];
    for (const [m, t, c] of day) {
      clock.set(at(m));
      teams.failing.read = t === null;
      if (t) teams.status.set('T-ada', t);
      if (c) chat.status.set('c-ada', c);
      await tracker.runOnce();
    }
    clock.set(at(9));
    await tracker.stop();
    const all = { from: at(-10), to: at(60) };
    const intervals = await store.intervals(all);
    // Teams' busy of minute 2 counts until minute 5; at minute 6 only the chat's away counts.
    expect(intervals.map((i) => [i.status, i.startedAt, i.endedAt])).toEqual([
      ['available', at(0), at(1)],
      ['busy', at(1), at(6)],
      ['away', at(6), at(7)],
      ['available', at(7), at(9)],
    ]);
    const parts = platformIntervals(await store.samples(all), { staleAfter: 3 * MIN, now: at(9) });
    expect(
      parts.map((p) => [p.userId, p.label, p.intervals.map((i) => [i.status, i.startedAt, i.endedAt])]),
    ).toEqual([
      [
        'ada',
        'teams',
        [
          ['available', at(0), at(1)],
          ['busy', at(1), at(2)],
          ['available', at(7), null],
        ],
      ],
      [
        'ada',
        'chat',
        [
          ['available', at(0), at(6)],
          ['away', at(6), null],
        ],
      ],
    ]);
  });
});

describe('combineProviders discovering people', () => {
  /** A platform that lists its accounts: each entry's e-mail address (or none) and its own id. */
  function listing(
    name: string,
    accounts: { email?: string; id: string; name?: string }[],
    clock: { now(): Date },
  ) {
    const known = Object.fromEntries(
      accounts.flatMap((a) => (a.email ? [[a.email.toLowerCase(), a.id]] : [])),
    );
    const p = platform(name, known, clock);
    const failing = Object.assign(p.failing, { discover: false });
    const discoverUsers = async () => {
      if (failing.discover) throw new ProviderError(name, `${name} cannot list people`);
      return accounts.map((a) => ({
        key: a.email ?? a.id,
        id: a.id,
        displayName: a.name ?? `${a.id} on ${name}`,
        ...(a.email && { email: a.email }),
        groups: [{ kind: 'team', id: name }],
      }));
    };
    return { ...p, failing, provider: { ...p.provider, discoverUsers } };
  }

  function logged() {
    const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    const at = (level: string) => (fields: Record<string, unknown> | string, msg?: string) => {
      lines.push(
        typeof fields === 'string' ? { level, msg: fields, fields: {} } : { level, msg: msg ?? '', fields },
      );
    };
    const logger = {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      fatal: at('fatal'),
      child: () => logger,
    };
    return { lines, logger };
  }

  it('offers discovery only when a platform can discover', () => {
    const clock = manualClock(T0);
    const a = platform('a', {}, clock).provider;
    const b = listing('b', [], clock).provider;
    expect(combineProviders({ providers: { a }, clock }).discoverUsers).toBeUndefined();
    expect(typeof combineProviders({ providers: { a, b }, clock }).discoverUsers).toBe('function');
  });

  it('makes one person of the accounts with the same e-mail address, found on platforms that cannot list too', async () => {
    const clock = manualClock(T0);
    const teams = listing(
      'teams',
      [
        { email: 'Ada@X.org', id: 'T-ada', name: 'Ada Lovelace' },
        { email: 'ben@x.org', id: 'T-ben' },
      ],
      clock,
    );
    const chat = listing(
      'chat',
      [
        { email: 'ada@x.org', id: 'c-ada', name: 'ada (chat)' },
        { email: 'cy@x.org', id: 'c-cy' },
      ],
      clock,
    );
    // A calendar cannot list people; it is asked for the addresses the others listed.
    const calendar = platform('calendar', { 'ada@x.org': 'cal-ada', 'cy@x.org': 'cal-cy' }, clock);
    const calendarAsked: string[][] = [];
    const resolve = calendar.provider.resolveUsers;
    calendar.provider.resolveUsers = async (keys) => {
      calendarAsked.push(keys);
      return resolve(keys);
    };
    const combined = combineProviders({
      providers: { teams: teams.provider, chat: chat.provider, calendar: calendar.provider },
      clock,
    });

    const people = await combined.discoverUsers!();
    expect(people).toEqual([
      {
        key: 'ada@x.org',
        id: 'ada@x.org',
        displayName: 'Ada Lovelace',
        email: 'Ada@X.org',
        groups: [
          { kind: 'team', id: 'teams' },
          { kind: 'team', id: 'chat' },
        ],
      },
      {
        key: 'ben@x.org',
        id: 'ben@x.org',
        displayName: 'T-ben on teams',
        email: 'ben@x.org',
        groups: [{ kind: 'team', id: 'teams' }],
      },
      {
        key: 'cy@x.org',
        id: 'cy@x.org',
        displayName: 'c-cy on chat',
        email: 'cy@x.org',
        groups: [{ kind: 'team', id: 'chat' }],
      },
    ]);
    expect(calendarAsked.map((keys) => [...keys].sort())).toEqual([['ada@x.org', 'ben@x.org', 'cy@x.org']]);

    // Each platform is read under its own ids, and the readings merge per person.
    teams.status.set('T-ada', 'available');
    chat.status.set('c-ada', 'away');
    calendar.status.set('cal-ada', 'busy');
    teams.status.set('T-ben', 'away');
    chat.status.set('c-cy', 'dnd');
    const samples = await combined.getPresence(people.map((p) => p.id));
    expect(Object.fromEntries(samples.map((s) => [s.userId, s.status]))).toEqual({
      'ada@x.org': 'busy',
      'ben@x.org': 'away',
      'cy@x.org': 'dnd',
    });
    expect(teams.reads.at(-1)!.sort()).toEqual(['T-ada', 'T-ben']);
    expect(chat.reads.at(-1)!.sort()).toEqual(['c-ada', 'c-cy']);
    expect(calendar.reads.at(-1)!.sort()).toEqual(['cal-ada', 'cal-cy']);
  });

  it('says nothing of a platform whose read failed because the tracker stops, and warns otherwise', async () => {
    const clock = manualClock(T0);
    const chat = platform('chat', { 'ada@x.org': 'c-ada' }, clock);
    const { lines, logger } = logged();
    const combined = combineProviders({ providers: { chat: chat.provider }, clock, logger });
    await combined.resolveUsers(['ada@x.org']);
    chat.failing.read = true;
    const stop = new AbortController();
    stop.abort(new Error('the tracker is stopping'));
    await expect(combined.getPresence(['ada@x.org'], { signal: stop.signal })).rejects.toThrow();
    expect(lines.filter((l) => l.msg === 'platform failing')).toEqual([]);
    await expect(combined.getPresence(['ada@x.org'])).rejects.toThrow();
    expect(lines.filter((l) => l.msg === 'platform failing').map((l) => l.fields.platform)).toEqual(['chat']);
  });

  it('leaves out accounts without an e-mail address, and says so', async () => {
    const clock = manualClock(T0);
    const chat = listing(
      'chat',
      [{ email: 'ada@x.org', id: 'c-ada' }, { id: 'c-bot' }, { id: 'c-nobody', email: '  ' }],
      clock,
    );
    const { lines, logger } = logged();
    const combined = combineProviders({ providers: { chat: chat.provider }, clock, logger });
    expect((await combined.discoverUsers!()).map((p) => p.id)).toEqual(['ada@x.org']);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        msg: 'accounts without an e-mail address left out: a combined person is matched by e-mail address',
        fields: { platform: 'chat', accounts: 2 },
      },
    ]);
  });

  it("asks a platform whose listing failed for the others' people, and fails only when none could list", async () => {
    const clock = manualClock(T0);
    const teams = listing(
      'teams',
      [
        { email: 'ada@x.org', id: 'T-ada' },
        { email: 'ben@x.org', id: 'T-ben' },
      ],
      clock,
    );
    const chat = listing(
      'chat',
      [
        { email: 'ada@x.org', id: 'c-ada' },
        { email: 'cy@x.org', id: 'c-cy' },
      ],
      clock,
    );
    const combined = combineProviders({ providers: { teams: teams.provider, chat: chat.provider }, clock });
    chat.failing.discover = true;
    // cy is only on the platform that could not list: not discovered this time; ada is found there by address.
    const people = await combined.discoverUsers!();
    expect(people.map((p) => p.id)).toEqual(['ada@x.org', 'ben@x.org']);
    chat.status.set('c-ada', 'dnd');
    teams.status.set('T-ada', 'available');
    expect((await combined.getPresence(['ada@x.org']))[0]!.status).toBe('dnd');

    teams.failing.discover = true;
    const refused = await combined.discoverUsers!().catch((error: unknown) => error);
    expect(ProviderError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toBe(
      'no platform could discover people: teams: teams cannot list people; chat: chat cannot list people',
    );
  });

  it("tracks everyone discovered with users: 'discover', one person per address", async () => {
    const clock = manualClock(T0);
    const teams = listing('teams', [{ email: 'ada@x.org', id: 'T-ada', name: 'Ada' }], clock);
    const chat = listing(
      'chat',
      [
        { email: 'ADA@x.org', id: 'c-ada' },
        { email: 'cy@x.org', id: 'c-cy', name: 'Cy' },
      ],
      clock,
    );
    teams.status.set('T-ada', 'available');
    chat.status.set('c-cy', 'away');
    const store = memoryStore();
    const tracker = createTracker({
      provider: combineProviders({ providers: { teams: teams.provider, chat: chat.provider }, clock }),
      store,
      users: 'discover',
      clock,
    });
    await tracker.runOnce();
    expect((await store.users()).map((u) => [u.id, u.displayName])).toEqual([
      ['ada@x.org', 'Ada'],
      ['cy@x.org', 'Cy'],
    ]);
    const open = await store.openState();
    expect(open.intervals.map((i) => [i.userId, i.status]).sort()).toEqual([
      ['ada@x.org', 'available'],
      ['cy@x.org', 'away'],
    ]);
    await store.close();
  });
});
