import { providerConformance } from '@presence-tracker/core/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { graphDescription } from './__fixtures__/graph-description.ts';
import { graphProvider } from './index.ts';
import { listCredential } from './testing/credential.ts';
import { type FakeGraph, makeUsers, startFakeGraph } from './testing/fake-graph.ts';
import { trustTestCertificate } from './testing/tls.ts';

let graph: FakeGraph;
beforeAll(async () => {
  trustTestCertificate();
  graph = await startFakeGraph({ users: makeUsers(5) });
});
// Every request the conformance suite made is one Microsoft's description allows.
afterAll(async () => {
  const description = await graphDescription();
  const problems = description.problems(graph.requests, graph.issuedLinks, graph.url);
  await graph.close();
  expect(problems).toEqual([]);
});

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
