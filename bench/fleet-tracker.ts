/**
 * One tracker of the fleet `pnpm bench fleet` measures, in a process of its own: the real
 * `createTracker` with the Graph provider (the real Graph client and ClientSecretCredential, pointed
 * at the fake Graph and the fake sign-in), writing to Postgres and sharing the people with the other
 * trackers through Postgres leases. After every poll (once its write is committed) it tells the
 * parent over IPC how many readings the poll wrote, when it began, and the presence requests it made
 * since the last report: how many, their summed latency as the Graph client saw it, when the last
 * answer came, and the 429s it was told to wait out. The parent ends it with a kill, as a crash would: its leases lapse.
 */
import { createTracker } from '@presence-tracker/core';
import { graphProvider } from '@presence-tracker/provider-graph';
import { trustTestCertificate } from '@presence-tracker/provider-graph/testing';
import { postgresCoordination, postgresStore } from '@presence-tracker/store-postgres';

const [connectionString, schema, owner, graphUrl, identityUrl] = process.argv.slice(2);
const [budget, pollInterval, shards, leaseTtl] = process.argv.slice(7).map(Number);
const { FLEET_CLIENT_ID, FLEET_CLIENT_SECRET, FLEET_TENANT } = process.env;
if (!process.send) throw new Error('fleet-tracker runs as a child of pnpm bench fleet, with an IPC channel');
const send = process.send.bind(process);
trustTestCertificate();

// Each presence request timed as the Graph client's fetch sees it: queueing in this process included.
const requests = { count: 0, ms: 0, throttled: 0, waitedMs: 0, lastAnswerAt: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.includes('getPresencesByUserId')) return realFetch(input, init);
  const started = performance.now();
  const response = await realFetch(input, init);
  requests.count++;
  requests.ms += performance.now() - started;
  requests.lastAnswerAt = Date.now();
  return response;
};

const store = postgresStore({ connectionString: connectionString!, schema: schema! });
const coordination = postgresCoordination({ store, owner: owner!, shards: shards!, leaseTtl: leaseTtl! });
const provider = graphProvider({
  auth: {
    mode: 'clientSecret',
    tenantId: FLEET_TENANT!,
    clientId: FLEET_CLIENT_ID!,
    clientSecret: FLEET_CLIENT_SECRET!,
    authorityHost: identityUrl!,
    disableInstanceDiscovery: true,
  },
  baseUrl: graphUrl!,
  // Its part of the app's limit; requests in flight as the provider's default has them.
  budget: { requests: budget!, perMs: 30_000 },
  logger: {
    debug() {},
    info() {},
    error() {},
    warn(fields) {
      if (fields.status === 429) {
        requests.throttled++;
        requests.waitedMs += Number(fields.waitMs ?? 0);
      }
    },
  },
});
const tracker = createTracker({
  provider,
  store,
  users: 'discover',
  pollInterval: pollInterval!,
  coordination,
  // FLEET_BATCH: how many people a poll asks Graph about at once; the provider's own size when unset.
  ...(process.env.FLEET_BATCH ? { pollBatchSize: Number(process.env.FLEET_BATCH) } : {}),
  // A poll of many people may take longer than the usual interval; nobody goes stale for that.
  policy: { staleAfter: 10 * 60_000 },
});
tracker.on('poll', (result) => {
  send({
    poll: {
      at: Date.now(),
      startedAt: result.at.getTime(),
      samples: result.samples,
      effects: result.effects,
      skipped: result.skipped ?? null,
      shards: tracker.shards.length,
      requests: { ...requests },
    },
  });
  Object.assign(requests, { count: 0, ms: 0, throttled: 0, waitedMs: 0, lastAnswerAt: 0 });
});
tracker.on('error', (error) => {
  const causes: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(e.message);
  send({ error: causes.join(': ') });
});
await tracker.start();
