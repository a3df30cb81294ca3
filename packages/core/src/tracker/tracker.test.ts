import { describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import type { PresenceSample, Session } from '../model.ts';
import type { Notifier } from '../notifier/index.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import type { PresenceStore } from '../store/index.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker, type TrackerOptions } from './index.ts';

const MIN = 60_000;
const MONDAY = Date.UTC(2026, 2, 2); // 2026-03-02, a Monday
const all = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };

/** A provider whose answers the test script sets, poll by poll. */
function scriptedProvider(users: string[]) {
  let next: PresenceSample[] | Error = [];
  const provider: PresenceProvider & { answer(a: PresenceSample[] | Error): void; calls: number } = {
    name: 'scripted',
    calls: 0,
    async resolveUsers(keys) {
      return {
        resolved: keys
          .filter((k) => users.includes(k))
          .map((k) => ({ key: k, id: `id-${k}`, displayName: k.toUpperCase() })),
        unresolved: keys
          .filter((k) => !users.includes(k))
          .map((key) => ({ key, reason: 'not on this platform' })),
      };
    },
    async getPresence() {
      provider.calls++;
      if (next instanceof Error) throw next;
      return next;
    },
    answer(a) {
      next = a;
    },
  };
  return provider;
}

function tracker(overrides: Partial<TrackerOptions> & Pick<TrackerOptions, 'provider'>) {
  const clock = manualClock(MONDAY + 8 * 60 * MIN);
  const store = memoryStore();
  const t = createTracker({ store, users: ['ada', 'ben'], clock, pollInterval: MIN, ...overrides });
  return { t, clock, store: overrides.store ?? store };
}

describe('a simulated day', () => {
  test('polls a whole day with runOnce and ends the run cleanly', async () => {
    const clock = manualClock(MONDAY + 6 * 60 * MIN);
    const provider = simulatedProvider({ users: 25, seed: 11, clock });
    const store = memoryStore();
    const t = createTracker({ provider, store, users: 'discover', clock, pollInterval: MIN });
    const starts: string[] = [];
    t.on('session:start', (s) => starts.push(s.userId));
    for (let m = 0; m < 14 * 60; m++) {
      await t.runOnce();
      clock.advance(MIN);
    }
    await t.stop();

    const [run] = await store.runs(all);
    expect(run!.endedAt?.getTime()).toBe(clock.now().getTime());
    const sessions = await store.sessions(all);
    expect(sessions.length).toBeGreaterThanOrEqual(25);
    expect(sessions.every((s) => s.endedAt !== null && s.endReason !== null)).toBe(true);
    expect(starts.length).toBe(sessions.length);
    expect(await store.openState()).toEqual({ runs: [], intervals: [], sessions: [] });

    // Every interval holds the status the provider gave at each minute inside it.
    const intervals = await store.intervals(all);
    for (const i of intervals.filter((_, n) => n % 7 === 0)) {
      for (let at = i.startedAt.getTime(); at < i.endedAt!.getTime(); at += MIN) {
        expect(provider.statusAt(i.userId, new Date(at))).toBe(i.status);
      }
    }
    // Intervals tile each user's run: from 06:00 to the stop, without gaps (samples every minute).
    for (const u of t.users) {
      const mine = intervals.filter((i) => i.userId === u.id);
      expect(mine[0]!.startedAt.getTime()).toBe(MONDAY + 6 * 60 * MIN);
      for (let k = 1; k < mine.length; k++) expect(mine[k]!.startedAt).toEqual(mine[k - 1]!.endedAt);
      expect(mine.at(-1)!.endedAt!.getTime()).toBe(clock.now().getTime());
    }
  });
});

