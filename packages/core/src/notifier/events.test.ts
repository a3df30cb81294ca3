import { describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { simulatedProvider } from '../provider/simulated.ts';
import { memoryStore } from '../store/memory.ts';
import { sampleEvents } from '../testing/events.ts';
import { createTracker } from '../tracker/index.ts';
import { createEvent, eventBody, TRACKER_EVENT_TYPES, type TrackerEvent } from './events.ts';
import { chatText, describeEvent, formatDuration, formatters, listedDetails } from './formatters.ts';
import type { Notifier } from './notifier.ts';
import { eventSchemas, type TrackerEventData, trackerEventSchema } from './schemas.ts';

const MIN = 60_000;
const MONDAY_7AM = Date.UTC(2026, 2, 2, 7);

function recorder(): Notifier & { got: TrackerEvent[] } {
  const got: TrackerEvent[] = [];
  return {
    name: 'recorder',
    got,
    async deliver(event) {
      got.push(event);
    },
  };
}

/** A simulated working day, polled every minute from 07:00 to 17:00, with every event recorded. */
async function day() {
  const clock = manualClock(MONDAY_7AM);
  const provider = simulatedProvider({ users: 12, seed: 5, clock });
  const store = memoryStore();
  const rec = recorder();
  // Every severity present, so each threshold is exercised.
  const users = (await provider.discoverUsers!()).map((u, i) => ({
    key: u.key,
    severity: (i % 4) as 0 | 1 | 2 | 3,
  }));
  const tracker = createTracker({
    provider,
    store,
    users,
    clock,
    pollInterval: MIN,
    notifiers: [rec],
    policy: { unavailableAfter: [60 * MIN, 30 * MIN, 15 * MIN, 5 * MIN] },
  });
  for (let m = 0; m < 10 * 60; m++) {
    await tracker.runOnce();
    clock.advance(MIN);
  }
  await tracker.stop();
  return { store, events: rec.got, tracker, clock };
}

describe('the events of a day', async () => {
  const { store, events, clock } = await day();

  test('every event parses with the published schemas after a JSON round trip', () => {
    for (const event of events) {
      const wire = JSON.parse(JSON.stringify(eventBody(event)));
      const parsed = trackerEventSchema.parse(wire);
      expect(parsed).toEqual(wire);
      expect(eventSchemas[event.type].safeParse(wire).success).toBe(true);
      expect(event.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const types = new Set(events.map((e) => e.type));
    expect(types).toEqual(
      new Set(['run.started', 'session.started', 'session.ended', 'unavailable.long', 'run.ended']),
    );
  });

  test("unavailable.long fires just after the threshold of the person's severity", () => {
    const alerts = events
      .filter((e) => e.type === 'unavailable.long')
      .map((e) => e.data as TrackerEventData['unavailable.long']);
    expect(alerts.length).toBeGreaterThan(0);
    const thresholds = [60 * MIN, 30 * MIN, 15 * MIN, 5 * MIN];
    for (const a of alerts) {
      expect(a.thresholdMs).toBe(thresholds[a.severity]);
      expect(a.durationMs).toBeGreaterThan(a.thresholdMs);
      expect(a.durationMs).toBeLessThanOrEqual(a.thresholdMs + MIN);
      expect(a.status).not.toBe('available');
    }
    // The loudest people are alerted at least as often as the quietest.
    const count = (s: number) => alerts.filter((a) => a.severity === s).length;
    expect(count(3)).toBeGreaterThanOrEqual(count(0));
  });

  test("run.ended carries each person's observed, available and unavailable time and sessions over the run", async () => {
    const ended = events.at(-1)!;
    expect(ended.type).toBe('run.ended');
    const d = ended.data as TrackerEventData['run.ended'];
    expect(d.startedAt).toBe(new Date(MONDAY_7AM).toISOString());
    expect(d.endedAt).toBe(clock.now().toISOString());
    expect(d.durationMs).toBe(10 * 60 * MIN);
    expect(d.users).toHaveLength(12);

    const range = { from: new Date(MONDAY_7AM), to: clock.now() };
    const intervals = await store.intervals(range);
    const sessions = await store.sessions(range);
    for (const u of d.users) {
      const mine = intervals.filter((i) => i.userId === u.userId);
      const ms = (list: typeof mine) =>
        list.reduce((t, i) => t + (i.endedAt!.getTime() - i.startedAt.getTime()), 0);
      expect(u.observedMs).toBe(ms(mine));
      expect(u.availableMs).toBe(ms(mine.filter((i) => i.status === 'available')));
      expect(u.unavailableMs).toBe(u.observedMs - u.availableMs);
      expect(u.sessions).toBe(sessions.filter((s) => s.userId === u.userId).length);
      expect(u.longestUnavailableMs).toBeLessThanOrEqual(u.unavailableMs);
      // Polled every minute and never stale: observed from the first sample to the end of the run.
      if (mine.length > 0) expect(u.observedMs).toBe(clock.now().getTime() - mine[0]!.startedAt.getTime());
    }
    expect(d.totals.observedMs).toBe(d.users.reduce((t, u) => t + u.observedMs, 0));
    expect(d.totals.sessions).toBe(sessions.length);
    expect(d.users.some((u) => u.availableMs > 0 && u.unavailableMs > 0)).toBe(true);
  });

  test('session events match the sessions the store kept', async () => {
    const sessions = await store.sessions({ from: new Date(MONDAY_7AM), to: clock.now() });
    const started = events.filter((e) => e.type === 'session.started');
    const ended = events
      .filter((e) => e.type === 'session.ended')
      .map((e) => e.data as TrackerEventData['session.ended']);
    expect(started).toHaveLength(sessions.length);
    expect(ended).toHaveLength(sessions.length);
    for (const e of ended) {
      expect(e.durationMs).toBe(Date.parse(e.endedAt) - Date.parse(e.startedAt));
      const s = sessions.find((x) => x.userId === e.userId && x.startedAt.toISOString() === e.startedAt);
      expect(s?.endReason).toBe(e.reason);
    }
  });
});

test('a failing provider raises tracker.error with where, message, code and run', async () => {
  const clock = manualClock(MONDAY_7AM);
  const rec = recorder();
  const provider: PresenceProvider = {
    name: 'broken',
    async resolveUsers(keys) {
      return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
    },
    async getPresence() {
      throw new Error('platform down');
    },
  };
  const tracker = createTracker({ provider, store: memoryStore(), users: ['ada'], clock, notifiers: [rec] });
  tracker.on('error', () => {});
  await tracker.runOnce();
  await tracker.stop();
  const errors = rec.got.filter((e) => e.type === 'tracker.error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.data).toEqual({
    where: 'provider',
    message: 'platform down',
    runId: tracker.run!.id,
    since: clock.now().toISOString(),
  });
  expect(trackerEventSchema.safeParse(JSON.parse(JSON.stringify(eventBody(errors[0]!)))).success).toBe(true);
});

describe('formats', () => {
  const at = new Date('2026-03-02T09:40:00.000Z');
  const sample = sampleEvents();
  const manyPeople = () => {
    const ended = sample['run.ended'].data as TrackerEventData['run.ended'];
    const users = Array.from({ length: 35 }, (_, i) => ({
      ...ended.users[0]!,
      userId: `u${i}`,
      displayName: `P${i}`,
    }));
    return createEvent('run.ended', at, { ...ended, users });
  };

  test("chat text is one readable line, and a run's end lists the people, 30 at most", () => {
    expect(chatText(describeEvent(sample['unavailable.long']))).toBe(
      'Ada Novak has been away for 10 min, since 2026-03-02 09:30 UTC.',
    );
    expect(chatText(describeEvent(sample['session.ended']))).toBe(
      'Ada Novak was present for 1 h 40 min until 2026-03-02 09:40 UTC (went offline).',
    );
    expect(chatText(describeEvent(sample['run.ended']))).toBe(
      'Tracking ended at 2026-03-02 09:40 UTC after 2 h 40 min (run 7): 1 person, 2 h 00 min available, 30 min unavailable, 2 sessions.\n' +
        '- Ada Novak: 2 h 00 min available, 30 min unavailable (longest 20 min), 2 sessions',
    );
    expect(chatText(describeEvent(sample['run.started'], { timeZone: 'Europe/Berlin' }))).toBe(
      'Tracking started at 2026-03-02 10:40 GMT+1 (run 7).',
    );
    const text = chatText(describeEvent(manyPeople()));
    expect(text.split('\n')).toHaveLength(1 + 30 + 1);
    expect(text.endsWith('- and 5 more')).toBe(true);
  });

  test('listed details stop at 30 people and say how many more', () => {
    const details = describeEvent(manyPeople()).details;
    expect(details).toHaveLength(35);
    const listed = listedDetails(details);
    expect(listed).toHaveLength(31);
    expect(listed[29]!.name).toBe('P29');
    expect(listed.at(-1)).toEqual({ name: 'and', value: '5 more' });
    expect(listedDetails(details.slice(0, 30))).toEqual(details.slice(0, 30));
  });

  test('Gotify gets title, message and a priority that rises with severity', () => {
    expect(formatters.gotify(sample['unavailable.long'])).toEqual({
      title: 'Unavailable for long',
      message: 'Ada Novak has been away for 10 min, since 2026-03-02 09:30 UTC.',
      priority: 10,
    });
    const priority = (severity: 0 | 1 | 2 | 3) =>
      (
        formatters.gotify(
          createEvent('unavailable.long', at, {
            ...(sample['unavailable.long'].data as TrackerEventData['unavailable.long']),
            severity,
          }),
        ) as { priority: number }
      ).priority;
    expect([0, 1, 2, 3].map((s) => priority(s as 0 | 1 | 2 | 3))).toEqual([4, 6, 8, 10]);
    expect((formatters.gotify(sample['tracker.error']) as { priority: number }).priority).toBe(8);
  });

  test('every type has words, and the standard format is the webhook body', () => {
    for (const type of TRACKER_EVENT_TYPES) {
      const words = describeEvent(sample[type]);
      expect(words.title.length).toBeGreaterThan(0);
      expect(words.text.length).toBeGreaterThan(0);
      expect(formatters.standard(sample[type])).toEqual(eventBody(sample[type]));
    }
    expect(describeEvent(sample['tracker.error']).text).toBe('Tracker error (provider): platform down');
    expect(describeEvent(sample['tracker.recovered']).text).toBe(
      'The provider works again at 2026-03-02 09:40 UTC, after 1 h 00 min and 60 failures.',
    );
    expect([formatDuration(40_000), formatDuration(35 * MIN), formatDuration(125 * MIN)]).toEqual([
      '40 s',
      '35 min',
      '2 h 05 min',
    ]);
  });
});

describe('a long outage', () => {
  /** A provider that fails while `down` is set. */
  function flaky() {
    const state = { down: false };
    const provider: PresenceProvider = {
      name: 'flaky',
      async resolveUsers(keys) {
        return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
      },
      async getPresence(ids) {
        if (state.down) throw new Error('HTTP 503 Service Unavailable');
        return ids.map((userId) => ({
          userId,
          status: 'available' as const,
          observedAt: new Date(MONDAY_7AM),
        }));
      },
    };
    return { provider, state };
  }

  test('sends the same error at most once per quiet period, with how often it came since, then tracker.recovered', async () => {
    const clock = manualClock(MONDAY_7AM);
    const rec = recorder();
    const { provider, state } = flaky();
    const tracker = createTracker({
      provider,
      store: memoryStore(),
      users: ['ada'],
      clock,
      pollInterval: MIN,
      notifiers: [rec],
    });
    const heard: Error[] = [];
    const recovered: unknown[] = [];
    tracker.on('error', (e) => heard.push(e));
    tracker.on('recovered', (r) => recovered.push(r));
    await tracker.runOnce();
    const down = clock.advance(MIN);
    state.down = true;
    // Two and a half hours of failing polls, one a minute.
    for (let m = 0; m < 150; m++) {
      await tracker.runOnce();
      clock.advance(MIN);
    }
    state.down = false;
    const back = clock.now();
    await tracker.runOnce();
    clock.advance(MIN);
    await tracker.runOnce();
    await tracker.stop();

    expect(heard).toHaveLength(150);
    const errors = rec.got.filter((e) => e.type === 'tracker.error');
    expect(errors.map((e) => [e.timestamp.getTime() - down.getTime(), e.data.repeated])).toEqual([
      [0, undefined],
      [60 * MIN, 59],
      [120 * MIN, 59],
    ]);
    expect(errors.every((e) => e.data.since === down.toISOString())).toBe(true);
    const back_ = rec.got.filter((e) => e.type === 'tracker.recovered');
    expect(back_.map((e) => e.data)).toEqual([
      {
        where: 'provider',
        since: down.toISOString(),
        at: back.toISOString(),
        durationMs: back.getTime() - down.getTime(),
        failures: 150,
        runId: tracker.run!.id,
      },
    ]);
    expect(recovered).toEqual([{ where: 'provider', since: down, at: back, failures: 150 }]);
    for (const e of [...errors, ...back_])
      expect(trackerEventSchema.safeParse(JSON.parse(JSON.stringify(eventBody(e)))).success).toBe(true);
  });

  test('the quiet period is an option', async () => {
    const clock = manualClock(MONDAY_7AM);
    const rec = recorder();
    const { provider, state } = flaky();
    const tracker = createTracker({
      provider,
      store: memoryStore(),
      users: ['ada'],
      clock,
      notifiers: [rec],
      errorQuietPeriod: 10 * MIN,
    });
    tracker.on('error', () => {});
    state.down = true;
    for (let m = 0; m < 30; m++) {
      await tracker.runOnce();
      clock.advance(MIN);
    }
    await tracker.stop();
    expect(rec.got.filter((e) => e.type === 'tracker.error')).toHaveLength(3);
  });
});

test('a crashed run gets run.ended when the next start recovers it, with its statistics and reason recovered', async () => {
  const clock = manualClock(MONDAY_7AM);
  const store = memoryStore();
  const provider: PresenceProvider = {
    name: 'steady',
    async resolveUsers(keys) {
      return {
        resolved: keys.map((key) => ({ key, id: key, displayName: key.toUpperCase() })),
        unresolved: [],
      };
    },
    async getPresence(ids) {
      return ids.map((userId) => ({ userId, status: 'available' as const, observedAt: clock.now() }));
    },
  };
  const first = createTracker({ provider, store, users: ['ada'], clock, pollInterval: MIN });
  for (let m = 0; m <= 30; m++) {
    await first.runOnce();
    clock.advance(MIN);
  }
  const crashed = first.run!;
  // The process dies here, without stop(). The next start, an hour later:
  clock.advance(60 * MIN);
  const rec = recorder();
  const second = createTracker({
    provider,
    store,
    users: ['ada'],
    clock,
    pollInterval: MIN,
    notifiers: [rec],
  });
  await second.runOnce();
  await second.stop();
  const ended = rec.got.filter((e) => e.type === 'run.ended');
  expect(ended.map((e) => (e.data as TrackerEventData['run.ended']).runId)).toEqual([
    crashed.id,
    second.run!.id,
  ]);
  const data = eventSchemas['run.ended'].parse(JSON.parse(JSON.stringify(eventBody(ended[0]!)))).data;
  expect(data).toMatchObject({
    reason: 'recovered',
    startedAt: new Date(MONDAY_7AM).toISOString(),
    endedAt: new Date(MONDAY_7AM + 30 * MIN).toISOString(),
    durationMs: 30 * MIN,
    totals: { observedMs: 30 * MIN, availableMs: 30 * MIN, unavailableMs: 0, sessions: 1 },
  });
  expect(data.users).toEqual([
    expect.objectContaining({ userId: 'ada', displayName: 'ADA', availableMs: 30 * MIN }),
  ]);
  expect((ended[1]!.data as TrackerEventData['run.ended']).reason).toBe('stopped');
});
