import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import { at, testEvent } from './fixtures.ts';
import { groupOf, type MakeStore, type StoreConformanceOptions, type TestFunction } from './harness.ts';

export function storeRunsTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'runs');

  group('starts, ends and lists runs overlapping a range', async (store) => {
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

  group('a run and its outbox messages are written together, or neither', async (store) => {
    const run = await store.startRun(at(0), {
      outbox: (r) => [{ notifier: 'a', event: { ...testEvent(0, 'run.started'), data: { runId: r.id } } }],
    });
    const [queued] = await store.outboxPending({ notifier: 'a' });
    assert.deepEqual(queued?.event.data, { runId: run.id });
    await assert.rejects(
      store.startRun(at(5), {
        outbox: () => {
          throw new Error('no messages');
        },
      }),
      (e: unknown) => StoreError.isInstance(e),
    );
    const malformed = [
      { notifier: 'a', event: { ...testEvent(1, 'run.started'), timestamp: new Date(Number.NaN) } },
    ];
    await assert.rejects(
      store.startRun(at(5), { outbox: () => malformed }),
      (e: unknown) => StoreError.isInstance(e) && e.code === 'STORE_INVALID',
    );
    assert.deepEqual(
      (await store.runs({ from: at(-10), to: at(100) })).map((r) => r.id),
      [run.id],
    );
    assert.equal((await store.outboxPending({ notifier: 'a' })).length, 1);
  });

  group('ending a run twice is refused', async (store) => {
    const run = await store.startRun(at(0));
    await store.endRun(run.id, at(10));
    await assert.rejects(store.endRun(run.id, at(20)), (e: unknown) => StoreError.isInstance(e));
    const [listed] = await store.runs({ from: at(0), to: at(100) });
    assert.equal(listed!.endedAt?.getTime(), at(10).getTime());
  });
}
