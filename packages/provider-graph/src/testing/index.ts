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
export { testCertificate, trustTestCertificate } from './tls.ts';
