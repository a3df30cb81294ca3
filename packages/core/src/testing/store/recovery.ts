import assert from 'node:assert/strict';
import {
  at,
  intervalClose,
  intervalOpen,
  MINUTE,
  seen,
  sessionClose,
  sessionOpen,
  T0,
  testEvent,
  testUser,
} from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
  writeAt,
} from './harness.ts';

export function storeRecoveryTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'recovery');

  group('lists what is still open, with last-seen times', async (store) => {
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [
      intervalOpen('u1', 'available', 0),
      sessionOpen('u1', 0),
      intervalOpen('u2', 'offline', 0),
    ]);
    await writeAt(store, runId, 3, [seen('u1', 3), seen('u2', 3, false)]);
    await writeAt(store, runId, 4, [
      intervalClose('u1', 4),
      intervalOpen('u1', 'away', 4),
      seen('u1', 4),
      seen('u2', 4, false),
    ]);
    await writeAt(store, runId, 5, [
      intervalClose('u1', 5),
      intervalOpen('u1', 'offline', 5),
      seen('u2', 5, false),
    ]);

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
        (i.startedAt.getTime() - T0) / MINUTE,
        (i.lastSeenAt.getTime() - T0) / MINUTE,
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
        (s.startedAt.getTime() - T0) / MINUTE,
        (s.lastSeenAt.getTime() - T0) / MINUTE,
      ]),
      [['u1', 0, 4]],
    );
    const onlyU2 = await store.openState({ userIds: ['u2'] });
    assert.deepEqual(
      onlyU2.intervals.map((i) => i.userId),
      ['u2'],
    );
    assert.deepEqual(onlyU2.sessions, []);

    await writeAt(store, runId, 6, [
      intervalClose('u1', 5),
      intervalClose('u2', 5),
      sessionClose('u1', 0, 4, 'recovered'),
    ]);
    await store.endRun(runId, at(6));
    const after = await store.openState();
    assert.deepEqual(after, { runs: [], intervals: [], sessions: [] });
  });

  if (options.reopen) {
    const reopen = options.reopen;
    group('what was written survives closing and opening the store again', async (store) => {
      const runId = await startRunAt(store);
      await store.upsertUsers([testUser('u1', { displayName: 'Ada' })]);
      await writeAt(store, runId, 0, [intervalOpen('u1', 'available', 0), sessionOpen('u1', 0)]);
      await writeAt(store, runId, 3, [seen('u1', 3)]);
      await store.outboxEnqueue([{ notifier: 'a', event: testEvent(1) }]);
      const again = await reopen(store);
      assert.equal((await again.users())[0]?.displayName, 'Ada');
      const state = await again.openState();
      assert.equal(state.runs[0]?.id, runId);
      assert.equal(state.sessions[0]?.lastSeenAt.getTime(), at(3).getTime());
      assert.deepEqual((await again.outboxPending({ notifier: 'a' }))[0]?.event, testEvent(1));
      return again;
    });
  }
}
