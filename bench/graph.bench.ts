import { graphProvider } from '@presence-tracker/provider-graph';
import { makeUsers, startFakeGraph, trustTestCertificate } from '@presence-tracker/provider-graph/testing';
import { type BenchRow, measure } from './lib.ts';

const USERS = 10_000;
const LATENCY_MS = 50;
const CONCURRENCY = 4;

/**
 * One poll of 10,000 users against a fake Graph over HTTPS on loopback that takes 50 ms per request:
 * how many presence requests it costs, and how long it takes with requests in parallel against the
 * same requests one after another.
 */
export default async function graph(): Promise<BenchRow[]> {
  trustTestCertificate();
  const server = await startFakeGraph({ users: makeUsers(USERS), latencyMs: LATENCY_MS });
  const credential = {
    getToken: async () => ({
      token: 'bench',
      expiresOnTimestamp: Date.now() + 3_600_000,
    }),
  };
  const ids = [...server.users.keys()];
  try {
    const parallel = graphProvider({ credential, baseUrl: server.url, concurrency: CONCURRENCY });
    const sequential = graphProvider({ credential, baseUrl: server.url, concurrency: 1 });

    const before = server.presenceRequests().length;
    const samples = await parallel.getPresence(ids);
    const requestsPerPoll = server.presenceRequests().length - before;
    if (samples.length !== USERS) throw new Error(`a poll read ${samples.length} users, expected ${USERS}`);

    const parallelMs = await measure(() => parallel.getPresence(ids), 2000, 5);
    const sequentialMs = await measure(() => sequential.getPresence(ids), 2000, 5);

    const label = `${USERS.toLocaleString('en-US')} users, ${LATENCY_MS} ms per request`;
    return [
      {
        name: `graph presence requests per poll, ${label}`,
        value: requestsPerPoll,
        unit: 'requests/poll',
        baseline: { name: 'one request per user (GET /users/{id}/presence)', value: USERS },
      },
      {
        name: `graph poll cycle, ${label}, ${CONCURRENCY} in parallel`,
        value: parallelMs,
        unit: 'ms',
        baseline: { name: 'the same requests one after another', value: sequentialMs },
      },
    ];
  } finally {
    await server.close();
  }
}
