/**
 * The conformance suites every adapter runs, third-party ones included. They register tests on the
 * `test` function they are handed, so they work with vitest, node:test or any runner alike.
 */

// For a store's own tests of its `rollups()`: the person-days a read holds, in either of its forms.
export { rollupReadDays } from '../store/rollup-read.ts';
export { sampleEvents } from './events.ts';
export { type ProviderConformanceOptions, providerConformance } from './provider-conformance.ts';
export {
  checkRollupAgreement,
  ROLLUP_ZONES,
  type RollupAgreementCase,
  seededRandom,
} from './store/agreement.ts';
export { storeChangesTests } from './store/changes.ts';
export { storeCountersTests } from './store/counters.ts';
export { storeFencingTests } from './store/fencing.ts';
export {
  at,
  intervalClose,
  intervalOpen,
  MINUTE,
  minutesOf,
  seen,
  sessionClose,
  sessionOpen,
  T0,
  testEvent,
  testSample,
  testUser,
} from './store/fixtures.ts';
export { storeInputTests } from './store/input.ts';
export { storeLifecycleTests } from './store/lifecycle.ts';
export { storeOutboxTests } from './store/outbox.ts';
export { storePurgeTests } from './store/purge.ts';
export { storeQueriesTests } from './store/queries.ts';
export { storeRecoveryTests } from './store/recovery.ts';
export { storeRollupsTests } from './store/rollups.ts';
export { storeRunsTests } from './store/runs.ts';
export { storeSamplesTests } from './store/samples.ts';
export { storeUsersTests } from './store/users.ts';
export { storeWritesTests } from './store/writes.ts';
export {
  type MakeStore,
  STORE_GROUPS,
  type StoreConformanceOptions,
  type StoreGroup,
  storeConformance,
  type TestFunction,
} from './store-conformance.ts';
export {
  type Received as ReceivedRequest,
  type Reply as ReceiverReply,
  startWebhookReceiver,
  type WebhookReceiver,
} from './webhook-receiver.ts';
