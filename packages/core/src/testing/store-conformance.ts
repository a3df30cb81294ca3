import assert from 'node:assert/strict';
import { StoreError } from '../errors.ts';
import type { Effect } from '../machine/index.ts';
import type { PresenceSample, User } from '../model.ts';
import type { TrackerEvent } from '../notifier/events.ts';
import type { PresenceStore } from '../store/index.ts';

/** A test registrar such as vitest's or node:test's `test`: the suite depends on no runner. */
export type TestFunction = (name: string, fn: () => Promise<void>) => unknown;

export const STORE_GROUPS = [
  'lifecycle',
  'users',
  'runs',
  'poll',
  'queries',
  'recovery',
  'samples',
  'outbox',
  'purge',
] as const;
export type StoreGroup = (typeof STORE_GROUPS)[number];

export interface StoreConformanceOptions {
  /** Groups this store does not support; say why in the adapter's README. */
  skip?: StoreGroup[];
  /** Closes the store and opens it again on the same data, for stores that persist. */
  reopen?: (store: PresenceStore) => Promise<PresenceStore>;
  /** Prefix for test names. Default: `store conformance`. */
  prefix?: string;
}

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0); // a Monday, 08:00 UTC
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const MIN = 60_000;

const user = (id: string, extra: Partial<User> = {}): User => ({
  key: `${id}@example.com`,
  id,
  severity: 0,
  ...extra,
});

const open = (userId: string, status: PresenceSample['status'], minute: number): Effect => ({
  type: 'interval.open',
  userId,
  status,
  startedAt: at(minute),
});
const close = (userId: string, minute: number): Effect => ({
  type: 'interval.close',
  userId,
  endedAt: at(minute),
});
const sessionOpen = (userId: string, minute: number): Effect => ({
  type: 'session.open',
  userId,
  startedAt: at(minute),
});
const sessionClose = (
  userId: string,
  started: number,
  minute: number,
  reason: 'offline' | 'stale' | 'stopped' | 'window' | 'recovered' = 'offline',
  lastSeen = minute,
): Effect => ({
  type: 'session.close',
  userId,
  startedAt: at(started),
  endedAt: at(minute),
  lastSeenAt: at(lastSeen),
  reason,
});
const seen = (userId: string, minute: number, present = true): Effect => ({
  type: 'seen',
  userId,
  at: at(minute),
  present,
});

const event = (n: number, type: TrackerEvent['type'] = 'session.started'): TrackerEvent => ({
  id: `evt_${n}`,
  type,
  timestamp: at(n),
  data: { userId: 'u1', n, nested: { list: [1, 'two', null], iso: at(n).toISOString() } },
});

/**
 * The contract every store meets, registered as tests on `test`. Each test gets a fresh store from
 * `makeStore` and closes it. An adapter's whole conformance test:
 *
 * ```ts
 * import { test } from 'vitest';
 * import { storeConformance } from '@presence-tracker/core/testing';
 * storeConformance(test, () => sqliteStore({ path: ':memory:' }));
 * ```
 */
