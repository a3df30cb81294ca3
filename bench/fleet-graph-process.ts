import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** The app registration the fleet signs in as, at the fake identity server. */
export const APP = {
  FLEET_CLIENT_ID: '5b0c9e0e-7d5f-4c1e-9f3a-2a1b0c9d8e7f',
  FLEET_CLIENT_SECRET: 'fleet-bench-secret',
  FLEET_TENANT: 'fleet-tenant',
};

export interface GraphCounts {
  presence: number;
  throttled: number;
  mostInFlight: number;
  bytes: number;
}

export interface GraphProcess {
  child: ChildProcess;
  /** The fake Graph's and the fake identity server's addresses. */
  graph: string;
  identity: string;
  /** What the fake has counted so far. */
  counts(): Promise<GraphCounts>;
}

/** Starts `fleet-graph.ts` in a process of its own and waits until it listens. */
export async function forkGraph(
  people: number,
  latencyMs: number,
  changesPerSecond: number,
): Promise<GraphProcess> {
  const child = fork(
    join(import.meta.dirname, 'fleet-graph.ts'),
    [String(people), String(latencyMs), String(changesPerSecond)],
    { env: { ...process.env, ...APP } },
  );
  const [{ graph, identity }] = (await once(child, 'message')) as [{ graph: string; identity: string }];
  return {
    child,
    graph,
    identity,
    async counts() {
      child.send('counts');
      for (;;) {
        const [m] = (await once(child, 'message')) as [{ counts?: GraphCounts }];
        if (m.counts) return m.counts;
      }
    },
  };
}
