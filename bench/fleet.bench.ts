import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { dropSchemas, freshSchema, startTestServer } from '../packages/store-postgres/src/testing/server.ts';
import { APP, forkGraph } from './fleet-graph-process.ts';
import { measureLimit } from './fleet-limit.ts';
import type { BenchRow } from './lib.ts';
import { readStat } from './server-cpu.ts';

/** Graph's limit: 1,500 presence requests per 30 s per app and tenant, 650 ids each. */
const LIMIT = { requests: 1_500, perMs: 30_000 };
const IDS_PER_REQUEST = 650;
const CEILING = (LIMIT.requests / LIMIT.perMs) * 1_000 * IDS_PER_REQUEST;
const LATENCY_MS = 50;
const env = process.env;
/** Enough people that polling each every `POLL_MS` asks for the whole ceiling. */
const POLL_MS = Number(env.FLEET_POLL_MS ?? 1_000);
const PEOPLE = Number(env.FLEET_PEOPLE ?? (CEILING * POLL_MS) / 1_000);
const FLEETS = (env.FLEET_TRACKERS ?? '1,2,4').split(',').filter(Boolean).map(Number);
const MEASURE_MS = Number(env.FLEET_SECONDS ?? 30) * 1_000;
/** One reading in a hundred finds a new status. */
const CHANGES_PER_SECOND = CEILING / 100;
const SHARDS = 64;
const LEASE_TTL = 120_000;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

interface Poll {
  /** When the poll's write was committed, and when the poll began (epoch ms). */
  at: number;
  startedAt: number;
  samples: number;
  effects: number;
  skipped: string | null;
  shards: number;
  requests: { count: number; ms: number; throttled: number; waitedMs: number; lastAnswerAt: number };
}

/**
 * A fleet at Graph's ceiling: 1, 2 and 4 trackers (each a child process: the real tracker, Graph
 * provider, Graph client and ClientSecretCredential) share `PEOPLE` people through Postgres leases
 * and write everything they read into one Postgres, against a fake Graph in a process of its own
 * that takes 50 ms a request and holds presence requests to Graph's limit (429 with Retry-After).
 * The figure is the readings per second written to Postgres, against the 32,500 a second Graph
 * allows; the notes say where the CPU went (each process's utime + stime from /proc, Postgres's
 * backends included), what the Graph client saw, and what the rest of the machine was doing.
 * First, whether budgets that split the limit exactly spend it without a 429 (`fleet-limit.ts`).
 * `FLEET_TRACKERS`, `FLEET_PEOPLE`, `FLEET_POLL_MS` and `FLEET_SECONDS` change the sizes;
 * `FLEET_BATCH` the trackers' `pollBatchSize` (the Graph provider's own when unset).
 */
export default async function fleet(): Promise<BenchRow[]> {
  const server = await startTestServer({ fast: false });
  const schemas: string[] = [];
  try {
    const rows: BenchRow[] = [await measureLimit(LIMIT, LATENCY_MS)];
    for (const n of FLEETS) {
      const schema = freshSchema('fleet');
      schemas.push(schema);
      rows.push(...(await measureFleet(server.connectionString, schema, n, server.directory)));
    }
    return rows;
  } finally {
    await dropSchemas(server.connectionString, schemas).catch(() => {});
    await server.dispose();
  }
}

