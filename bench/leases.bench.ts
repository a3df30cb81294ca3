import {
  type Coordination,
  createTracker,
  manualClock,
  type PresenceProvider,
  shardOf,
  simulatedProvider,
  type Tracker,
} from '@presence-tracker/core';
import { type PostgresStore, postgresCoordination, postgresStore } from '@presence-tracker/store-postgres';
import { observeHeartbeats } from '../packages/store-postgres/src/coordination/__fixtures__/observe.ts';
import { dropSchemas, freshSchema, startTestServer } from '../packages/store-postgres/src/testing/server.ts';
import type { BenchRow } from './lib.ts';

const USERS = 50_000;
const SHARDS = 64;
const WARMUP = 2;
const CYCLES = 3;
const MIN = 60_000;
/** Takeover: a short lease and poll, on the real clock. */
const TAKEOVER_TTL = 5_000;
const TAKEOVER_POLL = 1_000;

/**
 * Several trackers sharing 50,000 simulated users through Postgres leases, all in this process on
 * one Postgres: the poll cycle with one, two and three trackers (one tracker is the baseline), and
 * how long the users of a tracker that froze take to be polled again by the others.
 */
export default async function leases(): Promise<BenchRow[]> {
  const server = await startTestServer({ fast: false });
  const schemas: string[] = [];
  try {
    const rows: BenchRow[] = [];
    const cycles = new Map<number, { each: number; all: number }>();
    for (const n of [1, 2, 3]) {
      const schema = freshSchema('leases');
      schemas.push(schema);
      cycles.set(n, await pollCycle(server.connectionString, schema, n));
    }
    const one = cycles.get(1)!;
    for (const [n, c] of cycles) {
      rows.push({
        name: `poll cycle, ${USERS.toLocaleString('en-US')} users, ${n} tracker${n > 1 ? 's' : ''}: slowest tracker's own poll`,
        value: c.each,
        unit: 'ms',
        baseline: { name: 'one tracker', value: one.each },
        note: `each tracker polled alone, in turn: what one process per machine would take; median of ${CYCLES}`,
      });
      rows.push({
        name: `poll cycle, ${USERS.toLocaleString('en-US')} users, ${n} tracker${n > 1 ? 's' : ''} polling at once in one process`,
        value: c.all,
        unit: 'ms',
        baseline: { name: 'one tracker', value: one.all },
        note: 'one thread for every tracker, so the provider and the state machine do not run in parallel',
      });
    }
    const schema = freshSchema('takeover');
    schemas.push(schema);
    rows.push(await takeover(server.connectionString, schema));
    return rows;
  } finally {
    await dropSchemas(server.connectionString, schemas).catch(() => {});
    await server.dispose();
  }
}

interface Member {
  tracker: Tracker;
  store: PostgresStore;
}

async function pollCycle(connectionString: string, schema: string, n: number) {
  const clock = manualClock(Date.UTC(2026, 2, 3, 9));
  const provider = simulatedProvider({ users: USERS, seed: 3, clock });
  const errors: Error[] = [];
  const members: Member[] = Array.from({ length: n }, (_, i) => {
    const store = postgresStore({ connectionString, schema, keepSamples: false });
    const leases = postgresCoordination({ store, owner: `t${i}`, shards: SHARDS, leaseTtl: 3 * MIN });
    const tracker = createTracker({
      provider,
      store,
      users: 'discover',
      clock,
      pollInterval: MIN,
      coordination: leases,
    });
    tracker.on('error', (e) => errors.push(e));
    return { tracker, store };
  });
  const each: number[] = [];
  const all: number[] = [];
  for (let c = 0; c < WARMUP + CYCLES; c++) {
    clock.advance(MIN);
    const started = performance.now();
    await Promise.all(members.map((m) => m.tracker.runOnce()));
    const together = performance.now() - started;
    clock.advance(MIN);
    let slowest = 0;
    for (const m of members) {
      const t = performance.now();
      await m.tracker.runOnce();
      slowest = Math.max(slowest, performance.now() - t);
    }
    if (c < WARMUP) continue;
    all.push(together);
    each.push(slowest);
    const held = members.map((m) => m.tracker.shards.length);
    if (held.reduce((x, y) => x + y) !== SHARDS || Math.max(...held) > Math.ceil(SHARDS / n))
      throw new Error(`the trackers did not settle on fair shares: ${held.join(', ')}`);
  }
  for (const m of members) {
    await m.tracker.stop();
    await m.store.close();
  }
  // A figure from trackers whose writes failed would measure nothing.
  if (errors.length > 0) throw new Error(`a tracker failed: ${errors[0]!.message}`);
  return { each: median(each), all: median(all) };
}

