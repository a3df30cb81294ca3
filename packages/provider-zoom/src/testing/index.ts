export {
  type FakeZoom,
  type FakeZoomOptions,
  type FakeZoomRequest,
  type FakeZoomUser,
  makeUsers,
  PRESENCE_VALUES,
  SCOPES,
  startFakeZoom,
} from './fake-zoom.ts';
