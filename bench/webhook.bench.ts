import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTracker,
  manualClock,
  memoryStore,
  type PresenceStore,
  simulatedProvider,
  type TrackerEvent,
  webhookNotifier,
} from '@presence-tracker/core';
import { createEvent, eventBody } from '@presence-tracker/core/webhook';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import type { BenchRow } from './lib.ts';

const EVENTS = 1000;
const RUNS = 5;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * Webhook delivery from the outbox to a receiver on loopback: a backlog of events, left in the store
 * as a crashed run leaves it, delivered in order by a tracker that starts (one request at a time,
 * signed, each marked delivered in the store), against plain sequential fetch POSTs of the same bodies.
 */
export default async function webhook(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-webhook-'));
  const receiver = await startReceiver();
  try {
    const events = Array.from({ length: EVENTS }, (_, n) => sessionStarted(n));
    // Interleaved, so a busy moment on the machine weighs on all three alike.
    const times = { baseline: [] as number[], sqlite: [] as number[], memory: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      times.baseline.push(await plainPosts(receiver.url, events));
      const file = join(dir, `outbox-${run}.sqlite`);
      times.sqlite.push(await fromOutbox(sqliteStore({ path: file }), receiver, events));
      times.memory.push(await fromOutbox(memoryStore(), receiver, events));
    }
    const [baseline, sqlite, memory] = [median(times.baseline), median(times.sqlite), median(times.memory)];
    const rate = (ms: number) => (EVENTS / ms) * 1000;
    const base = { name: 'plain fetch POSTs, sequential, unsigned', value: rate(baseline) };
    return [
      {
        name: `webhook delivery, ${EVENTS} events from the SQLite outbox, signed`,
        value: rate(sqlite),
        unit: 'events/s',
        baseline: base,
      },
      {
        name: `webhook delivery, ${EVENTS} events from the memory outbox, signed`,
        value: rate(memory),
        unit: 'events/s',
        baseline: base,
      },
    ];
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sessionStarted(n: number): TrackerEvent {
  const at = new Date(Date.UTC(2026, 2, 2, 8) + n * 1000);
  return createEvent('session.started', at, {
    userId: `user-${n % 50}`,
    displayName: `Person ${n % 50}`,
    severity: 0,
    startedAt: at.toISOString(),
  });
}

/** Milliseconds to deliver `events` left in `store`'s outbox, from the tracker's start. */
async function fromOutbox(store: PresenceStore, receiver: Receiver, events: TrackerEvent[]): Promise<number> {
  await store.init();
  const hook = webhookNotifier({ url: `${receiver.url}/hook`, secret: SECRET, name: 'bench' });
  await store.outboxEnqueue(events.map((event) => ({ notifier: hook.name, event })));
  // Sunday night: nobody is around, so the tracker adds no events of its own.
  const clock = manualClock(Date.UTC(2026, 2, 1, 23));
  const tracker = createTracker({
    provider: simulatedProvider({ users: 1, clock }),
    store,
    users: 'discover',
    clock,
    notifiers: [hook],
  });
  const done = receiver.expect(events.length);
  const started = performance.now();
  await tracker.runOnce();
  await done;
  const ms = performance.now() - started;
  await tracker.stop();
  await store.close();
  return ms;
}

async function plainPosts(url: string, events: TrackerEvent[]): Promise<number> {
  const bodies = events.map((e) => JSON.stringify(eventBody(e)));
  const started = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${url}/plain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
  }
  return performance.now() - started;
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function startReceiver() {
  let want = 0;
  let got = 0;
  let resolveDone: () => void = () => {};
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(204).end();
      if (++got === want) resolveDone();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Resolves once `count` more requests have been answered. */
    expect(count: number): Promise<void> {
      got = 0;
      want = count;
      return new Promise((resolve) => {
        resolveDone = resolve;
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