describe('runs and recovery', () => {
  test('a crashed run is ended at its last poll and its open sessions closed as recovered', async () => {
    const store = memoryStore();
    const provider = scriptedProvider(['ada', 'ben']);
    const first = tracker({ provider, store });
    const at = (m: number) => new Date(MONDAY + 8 * 60 * MIN + m * MIN);
    provider.answer([
      { userId: 'id-ada', status: 'available', observedAt: at(0) },
      { userId: 'id-ben', status: 'offline', observedAt: at(0) },
    ]);
    await first.t.runOnce();
    first.clock.set(at(1));
    provider.answer([
      { userId: 'id-ada', status: 'busy', observedAt: at(1) },
      { userId: 'id-ben', status: 'offline', observedAt: at(1) },
    ]);
    await first.t.runOnce();
    // The process dies here: no stop().

    const second = tracker({ provider, store });
    second.clock.set(at(30));
    provider.answer([]);
    await second.t.runOnce();
    const runs = await store.runs(all);
    expect(runs.map((r) => [r.startedAt.getTime(), r.endedAt?.getTime() ?? null])).toEqual([
      [at(0).getTime(), at(1).getTime()],
      [at(30).getTime(), null],
    ]);
    const sessions = await store.sessions(all);
    expect(sessions.map((s) => [s.userId, s.endReason, s.endedAt?.getTime()])).toEqual([
      ['id-ada', 'recovered', at(1).getTime()],
    ]);
    const intervals = await store.intervals(all);
    expect(intervals.every((i) => i.endedAt !== null && i.endedAt <= at(1))).toBe(true);
    await second.t.stop();
  });

  test('stop() closes open sessions as stopped and is idempotent', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock, store } = tracker({ provider, users: ['ada'] });
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    clock.advance(MIN);
    await t.stop();
    await t.stop();
    const [session] = await store.sessions(all);
    expect(session).toMatchObject({ endReason: 'stopped', endedAt: clock.now() });
    expect(t.state).toBe('stopped');
    await expect(t.runOnce()).rejects.toThrow(/stopped/);
  });
  test('two stops at once end the run once, and both resolve', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock, store } = tracker({ provider, users: ['ada'] });
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    const ends: unknown[] = [];
    t.on('run:end', (r) => ends.push(r));
    clock.advance(MIN);
    const settled = await Promise.allSettled([t.stop(), t.stop()]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(ends).toHaveLength(1);
    expect((await store.runs(all))[0]!.endedAt).toEqual(clock.now());
  });

  test('stop() called while start() is getting ready waits for it, then ends the run', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock, store } = tracker({ provider, users: ['ada'] });
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    const starting = t.start();
    await t.stop();
    await starting;
    expect(t.state).toBe('stopped');
    const runs = await store.runs(all);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.endedAt).not.toBeNull();
    await expect(t.runOnce()).rejects.toThrow(/stopped/);
  });

  test('start() called twice runs one poll loop', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock } = tracker({ provider, users: ['ada'] });
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    const first = t.start();
    await t.start();
    await first;
    // runOnce queues behind every poll already started: the loop's first and, were there two loops, the second's.
    await t.runOnce();
    expect(provider.calls).toBe(2);
    await t.stop();
    expect(provider.calls).toBe(2);
  });

  test('stop() tells a read that is waiting to give up, by its signal, and announces no error for it', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock, store } = tracker({ provider, users: ['ada'] });
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    let told: unknown;
    let reading!: () => void;
    const started = new Promise<void>((resolve) => {
      reading = resolve;
    });
    // The next read waits as for a long Retry-After, until its signal aborts.
    provider.getPresence = (_ids, options) => {
      reading();
      return new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => {
          told = options.signal!.reason;
          reject(options.signal!.reason);
        });
      });
    };
    const errors: unknown[] = [];
    t.on('error', (e) => errors.push(e));
    clock.advance(MIN);
    const polling = t.runOnce();
    await started;
    await t.stop();
    expect(await polling).toMatchObject({ skipped: 'provider-error' });
    expect(t.state).toBe('stopped');
    expect(errors).toEqual([]);
    expect((told as Error).message).toBe('the tracker is stopping');
    const [session] = await store.sessions(all);
    expect(session).toMatchObject({ endReason: 'stopped', endedAt: clock.now() });
  });
});

