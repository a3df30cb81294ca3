import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import {
  at,
  intervalClose,
  intervalOpen,
  seen,
  sessionClose,
  sessionOpen,
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

export function storeWritesTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'writes');

  group('applies interval and session effects in order', async (store) => {
    await store.upsertUsers([testUser('u1')]);
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [intervalOpen('u1', 'available', 0), sessionOpen('u1', 0)]);
    await writeAt(store, runId, 1, [seen('u1', 1)]);
    await writeAt(store, runId, 2, [intervalClose('u1', 2), intervalOpen('u1', 'busy', 2), seen('u1', 2)]);
    await writeAt(store, runId, 5, [
      intervalClose('u1', 5),
      intervalOpen('u1', 'offline', 5),
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

  group('keeps the raw words of the sample that opened an interval', async (store) => {
    const runId = await startRunAt(store);
    const raw = {
      availability: 'Busy',
      activity: 'InAMeeting',
      sequenceNumber: 'C123',
      nested: { ooo: false },
    };
    await writeAt(store, runId, 0, [
      { type: 'interval.open', userId: 'u1', status: 'busy', startedAt: at(0), raw },
    ]);
    await writeAt(store, runId, 1, [intervalOpen('u2', 'available', 1)]);
    const intervals = await store.intervals({ from: at(0), to: at(10) });
    assert.deepEqual(intervals[0]!.raw, raw);
    assert.equal(intervals[1]!.raw, undefined);
  });

  group('a write that breaks the open state is refused whole', async (store) => {
    const runId = await startRunAt(store);
    await writeAt(store, runId, 0, [intervalOpen('u1', 'available', 0), sessionOpen('u1', 0)]);
    const bad = store.writePoll({
      runId,
      at: at(1),
      samples: [],
      effects: [intervalClose('u1', 1), intervalOpen('u1', 'busy', 1), sessionClose('u2', 0, 1)],
      outbox: [{ notifier: 'hook', event: testEvent(1) }],
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
    await assert.rejects(writeAt(store, runId, 2, [intervalOpen('u1', 'busy', 2)]), conflict);
    await assert.rejects(writeAt(store, runId, 2, [sessionOpen('u1', 2)]), conflict);
    await assert.rejects(writeAt(store, runId, 2, [intervalClose('u2', 2)]), conflict);
    // Records opened and closed within one write still may not overlap an open one.
    await assert.rejects(
      writeAt(store, runId, 2, [intervalOpen('u1', 'busy', 2), intervalClose('u1', 3)]),
      conflict,
    );
    await assert.rejects(
      writeAt(store, runId, 2, [sessionOpen('u1', 2), sessionClose('u1', 2, 3)]),
      conflict,
    );
    assert.deepEqual(
      (await store.intervals({ from: at(0), to: at(10) })).map((i) => [i.status, i.endedAt]),
      [['available', null]],
    );
    assert.equal((await store.sessions({ from: at(0), to: at(10) })).length, 1);
  });

  group('a write for an unknown run is refused', async (store) => {
    await assert.rejects(
      writeAt(store, 'no-such-run', 0, [intervalOpen('u1', 'available', 0)]),
      (e: unknown) => StoreError.isInstance(e),
    );
    assert.deepEqual(await store.intervals({ from: at(-10), to: at(10) }), []);
  });
}
