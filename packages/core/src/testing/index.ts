/**
 * The conformance suites every adapter runs, third-party ones included. They register tests on the
 * `test` function they are handed, so they work with vitest, node:test or any runner alike.
 */
export { type ProviderConformanceOptions, providerConformance } from './provider-conformance.ts';
export {
  STORE_GROUPS,
  type StoreConformanceOptions,
  type StoreGroup,
  storeConformance,
  type TestFunction,
} from './store-conformance.ts';
