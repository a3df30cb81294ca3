import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import { testUser } from './fixtures.ts';
import {
  capabilityGroupOf,
  type MakeStore,
  type StoreConformanceOptions,
  startRunAt,
  type TestFunction,
} from './harness.ts';

const invalid = (field: string) => (e: unknown) =>
  StoreError.isInstance(e) && e.code === 'STORE_INVALID' && e.message.includes(field);

/**
 * The optional `counters` capability: named amounts added per run and read back summed over every
 * run, kept across runs, ends, reopening and purges, and refused whole when malformed. Stores without
 * the capability skip the group.
 */
export function storeCountersTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const when = capabilityGroupOf(test, makeStore, options, 'counters', 'counters', [
    'addCounters',
    'counters',
  ]);

  when('adds amounts to named counters and sums them over every run', async (store) => {
    assert.deepEqual(await store.counters!(), {});
    const first = await startRunAt(store, 0);
    await store.addCounters!({ runId: first, counts: { 'polls.ok': 2, samples: 7 } });
    await store.addCounters!({ runId: first, counts: { 'polls.ok': 1, 'poll.seconds.le.0.5': 3 } });
    await store.addCounters!({ runId: first, counts: {} });
    assert.deepEqual(await store.counters!(), { 'polls.ok': 3, samples: 7, 'poll.seconds.le.0.5': 3 });

    // A run that ended keeps its counts, and a later run adds to the sums.
    await store.endRun(first, new Date(Date.UTC(2026, 2, 2, 10)));
    const second = await startRunAt(store, 120);
    await store.addCounters!({
      runId: second,
      counts: { 'polls.ok': 4, 'polls.provider-error': 1, samples: 0 },
    });
    assert.deepEqual(await store.counters!(), {
      'polls.ok': 7,
      'polls.provider-error': 1,
      samples: 7,
      'poll.seconds.le.0.5': 3,
    });
    // Amounts too large for 32 bits are kept exactly.
    await store.addCounters!({ runId: second, counts: { 'poll.ms': 5_000_000_000 } });
    await store.addCounters!({ runId: second, counts: { 'poll.ms': 1 } });
    assert.equal((await store.counters!())['poll.ms'], 5_000_000_001);
    return undefined;
  });

  when('keeps counters when the store is reopened and when a person is purged', async (store) => {
    await store.upsertUsers([testUser('u1')]);
    const run = await startRunAt(store, 0);
    await store.addCounters!({ runId: run, counts: { 'polls.ok': 5, samples: 5 } });
    await store.purgeUser('u1');
    assert.deepEqual(await store.counters!(), { 'polls.ok': 5, samples: 5 });
    if (!options.reopen) return undefined;
    const reopened = await options.reopen(store);
    assert.deepEqual(await reopened.counters!(), { 'polls.ok': 5, samples: 5 });
    return reopened;
  });

  when('refuses malformed amounts and names whole, naming the field, and an unknown run', async (store) => {
    const run = await startRunAt(store, 0);
    await assert.rejects(store.addCounters!({ runId: run, counts: { a: 1, b: -1 } }), invalid('counts["b"]'));
    await assert.rejects(store.addCounters!({ runId: run, counts: { a: 1.5 } }), invalid('counts["a"]'));
    await assert.rejects(store.addCounters!({ runId: run, counts: { 'a b': 1 } }), invalid('counts["a b"]'));
    await assert.rejects(
      store.addCounters!({ runId: run, counts: [] as unknown as Record<string, number> }),
      invalid('counts'),
    );
    await assert.rejects(
      store.addCounters!({ runId: 'no-such-run', counts: { a: 1 } }),
      (e: unknown) => StoreError.isInstance(e) && e.message.includes('no-such-run'),
    );
    assert.deepEqual(await store.counters!(), {});
    return undefined;
  });
}
