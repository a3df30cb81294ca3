import assert from 'node:assert/strict';
import { at, intervalOpen, sessionOpen, testEvent } from './fixtures.ts';
import {
  groupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
} from './harness.ts';

export function storeOutboxTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'outbox');

  group('queues, lists in order per notifier, and forgets what was delivered', async (store) => {
    const runId = await startRunAt(store);
    await store.outboxEnqueue([
      { notifier: 'a', event: testEvent(1, 'run.started') },
      { notifier: 'b', event: testEvent(1, 'run.started') },
    ]);
    await store.writePoll({
      runId,
      at: at(2),
      samples: [],
      effects: [intervalOpen('u1', 'available', 2), sessionOpen('u1', 2)],
      outbox: [
        { notifier: 'a', event: testEvent(2) },
        { notifier: 'a', event: testEvent(3) },
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
    assert.deepEqual(pending[1]!.event, testEvent(2));
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

  group('records failed attempts, and gives entries up', async (store) => {
    await store.outboxEnqueue([
      { notifier: 'a', event: testEvent(1) },
      { notifier: 'a', event: testEvent(2) },
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
}
