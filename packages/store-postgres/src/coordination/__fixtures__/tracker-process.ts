/**
 * One tracker process of a group, for the multi-process tests: the simulated provider, the Postgres
 * store and leases, the real clock. Every heartbeat and every poll is appended to a log file as one
 * JSON line, written synchronously so that a SIGKILL loses nothing already done. SIGTERM stops the
 * tracker cleanly.
 */
import { appendFileSync } from 'node:fs';
import {
  createTracker,
  type PresenceProvider,
  type ShardLease,
  shardOf,
  simulatedProvider,
} from '@presence-tracker/core';
import { postgresStore } from '../../postgres-store.ts';
import { postgresCoordination } from '../postgres-coordination.ts';
import { observeHeartbeats } from './observe.ts';

export interface ProcessConfig {
  connectionString: string;
  schema: string;
  owner: string;
  users: number;
  shards: number;
  leaseTtl: number;
  pollInterval: number;
  log: string;
}

export type LogLine =
  | { kind: 'beat'; owner: string; now: number; got: number; leases: ShardLease[] }
  | { kind: 'poll'; owner: string; start: number; end: number; users: number; shards: number[] }
  | { kind: 'error'; owner: string; at: number; code: string | null; message: string }
  | { kind: 'stopped'; owner: string; at: number };

const config = JSON.parse(process.argv[2]!) as ProcessConfig;
const { owner } = config;
const log = (line: LogLine) => appendFileSync(config.log, `${JSON.stringify(line)}\n`);

const store = postgresStore({
  connectionString: config.connectionString,
  schema: config.schema,
  maxConnections: 3,
});
const leases = postgresCoordination({ store, owner, shards: config.shards, leaseTtl: config.leaseTtl });
const coordination = observeHeartbeats(leases, (held, now) =>
  log({ kind: 'beat', owner, now: now.getTime(), got: Date.now(), leases: held }),
);
const simulated = simulatedProvider({ users: config.users, seed: 7 });
const provider: PresenceProvider = {
  name: simulated.name,
  resolveUsers: (keys) => simulated.resolveUsers(keys),
  discoverUsers: () => simulated.discoverUsers!(),
  async getPresence(ids) {
    const start = Date.now();
    const samples = await simulated.getPresence(ids);
    const shards = [...new Set(ids.map((id) => shardOf(id, config.shards)))].sort((a, b) => a - b);
    log({ kind: 'poll', owner, start, end: Date.now(), users: ids.length, shards });
    return samples;
  },
};

const tracker = createTracker({
  provider,
  store,
  users: 'discover',
  pollInterval: config.pollInterval,
  // A loaded machine may delay a poll; users should not go stale for that.
  policy: { staleAfter: 10 * config.pollInterval },
  coordination,
});
tracker.on('error', (e) =>
  log({
    kind: 'error',
    owner,
    at: Date.now(),
    code: String((e as { code?: unknown }).code ?? '') || null,
    message: e.message,
  }),
);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  tracker
    .stop()
    .then(async () => {
      log({ kind: 'stopped', owner, at: Date.now() });
      await store.close();
      process.exit(0);
    })
    .catch((error: unknown) => {
      log({ kind: 'error', owner, at: Date.now(), code: null, message: String(error) });
      process.exit(1);
    });
});

await tracker.start();
