import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTracker, manualClock, memoryStore, type PresenceProvider } from '@presence-tracker/core';
import { type GraphPushOptions, graphProvider } from '@presence-tracker/provider-graph';
import {
  type FakeGraph,
  makeUsers,
  startFakeGraph,
  testCertificate,
  trustTestCertificate,
} from '@presence-tracker/provider-graph/testing';
import type { BenchRow } from './lib.ts';

const PEOPLE = 1000;
const LATENCY_MS = 20;
const MINUTE = 60_000;
/** Status changes in the hour: half a percent of the people a minute. */
const CHANGES_PER_MINUTE = 5;
const START = Date.UTC(2026, 2, 2, 8, 0);
const STATUSES = ['Available', 'Busy', 'Away', 'DoNotDisturb', 'BeRightBack'];
const CORE = { Available: 'available', Busy: 'busy', Away: 'away', DoNotDisturb: 'dnd', BeRightBack: 'away' };

interface Outcome {
  /** Every request the fake Graph received in the hour, by what it was. */
  requests: { presence: number; subscriptions: number };
  /** From each status change at the fake to its reading in the store, ms. */
  delays: number[];
  /** In simulated time (the poll schedule) or real time (delivery). */
  clock: 'simulated' | 'real';
}

/**
 * An hour of 1,000 people on a manual clock, a tracker polling every minute into a memory store, 300
 * status changes at the fake Graph (20 ms per answer, HTTPS on loopback) spread over the hour:
 * polling alone, against change notifications, basic (the people a notification names are read) and
 * rich (the presence comes encrypted in the notification). Figures: the requests the hour costs,
 * and the median delay from a change at the fake to its reading in the store.
 */
export default async function push(): Promise<BenchRow[]> {
  trustTestCertificate();
  const polling = await hour('poll');
  const basic = await hour('basic');
  const rich = await hour('rich');
  const total = (o: Outcome) => o.requests.presence + o.requests.subscriptions;
  const baseline = { name: 'polling every minute', value: total(polling) };
  const label = `${PEOPLE.toLocaleString('en-US')} people, ${CHANGES_PER_MINUTE * 60} changes an hour`;
  const detail = (o: Outcome) =>
    `${o.requests.presence} presence reads, ${o.requests.subscriptions} subscription requests`;
  return [
    { name: `requests per hour, polling every minute, ${label}`, value: total(polling), unit: 'requests/h' },
    {
      name: `requests per hour, basic change notifications and a poll a minute, ${label}`,
      value: total(basic),
      unit: 'requests/h',
      baseline,
      note: detail(basic),
    },
    {
      name: `requests per hour, rich change notifications and a poll a minute, ${label}`,
      value: total(rich),
      unit: 'requests/h',
      baseline,
      note: detail(rich),
    },
    {
      name: 'median delay from a change at the fake to the store, polling every minute',
      value: median(polling.delays),
      unit: 'ms',
      note: 'on the poll schedule (simulated clock)',
    },
    {
      name: 'median delay from a change at the fake to the store, basic notifications',
      value: median(basic.delays),
      unit: 'ms',
      baseline: { name: 'polling every minute', value: median(polling.delays) },
      note: `real time; p90 ${Math.round(percentile(basic.delays, 0.9))} ms`,
    },
    {
      name: 'median delay from a change at the fake to the store, rich notifications',
      value: median(rich.delays),
      unit: 'ms',
      baseline: { name: 'polling every minute', value: median(polling.delays) },
      note: `real time; p90 ${Math.round(percentile(rich.delays, 0.9))} ms`,
    },
  ];
}

async function hour(mode: 'poll' | 'basic' | 'rich'): Promise<Outcome> {
  const clock = manualClock(START);
  const graph = await startFakeGraph({ users: makeUsers(PEOPLE), latencyMs: LATENCY_MS, clock });
  let handler: (r: Request) => Promise<Response> = async () => new Response(null, { status: 503 });
  const server = serve({ fetch: (r) => handler(r), hostname: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  const pushOptions: GraphPushOptions | undefined =
    mode === 'poll'
      ? undefined
      : {
          notificationUrl: url,
          clientState: 'bench-client-state',
          ...(mode === 'rich' && {
            certificate: { certificate: testCertificate.cert, privateKey: testCertificate.key },
          }),
        };
  const provider: PresenceProvider = graphProvider({
    credential: { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 7_200_000 }) },
    baseUrl: graph.url,
    clock,
    ...(pushOptions && { push: pushOptions }),
  });
  if (provider.push) handler = (r) => provider.push!.handle(r);
  const tracker = createTracker({
    provider,
    store: memoryStore(),
    users: [...graph.users.values()].map((u) => u.userPrincipalName),
    pollInterval: MINUTE,
    clock,
  });
  const ids = [...graph.users.keys()];
  const waiting = new Map<string, { status: string; resolve: (at: Date) => void }>();
  tracker.on('sample', (s) => {
    const w = waiting.get(s.userId);
    if (w && w.status === s.status) {
      waiting.delete(s.userId);
      w.resolve(s.observedAt);
    }
  });
  const random = seeded(19);
  const delays: number[] = [];
  try {
    await tracker.runOnce();
    const before = requestCounts(graph);
    for (let minute = 0; minute < 60; minute++) {
      const pending: Promise<void>[] = [];
      const instants = Array.from(
        { length: CHANGES_PER_MINUTE },
        () => 1 + Math.floor(random() * (MINUTE - 1)),
      );
      for (const instant of instants.sort((a, b) => a - b)) {
        // A change at a random instant between two polls, to someone not already changing.
        clock.set(START + minute * MINUTE + instant);
        let id = ids[Math.floor(random() * ids.length)]!;
        while (waiting.has(id)) id = ids[Math.floor(random() * ids.length)]!;
        const user = graph.users.get(id)!;
        const next = STATUSES.filter(
          (s) => CORE[s as keyof typeof CORE] !== CORE[user.availability as keyof typeof CORE],
        );
        const availability = next[Math.floor(random() * next.length)]!;
        const changedAt = clock.now().getTime();
        const realStart = performance.now();
        const stored = new Promise<Date>((resolve) =>
          waiting.set(id, { status: CORE[availability as keyof typeof CORE], resolve }),
        );
        await graph.setPresence(id, availability);
        if (mode === 'poll') {
          pending.push(stored.then((at) => void delays.push(at.getTime() - changedAt)));
        } else {
          await stored;
          delays.push(performance.now() - realStart);
        }
      }
      clock.set(START + (minute + 1) * MINUTE);
      await tracker.runOnce();
      await Promise.all(pending);
    }
    const after = requestCounts(graph);
    return {
      requests: {
        presence: after.presence - before.presence,
        subscriptions:
          after.subscriptions - before.subscriptions + (mode === 'poll' ? 0 : before.subscriptions),
      },
      delays,
      clock: mode === 'poll' ? 'simulated' : 'real',
    };
  } finally {
    await tracker.stop();
    await provider.close?.();
    await new Promise((resolve) => server.close(resolve));
    await graph.close();
  }
}

function requestCounts(graph: FakeGraph) {
  return {
    presence: graph.presenceRequests().length,
    subscriptions: graph.requests.filter((r) => r.url.startsWith('/v1.0/subscriptions')).length,
  };
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

/** A small deterministic generator, so every run changes the same people at the same instants. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}