async function measureFleet(
  connectionString: string,
  schema: string,
  n: number,
  pgDirectory: string | undefined,
): Promise<BenchRow[]> {
  const children: ChildProcess[] = [];
  try {
    const {
      child: graph,
      graph: graphUrl,
      identity,
      counts,
    } = await forkGraph(PEOPLE, LATENCY_MS, CHANGES_PER_SECOND);
    children.push(graph);

    const polls: Poll[][] = [];
    const errors: string[] = [];
    for (let i = 0; i < n; i++) {
      const log: Poll[] = [];
      polls.push(log);
      const tracker = fork(
        join(import.meta.dirname, 'fleet-tracker.ts'),
        [
          connectionString,
          schema,
          `t${i}`,
          graphUrl,
          identity,
          String(Math.floor(LIMIT.requests / n)),
          String(POLL_MS),
          String(SHARDS),
          String(LEASE_TTL),
        ],
        { env: { ...env, ...APP } },
      );
      children.push(tracker);
      tracker.on('message', (m: { poll?: Poll; error?: string }) => {
        if (m.poll) log.push(m.poll);
        if (m.error) errors.push(m.error);
      });
    }
    const trackers = children.slice(1);

    // Warm: the shares settled, and every tracker has written two full polls of its share since.
    const fair = Math.ceil(SHARDS / n);
    const settledAt = await waitFor(() => {
      const held = polls.map((log) => log.at(-1)?.shards ?? 0);
      return held.reduce((a, b) => a + b, 0) === SHARDS && held.every((h) => h > 0 && h <= fair);
    }, 300_000);
    await waitFor(
      () => polls.every((log) => log.filter((p) => p.at > settledAt && p.samples > 0).length >= 2),
      300_000,
    );
    if (errors.length > 0) throw new Error(`a tracker failed while warming up: ${errors[0]}`);

    const pgPids = postgresPids(pgDirectory);
    const pids = { trackers: trackers.map((c) => c.pid!), graph: [graph.pid!], postgres: pgPids };
    const before = { cpu: cpuOf(pids), machine: machineTicks(), counts: await counts(), at: Date.now() };
    const load = loadavg()[0]!;
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    // Every tracker has finished two polls inside the window, so its rate spans at least one whole poll.
    await waitFor(() => polls.every((log) => log.filter((p) => p.at > before.at).length >= 2), 300_000);
    const after = { cpu: cpuOf(pids), machine: machineTicks(), counts: await counts(), at: Date.now() };
    if (errors.length > 0) throw new Error(`a tracker failed: ${errors[0]}`);

    const seconds = (after.at - before.at) / 1_000;
    // Each tracker's rate: the readings its polls wrote from the end of its first poll in the window
    // to the end of its last, over that time.
    let rate = 0;
    let pollMs = 0;
    let pollCount = 0;
    const client = { count: 0, ms: 0, throttled: 0, waitedMs: 0 };
    // Of each poll's time: from its start to Graph's last answer (earlier batches written meanwhile),
    // then applying and writing the last batch.
    const phases = { reading: 0, writing: 0 };
    for (const log of polls) {
      const inside = log.filter((p) => p.at > before.at && p.at <= after.at);
      const [first, ...rest] = inside;
      const readings = rest.reduce((sum, p) => sum + p.samples, 0);
      rate += readings / ((rest.at(-1)!.at - first!.at) / 1_000);
      pollMs += rest.at(-1)!.at - first!.at;
      pollCount += rest.length;
      for (const p of rest) {
        client.count += p.requests.count;
        client.ms += p.requests.ms;
        client.throttled += p.requests.throttled;
        client.waitedMs += p.requests.waitedMs;
        if (p.requests.lastAnswerAt > 0) {
          phases.reading += p.requests.lastAnswerAt - p.startedAt;
          phases.writing += p.at - p.requests.lastAnswerAt;
        }
      }
    }
    const cores = (which: keyof typeof pids) =>
      (after.cpu[which] - before.cpu[which]) / CLOCK_TICKS / seconds;
    const used = { trackers: cores('trackers'), graph: cores('graph'), postgres: cores('postgres') };
    const machineBusy = (after.machine.busy - before.machine.busy) / (after.machine.all - before.machine.all);
    const cpuCount = after.machine.cpus;
    const others = Math.max(0, machineBusy * cpuCount - used.trackers - used.graph - used.postgres);
    const requests = after.counts.presence - before.counts.presence;
    const throttled = after.counts.throttled - before.counts.throttled;
    const bytes = after.counts.bytes - before.counts.bytes;
    // CPU (ms) the fleet's side spends per 1,000 readings, and what the ceiling would take in cores.
    const per1000 = (c: number) => (c * 1_000_000) / rate;
    const fleetCores = ((used.trackers + used.postgres) * CEILING) / rate;
    const allCores = ((used.trackers + used.postgres + used.graph) * CEILING) / rate;

    const label = `${n} tracker${n > 1 ? 's' : ''}, ${PEOPLE.toLocaleString('en-US')} people`;
    const f = (x: number, d = 2) => x.toFixed(d);
    return [
      {
        name: `fleet at Graph's ceiling, ${label}: readings written to Postgres`,
        value: rate,
        unit: 'readings/s',
        baseline: { name: "Graph's ceiling (1,500 requests per 30 s, 650 ids each)", value: CEILING },
        note:
          `${Math.round((requests / seconds) * 10) / 10} presence requests/s answered (limit ${LIMIT.requests / (LIMIT.perMs / 1_000)}), ` +
          `${throttled} refused with 429 at the fake, ${client.throttled} retries after 429 seen by the trackers (${Math.round(client.waitedMs)} ms waited); ` +
          `a poll every ${f(pollMs / pollCount / 1_000)} s a tracker (asked every ${POLL_MS / 1_000} s), ` +
          `${f((100 * phases.reading) / (phases.reading + phases.writing), 0)}% of it until Graph's last answer (earlier batches written meanwhile), the rest applying and writing the last batch; ` +
          `request latency seen by the Graph client ${f(client.ms / client.count, 0)} ms (the fake waits ${LATENCY_MS}); ` +
          `${f(bytes / seconds / 2 ** 20)} MB/s of JSON from the fake over TLS on loopback; ` +
          `measured over ${f(seconds, 0)} s`,
      },
      {
        name: `fleet at Graph's ceiling, ${label}: readings per second this machine's cores would carry for the fleet alone`,
        value: (rate * cpuCount) / (used.trackers + used.graph + used.postgres),
        unit: 'readings/s',
        baseline: { name: "Graph's ceiling", value: CEILING },
        note: `the readings per CPU-second the fleet, Postgres and the fake Graph spent, times ${cpuCount} cores: what they would reach with the machine to themselves, were CPU the only limit; ${f(rate / (used.trackers + used.postgres), 0)} readings per CPU-second of trackers and Postgres`,
      },
      {
        name: `fleet at Graph's ceiling, ${label}: CPU in use`,
        value: used.trackers + used.graph + used.postgres,
        unit: 'cores',
        baseline: { name: `the machine's cores`, value: cpuCount },
        note:
          `trackers ${f(used.trackers)} (${f(per1000(used.trackers))} ms per 1,000 readings), ` +
          `Postgres ${f(used.postgres)} (${pgPids.length} processes; ${f(per1000(used.postgres))} ms per 1,000 readings), ` +
          `fake Graph ${f(used.graph)} (${f(per1000(used.graph))} ms per 1,000 readings); ` +
          `other programs ${f(others)}; machine busy ${f(machineBusy * 100, 0)}%, load average ${f(load)}; ` +
          `the ceiling would take ${f(fleetCores)} cores of trackers and Postgres (${f(allCores)} with the fake Graph)`,
      },
    ];
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

/** The embedded server's postmaster and every process it started (backends, writers). */
function postgresPids(directory: string | undefined): number[] {
  if (!directory) return [];
  const postmaster = Number(readFileSync(join(directory, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && Number(stat[1]) === postmaster) pids.push(Number(entry));
  }
  return pids;
}

function cpuOf(pids: Record<'trackers' | 'graph' | 'postgres', number[]>) {
  const ticks = (list: number[]) =>
    list.reduce((sum, pid) => {
      const stat = readStat(pid);
      return sum + (stat ? Number(stat[11]) + Number(stat[12]) : 0);
    }, 0);
  return { trackers: ticks(pids.trackers), graph: ticks(pids.graph), postgres: ticks(pids.postgres) };
}

/** The whole machine's busy and total ticks from /proc/stat, and how many CPUs it has. */
function machineTicks() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const fields = lines[0]!.split(/\s+/).slice(1, 9).map(Number);
  const all = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: all - idle, all, cpus: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}

async function waitFor(ok: () => boolean, timeout: number): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeout) throw new Error('the fleet did not get there in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now();
}
