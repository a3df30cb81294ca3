import { PLAN_LIMITS, zoomProvider } from '@presence-tracker/provider-zoom';
import { makeUsers, startFakeZoom } from '@presence-tracker/provider-zoom/testing';
import type { BenchRow } from './lib.ts';

const USERS = 2000;
const LATENCY = 50;
const PLAN = 'business';

/**
 * A full sweep of 2,000 people against the fake Zoom on loopback, 50 ms per answer, the Business
 * plan's documented limits enforced by the fake (Medium: 60 a second): polls run back to back until
 * everyone has one reading. Figures: requests per poll, the sweep's time, and the achieved request
 * rate beside the documented ceiling.
 */
export default async function zoom(): Promise<BenchRow[]> {
  const limits = PLAN_LIMITS[PLAN];
  const fake = await startFakeZoom({ users: makeUsers(USERS), latencyMs: LATENCY, limits });
  try {
    const provider = zoomProvider({
      accountId: fake.accountId,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      baseUrl: fake.url,
      oauthUrl: fake.oauthUrl,
      plan: PLAN,
    });
    const ids = fake.users.map((u) => u.id);
    await provider.getPresence(ids.slice(0, 1)); // the token, outside the figures
    const seen = new Set<string>();
    const perPoll: number[] = [];
    fake.requests.length = 0;
    const start = performance.now();
    while (seen.size < USERS) {
      const before = fake.requests.length;
      for (const s of await provider.getPresence(ids)) seen.add(s.userId);
      perPoll.push(fake.requests.length - before);
    }
    const sweepMs = performance.now() - start;
    const throttled = fake.requests.filter((r) => r.status === 429).length;
    await provider.close();

    const allowed = limits.medium.perSecond;
    const achieved = fake.requests.filter((r) => r.status === 200).length / (sweepMs / 1000);
    const label = `${USERS.toLocaleString('en-US')} people, ${LATENCY} ms latency, ${PLAN} plan`;
    return [
      {
        name: `presence requests per poll, ${label}`,
        value: perPoll[0]!,
        unit: 'requests/poll',
        baseline: { name: 'people', value: USERS },
        note: `polls to sweep: ${perPoll.length} (${perPoll.join(', ')}); pollCapacity ${provider.pollCapacity}`,
      },
      {
        name: `full sweep, ${label}`,
        value: sweepMs,
        unit: 'ms',
        baseline: { name: 'sweepDuration at the documented limit', value: provider.sweepDuration(USERS) },
        note: `429s: ${throttled}`,
      },
      {
        name: `achieved presence requests, ${label}`,
        value: achieved * 60,
        unit: 'requests/min',
        baseline: { name: `documented Medium limit (${allowed}/s)`, value: allowed * 60 },
      },
      {
        name: 'sweep of 2,000 people at the documented limits, pro / free plan',
        value: zoomProvider({ accountId: 'a', clientId: 'c', clientSecret: 's' }).sweepDuration(USERS),
        unit: 'ms',
        baseline: {
          name: 'free plan (2,000 presence requests a day)',
          value: zoomProvider({
            accountId: 'a',
            clientId: 'c',
            clientSecret: 's',
            plan: 'free',
          }).sweepDuration(USERS),
        },
      },
    ];
  } finally {
    await fake.close();
  }
}
