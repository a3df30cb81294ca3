import { providerConformance } from '@presence-tracker/core/testing';
import { afterAll, beforeAll, test } from 'vitest';
import { listCredential } from './__fixtures__/credential.ts';
import { type FakeGraph, makeUsers, startFakeGraph } from './__fixtures__/fake-graph.ts';
import { trustTestCertificate } from './__fixtures__/tls.ts';
import { graphProvider } from './index.ts';

let graph: FakeGraph;
beforeAll(async () => {
  trustTestCertificate();
  graph = await startFakeGraph({ users: makeUsers(5) });
});
afterAll(() => graph.close());

providerConformance(
  test,
  () => graphProvider({ credential: listCredential('token-1'), baseUrl: graph.url }),
  {
    knownKeys: [
      'person00001@contoso.onmicrosoft.com',
      'person00002@contoso.com',
      '00000000-0000-4000-8000-000000000003',
    ],
    unknownKeys: ['nobody@contoso.com', 'no-such-upn'],
  },
);
