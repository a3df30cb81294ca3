import { graphProvider } from '@presence-tracker/provider-graph';
import { makeUsers, trustTestCertificate } from '@presence-tracker/provider-graph/testing';
import { APP, forkGraph } from './fleet-graph-process.ts';
import type { BenchRow } from './lib.ts';

const PROVIDERS = 4;
/** A little past the first window, so the turn into the next one is seen too. */
const AFTER_TURN_MS = 5_000;

/**
 * Whether a fleet's budgets spend Graph's limit without tripping it: four providers (each the real
 * provider, Graph client and ClientSecretCredential), each with a quarter of the limit as its budget
 * and the default requests in flight, ask as fast as they are let (one id a request, so that only the
 * budget holds them back) against the fake Graph in its own process, which answers 429 beyond the
 * limit. The figure is the requests answered in the first window, against the limit; the note counts
 * the 429s, the first window's turn included.
 */
export async function measureLimit(
  limit: { requests: number; perMs: number },
  latencyMs: number,
): Promise<BenchRow> {
  trustTestCertificate();
  const graph = await forkGraph(PROVIDERS, latencyMs, 0);
  try {
    const ids = makeUsers(PROVIDERS).map((u) => u.id);
    const before = await graph.counts();
    const started = Date.now();
    const end = started + limit.perMs + AFTER_TURN_MS;
    let failed = 0;
    const providers = ids.map(() =>
      graphProvider({
        auth: {
          mode: 'clientSecret',
          tenantId: APP.FLEET_TENANT,
          clientId: APP.FLEET_CLIENT_ID,
          clientSecret: APP.FLEET_CLIENT_SECRET,
          authorityHost: graph.identity,
          disableInstanceDiscovery: true,
        },
        baseUrl: graph.graph,
        budget: { requests: Math.floor(limit.requests / PROVIDERS), perMs: limit.perMs },
      }),
    );
    const asking = providers.flatMap((provider, i) =>
      Array.from({ length: 16 }, async () => {
        while (Date.now() < end) await provider.getPresence([ids[i]!]).catch(() => failed++);
      }),
    );
    // Just short of the window's end: every request the first window allows has been answered.
    await new Promise((r) => setTimeout(r, limit.perMs - 500));
    const first = await graph.counts();
    await Promise.all(asking);
    const after = await graph.counts();
    for (const p of providers) await p.close?.();
    const answered = (c: typeof before) => c.presence - c.throttled;
    return {
      name: `fleet's budgets against Graph's limit, ${PROVIDERS} providers with ${Math.floor(limit.requests / PROVIDERS)} requests per ${limit.perMs / 1_000} s each: presence requests answered in the first window`,
      value: answered(first) - answered(before),
      unit: 'requests',
      baseline: { name: "Graph's limit per app and tenant", value: limit.requests },
      note: `${after.throttled - before.throttled} answered 429 in ${((Date.now() - started) / 1_000).toFixed(0)} s, the first window's turn included; ${answered(after) - answered(first)} answered in the ${AFTER_TURN_MS / 1_000} s after it turned; ${failed} reads failed; at most ${after.mostInFlight} in flight at the fake (${latencyMs} ms a request)`,
    };
  } finally {
    graph.child.kill('SIGKILL');
  }
}