describe('users', () => {
  test('resolves keys with their severity and display name, and reports unknown ones', async () => {
    const provider = scriptedProvider(['ada', 'ben']);
    const { t, store } = tracker({
      provider,
      users: [{ key: 'ada', severity: 3 }, { key: 'ben', displayName: 'Benjamin' }, 'carl'],
    });
    const reported: { key: string; reason: string }[][] = [];
    t.on('users', (u) => reported.push(u.unresolved));
    await t.runOnce();
    expect(reported).toEqual([[{ key: 'carl', reason: 'not on this platform' }]]);
    const users = await store.users();
    expect(users.map((u) => [u.id, u.severity, u.displayName])).toEqual([
      ['id-ada', 3, 'ADA'],
      ['id-ben', 0, 'Benjamin'],
    ]);
    await t.stop();
  });

  test('a person named twice is tracked once, in the first place, with the later details', async () => {
    const clock = manualClock(MONDAY + 10 * 60 * MIN);
    const provider = simulatedProvider({ users: ['ada@example.com', 'ben@example.com'], clock });
    const store = memoryStore();
    const t = createTracker({
      provider,
      store,
      clock,
      // The first and the last name the same person: by key, then by id.
      users: [{ key: 'ada@example.com', severity: 1 }, 'ben@example.com', { key: 'sim-0001', severity: 3 }],
    });
    const tracked: [string, number][][] = [];
    t.on('users', (u) => tracked.push(u.tracked.map((x) => [x.id, x.severity ?? 0])));
    const result = await t.runOnce();
    expect(tracked).toEqual([
      [
        ['sim-0001', 3],
        ['sim-0002', 0],
      ],
    ]);
    expect(result.samples).toBe(2);
    expect((await store.users()).map((u) => [u.id, u.severity])).toEqual([
      ['sim-0001', 3],
      ['sim-0002', 0],
    ]);
    await t.stop();
  });

  test("'discover' needs a provider that can discover", async () => {
    const provider = scriptedProvider(['ada']);
    const { t } = tracker({ provider, users: 'discover' });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    const result = await t.runOnce();
    expect(result.skipped).toBe('no-users');
    expect(errors[0]?.message).toMatch(/cannot discover/);
    await t.stop();
  });
});

