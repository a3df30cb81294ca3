export {
  defaultUsers,
  type FakeDnd,
  type FakeSlack,
  type FakeSlackMethod,
  type FakeSlackOptions,
  type FakeSlackUser,
  fakeSlackUsers,
  startFakeSlack,
  TIER_LIMITS,
} from './fake-server.ts';
