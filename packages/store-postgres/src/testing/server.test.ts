import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';

const SCRIPT = join(import.meta.dirname, '__fixtures__', 'server-process.ts');
const children: ChildProcess[] = [];
const folders: string[] = [];

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

interface Started {
  directory: string;
  connectionString: string;
  backend: number;
}

/** Runs a miniature test file that starts a server, and waits until the server answered it. */
async function startInChild(env: NodeJS.ProcessEnv = {}) {
  const stderr: string[] = [];
  const child = fork(SCRIPT, [], {
    execArgv: ['--conditions=@presence-tracker/source'],
    env: { ...process.env, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const started = await Promise.race([
    once(child, 'message').then(([m]) => m as Started),
    exited.then(([code, signal]) => {
      throw new Error(`the server process exited with ${code ?? signal}: ${stderr.join('')}`);
    }),
  ]);
  return { child, started, exited, stderr };
}

async function refuses(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return false;
  } catch {
    return true;
  }
}

test('a server started with a private temporary folder (mode 0700) runs, and leaves nothing there', async () => {
  // Like a clone in a home folder or under `mktemp -d`: as root, Postgres runs as the postgres user,
  // who may not enter it.
  const privateTmp = mkdtempSync(join(tmpdir(), 'presence-tracker-private-'));
  folders.push(privateTmp);
  const { child, started, exited, stderr } = await startInChild({ TMPDIR: privateTmp });
  expect(started.backend).toBeGreaterThan(0);
  expect(existsSync(started.directory)).toBe(true);

  child.send('dispose');
  const [code] = await exited;
  expect({ code, stderr: stderr.join('') }).toEqual({ code: 0, stderr: '' });
  expect(existsSync(started.directory)).toBe(false);
  expect(await refuses(started.connectionString)).toBe(true);
  // No password file or data folder stays behind in the temporary folder.
  expect(readdirSync(privateTmp)).toEqual([]);
});

test('a test file killed while its server runs leaves neither the server nor its folder', async () => {
  const { child, started, exited } = await startInChild();
  expect(existsSync(started.directory)).toBe(true);

  child.kill('SIGKILL');
  await exited;
  const deadline = Date.now() + 20_000;
  while (existsSync(started.directory) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(existsSync(started.directory)).toBe(false);
  expect(await refuses(started.connectionString)).toBe(true);
});