describe('failures', () => {
  test('a provider failure is an error event and the next poll goes on', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock, store } = tracker({ provider, users: ['ada'] });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    clock.advance(MIN);
    provider.answer(new Error('HTTP 503'));
    expect((await t.runOnce()).skipped).toBe('provider-error');
    expect(errors.map((e) => e.message)).toEqual(['HTTP 503']);
    clock.advance(MIN);
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    await t.stop();
    const [session] = await store.sessions(all);
    expect(session!.startedAt.getTime()).toBe(MONDAY + 8 * 60 * MIN);
    expect(session!.lastSeenAt.getTime()).toBe(MONDAY + 8 * 60 * MIN + 2 * MIN);
  });

  test('a sample whose status is not one of the statuses is left out and named; the others are kept', async () => {
    const provider = scriptedProvider(['ada', 'ben']);
    const { t, clock, store } = tracker({ provider });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    provider.answer([
      { userId: 'id-ada', status: 'lunch' as 'away', observedAt: clock.now() },
      { userId: 'id-ben', status: 'busy', observedAt: clock.now() },
    ]);
    expect((await t.runOnce()).samples).toBe(1);
    expect(errors.map((e) => e.message)).toEqual([
      'provider scripted returned a sample whose status is not one of available, busy, dnd, away, offline, unknown: lunch (user id-ada); such samples are left out',
    ]);
    clock.advance(MIN);
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    await t.stop();
    const intervals = await store.intervals(all);
    expect(intervals.map((i) => [i.userId, i.status, i.startedAt.getTime() - MONDAY])).toEqual([
      ['id-ben', 'busy', 8 * 60 * MIN],
      ['id-ada', 'available', 8 * 60 * MIN + MIN],
    ]);
  });

  test('a provider failing longer than staleAfter leaves the user unobserved from the last sighting', async () => {
    const provider = scriptedProvider(['ada']);
    const { t, clock, store } = tracker({ provider, users: ['ada'], policy: { staleAfter: 3 * MIN } });
    const start = clock.now();
    provider.answer([{ userId: 'id-ada', status: 'busy', observedAt: start }]);
    await t.runOnce();
    provider.answer(new Error('down'));
    for (let i = 0; i < 5; i++) {
      clock.advance(MIN);
      await t.runOnce();
    }
    const [session] = await store.sessions(all);
    expect(session).toMatchObject({ endReason: 'stale', endedAt: start });
    await t.stop();
  });

  test('a failed store write is kept and written first on the next poll: nothing is lost', async () => {
    const real = memoryStore();
    let failNext = false;
    const flaky: PresenceStore = {
      ...real,
      async writePoll(write) {
        if (failNext) {
          failNext = false;
          throw new Error('connection lost');
        }
        return real.writePoll(write);
      },
    };
    const provider = scriptedProvider(['ada']);
    const { t, clock } = tracker({ provider, store: flaky, users: ['ada'] });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    const statuses = ['available', 'busy', 'away', 'available'] as const;
    for (const [i, status] of statuses.entries()) {
      failNext = i === 1;
      provider.answer([{ userId: 'id-ada', status, observedAt: clock.now() }]);
      await t.runOnce();
      clock.advance(MIN);
    }
    await t.stop();
    expect(errors.map((e) => e.message)).toEqual(['connection lost']);
    const intervals = await real.intervals(all);
    expect(intervals.map((i) => i.status)).toEqual([...statuses]);
  });

  test('a notifier that throws or hangs never stops tracking', async () => {
    const provider = scriptedProvider(['ada']);
    const delivered: string[] = [];
    const throwing: Notifier = {
      name: 'throwing',
      async deliver() {
        throw new Error('receiver down');
      },
    };
    const hanging: Notifier = { name: 'hanging', deliver: () => new Promise(() => {}) };
    const good: Notifier = {
      name: 'good',
      async deliver(e) {
        delivered.push(e.type);
      },
    };
    const { t, clock, store } = tracker({
      provider,
      users: ['ada'],
      notifiers: [throwing, hanging, good],
      stopTimeout: 100,
    });
    t.on('error', () => {});
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    clock.advance(MIN);
    provider.answer([{ userId: 'id-ada', status: 'offline', observedAt: clock.now() }]);
    await t.runOnce();
    await t.stop();
    expect(delivered).toEqual(['run.started', 'session.started', 'session.ended', 'run.ended']);
    expect((await store.sessions(all)).map((s: Session) => s.endReason)).toEqual(['offline']);
  });
});

describe('status events', () => {
  test("each names the person's previous status, none for the first, and a continued run remembers it", async () => {
    const provider = scriptedProvider(['ada', 'ben']);
    const { t, clock, store } = tracker({ provider });
    const seen: [string, string, string | null][] = [];
    const listen = (x: typeof t) => x.on('status', (e) => seen.push([e.userId, e.status, e.previous]));
    listen(t);
    const answer = (ada: PresenceSample['status'], ben: PresenceSample['status']) =>
      provider.answer([
        { userId: 'id-ada', status: ada, observedAt: clock.now() },
        { userId: 'id-ben', status: ben, observedAt: clock.now() },
      ]);
    answer('available', 'busy');
    await t.runOnce();
    clock.advance(MIN);
    answer('busy', 'busy');
    await t.runOnce();
    clock.advance(MIN);
    answer('away', 'available');
    await t.runOnce();
    expect(seen).toEqual([
      ['id-ada', 'available', null],
      ['id-ben', 'busy', null],
      ['id-ada', 'busy', 'available'],
      ['id-ada', 'away', 'busy'],
      ['id-ben', 'available', 'busy'],
    ]);

    // A tracker that continues the run starts from what the store holds open.
    seen.length = 0;
    clock.advance(MIN);
    const next = createTracker({
      provider,
      store,
      users: ['ada', 'ben'],
      clock,
      pollInterval: MIN,
      continueRun: true,
    });
    listen(next);
    answer('dnd', 'available');
    await next.runOnce();
    await next.stop();
    expect(seen).toEqual([['id-ada', 'dnd', 'away']]);
  });
});

