export { listCredential } from './credential.ts';
export {
  type FakeGraph,
  type FakeUser,
  MAX_IDS,
  makeUsers,
  type RecordedRequest,
  type ScriptedAnswer,
  startFakeGraph,
} from './fake-graph.ts';
export { type FakeIdentity, startFakeIdentity, type TokenRequest } from './fake-identity.ts';
export {
  type FakeSubscription,
  FakeSubscriptions,
  MAX_SUBSCRIPTION_IDS,
  MAX_SUBSCRIPTION_MS,
  type PresenceJson,
} from './fake-subscriptions.ts';
export { testCertificate, trustTestCertificate } from './tls.ts';
