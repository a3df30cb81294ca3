import type { PresenceStore } from '../store/index.ts';
import { storeChangesTests } from './store/changes.ts';
import { storeCountersTests } from './store/counters.ts';
import { storeFencingTests } from './store/fencing.ts';
import type { MakeStore, StoreConformanceOptions, TestFunction } from './store/harness.ts';
import { storeInputTests } from './store/input.ts';
import { storeLifecycleTests } from './store/lifecycle.ts';
import { storeOutboxTests } from './store/outbox.ts';
import { storePurgeTests } from './store/purge.ts';
import { storeQueriesTests } from './store/queries.ts';
import { storeRecoveryTests } from './store/recovery.ts';
import { storeRollupsTests } from './store/rollups.ts';
import { storeRunsTests } from './store/runs.ts';
import { storeSamplesTests } from './store/samples.ts';
import { storeUsersTests } from './store/users.ts';
import { storeWritesTests } from './store/writes.ts';

export {
  type MakeStore,
  STORE_GROUPS,
  type StoreConformanceOptions,
  type StoreGroup,
  type TestFunction,
} from './store/harness.ts';

/**
 * The contract every store meets, registered as tests on `test`: every group below, one file each
 * in `store/`, each also exported on its own. Each test gets a fresh store from `makeStore` and
 * closes it; groups that depend on a capability (`samples`, `fencing`, `rollups`, `changes`, `counters`) read `store.capabilities`.
 * An adapter's whole conformance test:
 *
 * ```ts
 * import { test } from 'vitest';
 * import { storeConformance } from '@presence-tracker/core/testing';
 * storeConformance(test, () => acmeStore({ url: 'acme://test' }));
 * ```
 */
export function storeConformance(
  test: TestFunction,
  makeStore: () => PresenceStore | Promise<PresenceStore>,
  options: StoreConformanceOptions = {},
): void {
  const make: MakeStore = makeStore;
  for (const register of [
    storeLifecycleTests,
    storeUsersTests,
    storeRunsTests,
    storeWritesTests,
    storeQueriesTests,
    storeRecoveryTests,
    storeSamplesTests,
    storeOutboxTests,
    storePurgeTests,
    storeFencingTests,
    storeRollupsTests,
    storeChangesTests,
    storeCountersTests,
    storeInputTests,
  ]) {
    register(test, make, options);
  }
}