export function storeConformance(
  test: TestFunction,
  makeStore: () => PresenceStore | Promise<PresenceStore>,
  options: StoreConformanceOptions = {},
): void {
  const skip = new Set(options.skip ?? []);
  const prefix = options.prefix ?? 'store conformance';
  const group = (
    name: StoreGroup,
    title: string,
    body: (store: PresenceStore) => Promise<PresenceStore | undefined>,
  ) => {
    if (skip.has(name)) return;
    test(`${prefix} > ${name} > ${title}`, async () => {
      let store = await makeStore();
      try {
        const replaced = await body(store);
        if (replaced) store = replaced;
      } finally {
        await store.close().catch(() => {});
      }
    });
  };
  const startRun = async (store: PresenceStore, minute = 0) => (await store.startRun(at(minute))).id;
  const write = (
    store: PresenceStore,
    runId: string,
    minute: number,
    effects: Effect[],
    samples: PresenceSample[] = [],
  ) => store.writePoll({ runId, at: at(minute), samples, effects });

  group('lifecycle', 'init is idempotent and the store answers before init', async (store) => {
    assert.deepEqual(await store.users(), []);
    await store.init();
    await store.init();
    assert.equal(typeof store.name, 'string');
    assert.equal(typeof store.capabilities.samples, 'boolean');
  });

  group('lifecycle', 'a closed store refuses calls with STORE_CLOSED', async (store) => {
    await store.init();
    await store.close();
    const error = await store.users().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(StoreError.isInstance(error), `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, 'STORE_CLOSED');
    await store.close();
  });

  group('users', 'upserts users and lists them by id', async (store) => {
    await store.upsertUsers([
      user('u2', { displayName: 'Ben', severity: 2, groups: [{ kind: 'team', id: 't1', name: 'Team One' }] }),
      user('u1', { email: 'ada@example.com' }),
    ]);
    const users = await store.users();
    assert.deepEqual(
      users.map((u) => u.id),
      ['u1', 'u2'],
    );
    assert.equal(users[0]!.email, 'ada@example.com');
    assert.equal(users[0]!.key, 'u1@example.com');
    assert.equal(users[1]!.displayName, 'Ben');
    assert.equal(users[1]!.severity, 2);
    assert.deepEqual(users[1]!.groups, [{ kind: 'team', id: 't1', name: 'Team One' }]);
  });

  group('users', 'an upsert updates an existing user in place', async (store) => {
    await store.upsertUsers([user('u1', { displayName: 'Old', severity: 0 })]);
    await store.upsertUsers([
      user('u1', {
        displayName: 'New',
        severity: 3,
        groups: [
          { kind: 'channel', id: 'c1' },
          { kind: 'team', id: 't1', name: 'T' },
        ],
      }),
    ]);
    const users = await store.users();
    assert.equal(users.length, 1);
    assert.equal(users[0]!.displayName, 'New');
    assert.equal(users[0]!.severity, 3);
    assert.equal(users[0]!.groups?.length, 2);
    assert.deepEqual(
      [...(users[0]!.groups ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
      [
        { kind: 'channel', id: 'c1' },
        { kind: 'team', id: 't1', name: 'T' },
      ],
    );
  });

  group('runs', 'starts, ends and lists runs overlapping a range', async (store) => {
    const first = await store.startRun(at(0));
    assert.equal(typeof first.id, 'string');
    assert.equal(first.startedAt.getTime(), at(0).getTime());
    assert.equal(first.endedAt, null);
    await store.endRun(first.id, at(60));
    const second = await store.startRun(at(120));
    assert.notEqual(second.id, first.id);

    const all = await store.runs({ from: at(-10), to: at(1000) });
    assert.deepEqual(
      all.map((r) => [r.id, r.startedAt.getTime(), r.endedAt?.getTime() ?? null]),
      [
        [first.id, at(0).getTime(), at(60).getTime()],
        [second.id, at(120).getTime(), null],
      ],
    );
    assert.deepEqual(
      (await store.runs({ from: at(60), to: at(120) })).map((r) => r.id),
      [],
    );
    assert.deepEqual(
      (await store.runs({ from: at(59), to: at(61) })).map((r) => r.id),
      [first.id],
    );
    assert.deepEqual(
      (await store.runs({ from: at(5000), to: at(6000) })).map((r) => r.id),
      [second.id],
    );
  });

  group('runs', 'ending a run twice is refused', async (store) => {
    const run = await store.startRun(at(0));
    await store.endRun(run.id, at(10));
    await assert.rejects(store.endRun(run.id, at(20)), (e: unknown) => StoreError.isInstance(e));
    const [listed] = await store.runs({ from: at(0), to: at(100) });
    assert.equal(listed!.endedAt?.getTime(), at(10).getTime());
  });

  group('poll', 'applies interval and session effects in order', async (store) => {
    await store.upsertUsers([user('u1')]);
    const runId = await startRun(store);
    await write(store, runId, 0, [open('u1', 'available', 0), sessionOpen('u1', 0)]);
    await write(store, runId, 1, [seen('u1', 1)]);
    await write(store, runId, 2, [close('u1', 2), open('u1', 'busy', 2), seen('u1', 2)]);
    await write(store, runId, 5, [
      close('u1', 5),
      open('u1', 'offline', 5),
      sessionClose('u1', 0, 5, 'offline', 4),
    ]);

    const intervals = await store.intervals({ from: at(0), to: at(10) });
    assert.deepEqual(
      intervals.map((i) => [i.status, i.startedAt.getTime(), i.endedAt?.getTime() ?? null]),
      [
        ['available', at(0).getTime(), at(2).getTime()],
        ['busy', at(2).getTime(), at(5).getTime()],
        ['offline', at(5).getTime(), null],
      ],
    );
    const sessions = await store.sessions({ from: at(0), to: at(10) });
    assert.equal(sessions.length, 1);
    const [s] = sessions;
    assert.equal(typeof s!.id, 'string');
    assert.equal(s!.userId, 'u1');
    assert.equal(s!.startedAt.getTime(), at(0).getTime());
    assert.equal(s!.endedAt?.getTime(), at(5).getTime());
    assert.equal(s!.lastSeenAt.getTime(), at(4).getTime());
    assert.equal(s!.endReason, 'offline');
  });

  group('poll', 'keeps the raw words of the sample that opened an interval', async (store) => {
    const runId = await startRun(store);
    const raw = {
      availability: 'Busy',
      activity: 'InAMeeting',
      sequenceNumber: 'C123',
      nested: { ooo: false },
    };
    await write(store, runId, 0, [
      { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(0), raw },
    ]);
    await write(store, runId, 1, [open('u2', 'available', 1)]);
    const intervals = await store.intervals({ from: at(0), to: at(10) });
    assert.deepEqual(intervals[0]!.raw, raw);
    assert.equal(intervals[1]!.raw, undefined);
  });

  group('poll', 'a write that breaks the open state is refused whole', async (store) => {
    const runId = await startRun(store);
    await write(store, runId, 0, [open('u1', 'available', 0), sessionOpen('u1', 0)]);
    const bad = store.writePoll({
      runId,
      at: at(1),
      samples: [],
      effects: [close('u1', 1), open('u1', 'busy', 1), sessionClose('u2', 0, 1)],
      outbox: [{ notifier: 'hook', event: event(1) }],
    });
    // A write that contradicts the open state can never succeed: the runtime drops it and starts over.
    const conflict = (e: unknown) => StoreError.isInstance(e) && e.code === 'STORE_CONFLICT';
    await assert.rejects(bad, conflict);
    const intervals = await store.intervals({ from: at(0), to: at(10) });
    assert.deepEqual(
      intervals.map((i) => [i.status, i.endedAt]),
      [['available', null]],
    );
    assert.deepEqual(await store.outboxPending({ notifier: 'hook' }), []);
    await assert.rejects(write(store, runId, 2, [open('u1', 'busy', 2)]), conflict);
    await assert.rejects(write(store, runId, 2, [sessionOpen('u1', 2)]), conflict);
    await assert.rejects(write(store, runId, 2, [close('u2', 2)]), conflict);
  });

  group('poll', 'a write for an unknown run is refused', async (store) => {
    await assert.rejects(write(store, 'no-such-run', 0, [open('u1', 'available', 0)]), (e: unknown) =>
      StoreError.isInstance(e),
    );
    assert.deepEqual(await store.intervals({ from: at(-10), to: at(10) }), []);
  });

  group(
    'queries',
    'range queries return records overlapping [from, to), open ones included',
    async (store) => {
      const runId = await startRun(store);
      await write(store, runId, 0, [open('u1', 'available', 0), sessionOpen('u1', 0), open('u2', 'away', 0)]);
      await write(store, runId, 10, [
        close('u1', 10),
        open('u1', 'busy', 10),
        close('u2', 10),
        open('u2', 'offline', 10),
      ]);
      await write(store, runId, 20, [close('u1', 20), open('u1', 'offline', 20), sessionClose('u1', 0, 20)]);
      await write(store, runId, 30, [sessionOpen('u2', 30), close('u2', 30), open('u2', 'available', 30)]);

      const ids = (list: { userId: string; startedAt: Date }[]) =>
        list.map((r) => `${r.userId}@${(r.startedAt.getTime() - T0) / MIN}`);
      assert.deepEqual(ids(await store.intervals({ from: at(0), to: at(100) })), [
        'u1@0',
        'u2@0',
        'u1@10',
        'u2@10',
        'u1@20',
        'u2@30',
      ]);
      // Touching an edge is not overlapping: [0,10) does not overlap [10,20).
      assert.deepEqual(ids(await store.intervals({ from: at(10), to: at(20) })), ['u1@10', 'u2@10']);
      assert.deepEqual(ids(await store.intervals({ from: at(25), to: at(26) })), ['u2@10', 'u1@20']);
      assert.deepEqual(ids(await store.intervals({ from: at(500), to: at(600) })), ['u1@20', 'u2@30']);
      assert.deepEqual(ids(await store.intervals({ from: at(5), to: at(15), userIds: ['u2'] })), [
        'u2@0',
        'u2@10',
      ]);
      assert.deepEqual(ids(await store.intervals({ from: at(5), to: at(15), userIds: [] })), []);
      assert.deepEqual(ids(await store.intervals({ from: at(5), to: at(15), userIds: ['nobody'] })), []);

      assert.deepEqual(ids(await store.sessions({ from: at(0), to: at(100) })), ['u1@0', 'u2@30']);
      assert.deepEqual(ids(await store.sessions({ from: at(20), to: at(30) })), []);
      assert.deepEqual(ids(await store.sessions({ from: at(19), to: at(31) })), ['u1@0', 'u2@30']);
      assert.deepEqual(ids(await store.sessions({ from: at(0), to: at(100), userIds: ['u2'] })), ['u2@30']);
      const open2 = (await store.sessions({ from: at(1000), to: at(2000) }))[0]!;
      assert.equal(open2.endedAt, null);
      assert.equal(open2.endReason, null);
    },
  );

  group('queries', 'answers for many users and long histories', async (store) => {
    const runId = await startRun(store);
    const users = Array.from({ length: 200 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    await store.upsertUsers(users.map((id) => user(id)));
    const statuses = ['available', 'busy', 'away', 'dnd'] as const;
    for (let minute = 0; minute < 20; minute++) {
      const effects: Effect[] = [];
      for (const [i, id] of users.entries()) {
        if (minute > 0) effects.push(close(id, minute));
        else effects.push(sessionOpen(id, 0));
        effects.push(open(id, statuses[(i + minute) % statuses.length]!, minute));
      }
      await write(store, runId, minute, effects);
    }
    assert.equal((await store.users()).length, 200);
    assert.equal((await store.intervals({ from: at(0), to: at(20) })).length, 200 * 20);
    assert.equal((await store.intervals({ from: at(5), to: at(7) })).length, 200 * 2);
    assert.equal((await store.intervals({ from: at(5), to: at(7), userIds: users.slice(0, 10) })).length, 20);
    assert.equal((await store.sessions({ from: at(0), to: at(20) })).length, 200);
  });

  group('recovery', 'lists what is still open, with last-seen times', async (store) => {
    const runId = await startRun(store);
    await write(store, runId, 0, [
      open('u1', 'available', 0),
      sessionOpen('u1', 0),
      open('u2', 'offline', 0),
    ]);
    await write(store, runId, 3, [seen('u1', 3), seen('u2', 3, false)]);
    await write(store, runId, 4, [
      close('u1', 4),
      open('u1', 'away', 4),
      seen('u1', 4),
      seen('u2', 4, false),
    ]);
    await write(store, runId, 5, [close('u1', 5), open('u1', 'offline', 5), seen('u2', 5, false)]);

    const state = await store.openState();
    assert.deepEqual(
      state.runs.map((r) => [r.id, r.startedAt.getTime(), r.lastPollAt?.getTime()]),
      [[runId, at(0).getTime(), at(5).getTime()]],
    );
    const intervals = [...state.intervals].sort((a, b) => a.userId.localeCompare(b.userId));
    assert.deepEqual(
      intervals.map((i) => [
        i.userId,
        i.status,
        (i.startedAt.getTime() - T0) / MIN,
        (i.lastSeenAt.getTime() - T0) / MIN,
      ]),
      [
        ['u1', 'offline', 5, 5],
        ['u2', 'offline', 0, 5],
      ],
    );
    // The session's last sighting moves only with samples that showed the user present.
    assert.deepEqual(
      state.sessions.map((s) => [
        s.userId,
        (s.startedAt.getTime() - T0) / MIN,
        (s.lastSeenAt.getTime() - T0) / MIN,
      ]),
      [['u1', 0, 4]],
    );
    const onlyU2 = await store.openState({ userIds: ['u2'] });
    assert.deepEqual(
      onlyU2.intervals.map((i) => i.userId),
      ['u2'],
    );
    assert.deepEqual(onlyU2.sessions, []);

    await write(store, runId, 6, [close('u1', 5), close('u2', 5), sessionClose('u1', 0, 4, 'recovered')]);
    await store.endRun(runId, at(6));
    const after = await store.openState();
    assert.deepEqual(after, { runs: [], intervals: [], sessions: [] });
  });

  group('samples', 'keeps raw samples and answers range queries on them', async (store) => {
    if (!store.capabilities.samples) return;
    const runId = await startRun(store);
    const sample = (
      userId: string,
      minute: number,
      status: PresenceSample['status'],
      raw?: Record<string, unknown>,
    ) =>
      ({ userId, status, observedAt: at(minute), ...(raw ? { raw } : {}), source: 'poll' }) as PresenceSample;
    await write(
      store,
      runId,
      0,
      [open('u1', 'available', 0)],
      [sample('u1', 0, 'available', { a: 1 }), sample('u2', 0, 'busy')],
    );
    await write(store, runId, 1, [], [sample('u2', 1, 'away'), sample('u1', 1, 'available')]);
    const all = await store.samples({ from: at(0), to: at(2) });
    assert.deepEqual(
      all.map((s) => [s.userId, (s.observedAt.getTime() - T0) / MIN, s.status]),
      [
        ['u1', 0, 'available'],
        ['u2', 0, 'busy'],
        ['u1', 1, 'available'],
        ['u2', 1, 'away'],
      ],
    );
    assert.deepEqual(all[0]!.raw, { a: 1 });
    assert.equal(all[0]!.source, 'poll');
    assert.equal((await store.samples({ from: at(1), to: at(2), userIds: ['u2'] })).length, 1);
    assert.equal((await store.samples({ from: at(2), to: at(3) })).length, 0);
  });

  group('outbox', 'queues, lists in order per notifier, and forgets what was delivered', async (store) => {
    const runId = await startRun(store);
    await store.outboxEnqueue([
      { notifier: 'a', event: event(1, 'run.started') },
      { notifier: 'b', event: event(1, 'run.started') },
    ]);
    await store.writePoll({
      runId,
      at: at(2),
      samples: [],
      effects: [open('u1', 'available', 2), sessionOpen('u1', 2)],
      outbox: [
        { notifier: 'a', event: event(2) },
        { notifier: 'a', event: event(3) },
      ],
    });
    const pending = await store.outboxPending({ notifier: 'a' });
    assert.deepEqual(
      pending.map((e) => e.event.id),
      ['evt_1', 'evt_2', 'evt_3'],
    );
    assert.ok(pending[0]!.seq < pending[1]!.seq && pending[1]!.seq < pending[2]!.seq);
    assert.equal(pending[0]!.attempts, 0);
    assert.equal(pending[0]!.lastError, null);
    assert.deepEqual(pending[1]!.event, event(2));
    assert.equal(pending[1]!.event.timestamp.getTime(), at(2).getTime());
    assert.deepEqual(
      (await store.outboxPending({ notifier: 'a', limit: 2 })).map((e) => e.event.id),
      ['evt_1', 'evt_2'],
    );
    assert.deepEqual(
      (await store.outboxPending({ notifier: 'b' })).map((e) => e.event.id),
      ['evt_1'],
    );

    await store.outboxDelivered([pending[0]!.seq, pending[1]!.seq]);
    assert.deepEqual(
      (await store.outboxPending({ notifier: 'a' })).map((e) => e.event.id),
      ['evt_3'],
    );
    assert.deepEqual(
      (await store.outboxPending({ notifier: 'b' })).map((e) => e.event.id),
      ['evt_1'],
    );
  });

  group('outbox', 'records failed attempts, and gives entries up', async (store) => {
    await store.outboxEnqueue([
      { notifier: 'a', event: event(1) },
      { notifier: 'a', event: event(2) },
    ]);
    const [first, second] = await store.outboxPending({ notifier: 'a' });
    await store.outboxFailed({ seq: first!.seq, attempts: 1, nextAttemptAt: at(10), error: 'HTTP 503' });
    const [again] = await store.outboxPending({ notifier: 'a' });
    assert.equal(again!.seq, first!.seq);
    assert.equal(again!.attempts, 1);
    assert.equal(again!.nextAttemptAt?.getTime(), at(10).getTime());
    assert.equal(again!.lastError, 'HTTP 503');
    await store.outboxFailed({ seq: first!.seq, attempts: 2, nextAttemptAt: null, error: 'HTTP 410' });
    assert.deepEqual(
      (await store.outboxPending({ notifier: 'a' })).map((e) => e.seq),
      [second!.seq],
    );
  });

  group('purge', 'removes everything about one user and nothing else', async (store) => {
    const runId = await startRun(store);
    await store.upsertUsers([user('u1'), user('u2')]);
    const samples: PresenceSample[] = [
      { userId: 'u1', status: 'available', observedAt: at(0) },
      { userId: 'u2', status: 'busy', observedAt: at(0) },
    ];
    await write(
      store,
      runId,
      0,
      [open('u1', 'available', 0), sessionOpen('u1', 0), open('u2', 'busy', 0), sessionOpen('u2', 0)],
      samples,
    );
    await write(store, runId, 5, [close('u1', 5), sessionClose('u1', 0, 5, 'stopped')]);
    await store.purgeUser('u1');
    assert.deepEqual(
      (await store.users()).map((u) => u.id),
      ['u2'],
    );
    const range = { from: at(-100), to: at(100) };
    assert.deepEqual(
      (await store.intervals(range)).map((i) => i.userId),
      ['u2'],
    );
    assert.deepEqual(
      (await store.sessions(range)).map((s) => s.userId),
      ['u2'],
    );
    assert.ok((await store.samples(range)).every((s) => s.userId === 'u2'));
    assert.deepEqual(
      (await store.openState()).intervals.map((i) => i.userId),
      ['u2'],
    );
  });

  if (options.reopen) {
    const reopen = options.reopen;
    group('recovery', 'what was written survives closing and opening the store again', async (store) => {
      const runId = await startRun(store);
      await store.upsertUsers([user('u1', { displayName: 'Ada' })]);
      await write(store, runId, 0, [open('u1', 'available', 0), sessionOpen('u1', 0)]);
      await write(store, runId, 3, [seen('u1', 3)]);
      await store.outboxEnqueue([{ notifier: 'a', event: event(1) }]);
      const again = await reopen(store);
      assert.equal((await again.users())[0]?.displayName, 'Ada');
      const state = await again.openState();
      assert.equal(state.runs[0]?.id, runId);
      assert.equal(state.sessions[0]?.lastSeenAt.getTime(), at(3).getTime());
      assert.deepEqual((await again.outboxPending({ notifier: 'a' }))[0]?.event, event(1));
      return again;
    });
  }
}
