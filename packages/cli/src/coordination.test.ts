import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { postgresCoordination, postgresStore } from '@presence-tracker/store-postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../store-postgres/src/testing/server.ts';
import { type Io, run } from './index.ts';

/* `track` and `doctor` with trackers sharing users through the Postgres store. */

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'presence-coordination-'));
});
afterAll(async () => {
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function invoke(args: string[], env: Record<string, string> = {}, now = () => new Date()) {
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (d: Buffer) => {
    out += d;
  });
  const stderr = Object.assign(
    new PassThrough().on('data', (d: Buffer) => {
      err += d;
    }),
    { isTTY: false },
  );
  const io: Io = {
    stdout,
    stderr,
    env,
    cwd: dir,
    now,
    signal: () => new Promise(() => {}),
  };
  const code = await run(args, io);
  return { code, stdout: out, stderr: err };
}

async function writeConfig(name: string, config: unknown) {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config));
  return path;
}

/** Simulated people tracked by trackers sharing them through leases in a Postgres schema. */
function sharedConfig(name: string, schema: string, size: { users: number; shards: number }) {
  return writeConfig(name, {
    provider: { type: 'simulated', users: size.users, seed: 3 },
    store: { type: 'postgres', connectionString: server.connectionString, schema },
    users: 'discover',
    coordination: { shards: size.shards, leaseTtl: 60_000 },
  });
}

it('track holds every shard while alone, releases them when it stops, and doctor shows the holders', async () => {
  const schema = `cli_leases_${process.pid}`;
  const config = await sharedConfig('shared.json', schema, { users: 20, shards: 8 });

  const tracked = await invoke(['track', '--config', config, '--once', '--log-format', 'json']);
  expect(tracked.code, tracked.stderr).toBe(0);
  const lines = tracked.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; shards?: number[] });
  expect(lines.find((l) => l.msg === 'holding shards')?.shards).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

  const store = postgresStore({ connectionString: server.connectionString, schema });
  try {
    expect((await store.users()).length).toBe(20);
    expect(await store.openState()).toMatchObject({ runs: [], intervals: [], sessions: [] });
  } finally {
    await store.close();
  }

  const checked = await invoke(['doctor', '--config', config]);
  expect(checked.code).toBe(0);
  // The tracker released its leases when it stopped.
  expect(checked.stdout).toMatch(/trackers\s+no tracker holds a shard now/);
});

it("doctor counts no tracker on leases that ran out at the command's clock, as a tracker that died leaves them", async () => {
  const schema = `cli_expired_${process.pid}`;
  const config = await sharedConfig('expired.json', schema, { users: 4, shards: 4 });
  // A tracker that took every shard and was killed: its leases are never released, only run out.
  const store = postgresStore({ connectionString: server.connectionString, schema });
  const gone = postgresCoordination({ store, owner: 'gone', shards: 4, leaseTtl: 60_000 });
  const heartbeat = new Date();
  try {
    await store.init();
    expect(await gone.heartbeat(heartbeat)).toHaveLength(4);

    const held = await invoke(['doctor', '--config', config], {}, () => new Date(heartbeat.getTime() + 1000));
    expect(held.stdout).toMatch(/trackers\s+1 tracking, holding 4 of 4 shards: gone \(4\)/);
    // Two lease lengths later, by the command's clock, nobody holds anything.
    const later = () => new Date(heartbeat.getTime() + 120_000);
    const expired = await invoke(['doctor', '--config', config], {}, later);
    expect(expired.stdout).toMatch(/trackers\s+no tracker holds a shard now/);
  } finally {
    await gone.close();
    await store.close();
  }
});

it('coordination without a postgres store is refused as bad configuration', async () => {
  const config = await writeConfig('alone.json', {
    provider: { type: 'simulated', users: 2 },
    store: { type: 'memory' },
    users: 'discover',
    coordination: { shards: 4 },
  });
  const result = await invoke(['track', '--config', config, '--once']);
  expect(result.code).toBe(2);
  expect(result.stderr + result.stdout).toMatch(
    /coordination: expected a store whose plugin shares users between trackers; the 'memory' store plugin does not/,
  );
});
