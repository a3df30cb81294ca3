export {
  type Exchange,
  type FakeChannel,
  type FakeData,
  type FakeServer,
  type FakeTeam,
  type FakeUser,
  type Inspector,
  makeData,
  mmId,
  startFakeServer,
} from './fake-server.ts';
