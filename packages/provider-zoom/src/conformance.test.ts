import { providerConformance } from '@presence-tracker/core/testing';
import { afterAll, beforeAll, test } from 'vitest';
import { zoomProvider } from './index.ts';
import { type FakeZoom, makeUsers, startFakeZoom } from './testing/index.ts';

const users = makeUsers(5);

let zoom: FakeZoom;
beforeAll(async () => {
  zoom = await startFakeZoom({ users });
});
afterAll(() => zoom.close());

providerConformance(
  test,
  () =>
    zoomProvider({
      accountId: zoom.accountId,
      clientId: zoom.clientId,
      clientSecret: zoom.clientSecret,
      baseUrl: zoom.url,
      oauthUrl: zoom.oauthUrl,
    }),
  {
    knownKeys: ['person00001@example.com', 'PERSON00002@example.com', users[2]!.id],
    unknownKeys: ['nobody@example.com', 'no-such-user-id'],
  },
);