/** Three trackers on the real clock; one freezes (its heartbeat never returns, so it never releases). */
async function takeover(connectionString: string, schema: string): Promise<BenchRow> {
  const simulated = simulatedProvider({ users: USERS, seed: 5 });
  const polledAt = new Map<string, { at: number; shards: Set<number> }[]>();
  const claimedAt = new Map<string, { at: number; shards: Set<number> }[]>();
  const frozen = new Set<string>();
  const lastBeat = new Map<string, number>();
  const errors: Error[] = [];
  const members = ['a', 'b', 'c'].map((owner) => {
    const store = postgresStore({ connectionString, schema, keepSamples: false });
    const leases = postgresCoordination({ store, owner, shards: SHARDS, leaseTtl: TAKEOVER_TTL });
    const handed = observeHeartbeats(leases, (held) =>
      claimedAt.set(owner, [
        ...(claimedAt.get(owner) ?? []),
        { at: Date.now(), shards: new Set(held.map((l) => l.shard)) },
      ]),
    );
    const coordination: Coordination = {
      ...handed,
      heartbeat(now) {
        if (frozen.has(owner)) return new Promise(() => {});
        lastBeat.set(owner, now.getTime());
        return handed.heartbeat(now);
      },
    };
    const provider: PresenceProvider = {
      ...simulated,
      async getPresence(ids) {
        const at = Date.now();
        const samples = await simulated.getPresence(ids);
        const shards = new Set(ids.map((id) => shardOf(id, SHARDS)));
        polledAt.set(owner, [...(polledAt.get(owner) ?? []), { at, shards }]);
        return samples;
      },
    };
    const tracker = createTracker({
      provider,
      store,
      users: 'discover',
      pollInterval: TAKEOVER_POLL,
      policy: { staleAfter: 30_000 },
      coordination,
    });
    tracker.on('error', (e) => errors.push(e));
    return { owner, tracker, store };
  });
  await Promise.all(members.map((m) => m.tracker.start()));
  const settled = () =>
    members.every((m) => m.tracker.shards.length > 0 && m.tracker.shards.length <= Math.ceil(SHARDS / 3)) &&
    members.reduce((x, m) => x + m.tracker.shards.length, 0) === SHARDS;
  await waitFor(settled, 120_000);
  await sleep(2 * TAKEOVER_POLL);

  const victim = members[2]!;
  const lost = [...victim.tracker.shards];
  frozen.add(victim.owner);
  const killedAt = Date.now();
  const coveredAt = (log: Map<string, { at: number; shards: Set<number> }[]>) => {
    const first = new Map<number, number>();
    for (const m of members.slice(0, 2)) {
      for (const p of log.get(m.owner) ?? []) {
        if (p.at < killedAt) continue;
        for (const s of p.shards)
          if (lost.includes(s) && (first.get(s) ?? Infinity) > p.at) first.set(s, p.at);
      }
    }
    return first.size === lost.length ? Math.max(...first.values()) : null;
  };
  await waitFor(() => coveredAt(polledAt) !== null, 120_000);
  const ms = coveredAt(polledAt)! - killedAt;
  const leased = coveredAt(claimedAt)! - killedAt;
  const expiredAfter = lastBeat.get(victim.owner)! + TAKEOVER_TTL - killedAt;
  for (const m of members.slice(0, 2)) await m.tracker.stop();
  for (const m of members) await m.store.close();
  if (errors.length > 0) throw new Error(`a tracker failed: ${errors[0]!.message}`);
  return {
    name: `takeover after a tracker froze, ${USERS.toLocaleString('en-US')} users, 3 trackers`,
    value: ms,
    unit: 'ms',
    baseline: { name: 'lease ttl', value: TAKEOVER_TTL },
    note: `from the freeze until every shard it held (${lost.length}) was polled by the others, its users' open sessions recovered first; its leases expired ${expiredAfter} ms after the freeze and were all taken ${leased} ms after it; poll every ${TAKEOVER_POLL} ms`,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function waitFor(ok: () => boolean, timeout: number) {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeout) throw new Error('the trackers did not get there in time');
    await sleep(50);
  }
}