describe('schedule', () => {
  const schedule = {
    timeZone: 'Europe/Berlin',
    windows: [{ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }],
  };

  test('polls only inside windows and ends sessions when the window closes, however late the next poll', async () => {
    const clock = manualClock(Date.UTC(2026, 2, 2, 7, 0)); // 08:00 in Berlin (UTC+1)
    const provider = scriptedProvider(['ada']);
    const store = memoryStore();
    // Seen at 16:30 and not again: with a long staleAfter the session lasts until the window closes.
    const t = createTracker({
      provider,
      store,
      users: ['ada'],
      clock,
      schedule,
      policy: { staleAfter: 60 * MIN },
    });
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    expect((await t.runOnce()).skipped).toBe('outside-window');
    expect(provider.calls).toBe(0);

    clock.set(Date.UTC(2026, 2, 2, 15, 30)); // 16:30 Berlin
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    expect(provider.calls).toBe(1);
    clock.set(Date.UTC(2026, 2, 2, 18, 0)); // 19:00 Berlin, long after the window closed
    expect((await t.runOnce()).skipped).toBe('outside-window');
    const [session] = await store.sessions(all);
    expect(session).toMatchObject({ endReason: 'window', endedAt: new Date(Date.UTC(2026, 2, 2, 16, 0)) });
    await t.stop();
  });

  test('windows follow daylight saving time in the schedule time zone', async () => {
    // 2026-03-30 is the Monday after Berlin moved to UTC+2: 09:00 local is 07:00 UTC.
    const clock = manualClock(Date.UTC(2026, 2, 30, 7, 5));
    const provider = scriptedProvider(['ada']);
    const t = createTracker({ provider, store: memoryStore(), users: ['ada'], clock, schedule });
    provider.answer([]);
    expect((await t.runOnce()).skipped).toBeUndefined();
    clock.set(Date.UTC(2026, 2, 30, 15, 5)); // 17:05 local
    expect((await t.runOnce()).skipped).toBe('outside-window');
    await t.stop();
  });
});

describe('start and stop with real timers', () => {
  test('polls on the interval until stopped', async () => {
    const provider = simulatedProvider({ users: 3 });
    const store = memoryStore();
    const t = createTracker({ provider, store, users: 'discover', pollInterval: 10 });
    const polls: number[] = [];
    const thirdPoll = new Promise<void>((resolve) =>
      t.on('poll', (p) => {
        polls.push(p.samples);
        if (polls.length === 3) resolve();
      }),
    );
    await t.start();
    // Waits for the polls themselves, not for a stretch of wall-clock time a busy machine may not honour.
    await thirdPoll;
    await t.stop();
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.every((n) => n === 3)).toBe(true);
    const count = polls.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(polls.length).toBe(count);
    expect((await store.runs(all))[0]!.endedAt).not.toBeNull();
  });
});

