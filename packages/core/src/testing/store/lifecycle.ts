import assert from 'node:assert/strict';
import { StoreError } from '../../errors.ts';
import { groupOf, type MakeStore, type StoreConformanceOptions, type TestFunction } from './harness.ts';

export function storeLifecycleTests(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const group = groupOf(test, makeStore, options, 'lifecycle');

  group('init is idempotent and the store answers before init', async (store) => {
    assert.deepEqual(await store.users(), []);
    await store.init();
    await store.init();
    assert.equal(typeof store.name, 'string');
    assert.equal(typeof store.capabilities.samples, 'boolean');
  });

  group('a closed store refuses calls with STORE_CLOSED', async (store) => {
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
}