describe('options', () => {
  test('bad options are refused with every problem named', () => {
    const provider = scriptedProvider([]);
    let error: unknown;
    try {
      createTracker({
        provider,
        store: memoryStore(),
        users: [],
        pollInterval: -5,
        policy: { availableStatuses: ['here' as never] },
        schedule: { timeZone: 'Mars/Olympus', windows: [{ days: [8], start: '9:00', end: '17:00' }] },
      });
    } catch (e) {
      error = e;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'users',
        'pollInterval',
        'policy.availableStatuses.0',
        'schedule.timeZone',
        'schedule.windows.0.days.0',
        'schedule.windows.0.start',
      ]),
    );
    expect((error as Error).message).toMatch(/pollInterval/);
  });

  test('a misspelt option is refused with the name it was probably meant to be, never its value', () => {
    const provider = scriptedProvider([]);
    const refusal = (extra: object) => {
      try {
        createTracker({ provider, store: memoryStore(), users: ['ada'], ...extra } as TrackerOptions);
      } catch (e) {
        return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
      return [];
    };
    expect(refusal({ pollIntervall: 1000 })).toEqual([
      'pollIntervall: expected no field of this name (did you mean pollInterval?), received a whole number',
    ]);
    expect(refusal({ policy: { staleafter: 5 } })).toEqual([
      'policy.staleafter: expected no field of this name (did you mean staleAfter?), received a whole number',
    ]);
    expect(refusal({ users: ['ben', { key: 'ada', severity: 5 }] })).toEqual([
      'users.1.severity: expected a severity 0, 1, 2 or 3, received a whole number',
    ]);
    expect(refusal({ users: 'everyone' })).toEqual([
      "users: expected 'discover' or a list of keys and { key, severity?, displayName? } objects, received a string",
    ]);
    expect(refusal({ spool: { path: 's', secret: 'hunter2' } }).join()).not.toContain('hunter2');
    expect(refusal({ logger: { info() {}, warn() {}, error() {}, debug() {} } })).toEqual([]);
  });
});

describe('a store that disagrees', () => {
  test('a write refused as conflicting is dropped and the users start afresh from the store', async () => {
    const store = memoryStore();
    const provider = scriptedProvider(['ada']);
    const { t, clock } = tracker({ provider, store, users: ['ada'] });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    provider.answer([{ userId: 'id-ada', status: 'available', observedAt: clock.now() }]);
    await t.runOnce();
    // Someone else closes ada's interval and session behind the tracker's back.
    const run = (await store.runs(all))[0]!;
    const at = new Date(clock.now().getTime() + 30_000);
    await store.writePoll({
      runId: run.id,
      at,
      samples: [],
      effects: [
        { type: 'interval.close', userId: 'id-ada', endedAt: at },
        {
          type: 'session.close',
          userId: 'id-ada',
          startedAt: clock.now(),
          endedAt: at,
          lastSeenAt: at,
          reason: 'stopped',
        },
      ],
    });
    clock.advance(MIN);
    provider.answer([{ userId: 'id-ada', status: 'busy', observedAt: clock.now() }]);
    await t.runOnce();
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['STORE_CONFLICT']);
    for (let i = 0; i < 2; i++) {
      clock.advance(MIN);
      provider.answer([{ userId: 'id-ada', status: 'busy', observedAt: clock.now() }]);
      await t.runOnce();
    }
    await t.stop();
    expect(errors).toHaveLength(1);
    const intervals = await store.intervals(all);
    expect(intervals.at(-1)).toMatchObject({ status: 'busy', endedAt: clock.now() });
    expect(await store.openState()).toEqual({ runs: [], intervals: [], sessions: [] });
  });
});

describe('many people', () => {
  test('a stop that closes everything for 100,000 people is written, not spread onto the stack', async () => {
    const clock = manualClock(MONDAY + 9 * 60 * MIN);
    const ids = Array.from({ length: 100_000 }, (_, n) => `p${n}`);
    const provider: PresenceProvider = {
      name: 'everyone-busy',
      async resolveUsers(keys) {
        return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
      },
      async discoverUsers() {
        return ids.map((id) => ({ key: id, id }));
      },
      async getPresence(userIds) {
        const observedAt = clock.now();
        return userIds.map((userId) => ({ userId, status: 'busy' as const, observedAt }));
      },
    };
    const store = memoryStore();
    const t = createTracker({ provider, store, users: 'discover', clock, pollInterval: MIN });
    await t.runOnce();
    clock.advance(MIN);
    await t.stop();
    const state = await store.openState();
    expect(state.intervals.length + state.sessions.length).toBe(0);
    const [run] = await store.runs(all);
    expect(run!.endedAt).toEqual(clock.now());
  }, 120_000);
});
