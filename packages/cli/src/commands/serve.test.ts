import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* `serve` as people run it: a child process each, from source, against a demo's SQLite file. */

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../preload.mjs', import.meta.url));
const SLOW = 180_000;
const TOKEN = 'a-long-enough-dashboard-token';

type Child = ChildProcess & { output: Promise<{ code: number | null; stdout: string; stderr: string }> };

function start(args: string[], cwd: string, env: Record<string, string> = {}): Child {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MM_|PG_|API_DELAY|PRESENCE_TRACKER_)/.test(k)),
  );
  const child = spawn(
    process.execPath,
    ['--import', PRELOAD, '--conditions=@presence-tracker/source', BIN, ...args],
    {
      cwd,
      env: { ...clean, TZ: 'UTC', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(child, { output });
}

/** The URL the server says it listens on, as soon as it says so. */
function listening(child: Child): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => {
      seen += d;
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    child.output.then((r) => reject(new Error(`exited ${r.code} before listening:\n${r.stderr}`)));
  });
}

let dir: string;
let config: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-serve-'));
  const demo = await start(
    ['demo', '--users', '5', '--seed', '7', '--date', '2026-03-02', '--out', 'out'],
    dir,
  ).output;
  expect(demo.code, demo.stderr).toBe(0);
  config = join(dir, 'out', 'presence-tracker.json');
}, SLOW);
afterAll(async () => {
  await chmod(join(dir, 'out'), 0o755).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('presence-tracker serve', () => {
  it(
    "serves a read-only file the command's CSV, byte for byte, and stops on SIGTERM with 0",
    async () => {
      // Read-only: the file and its folder cannot be written, as for `report`.
      await chmod(join(dir, 'out', 'presence-demo.db'), 0o444);
      await chmod(join(dir, 'out'), 0o555);
      try {
        const server = start(['serve', '--config', config, '--port', '0'], dir);
        const url = await listening(server);
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const range = ['--from', '2026-03-02', '--to', '2026-03-02'];
        const command = await start(['report', '--config', config, '--format', 'csv', ...range], dir).output;
        expect(command.code, command.stderr).toBe(0);
        const api = await fetch(`${url}/api/v1/report.csv?from=2026-03-02&to=2026-03-02`);
        expect(api.status).toBe(200);
        const csv = await api.text();
        expect(csv.split('\n').length).toBeGreaterThan(5);
        expect(csv).toBe(command.stdout);
        expect(csv).toBe(await readFile(join(dir, 'out', 'report.csv'), 'utf8'));

        const health = await (await fetch(`${url}/healthz`)).json();
        expect(health).toMatchObject({ status: 'ok', store: { name: 'sqlite', reachable: true } });

        server.kill('SIGTERM');
        const result = await server.output;
        expect(result.code, result.stderr).toBe(0);
      } finally {
        await chmod(join(dir, 'out'), 0o755);
      }
    },
    SLOW,
  );

  it(
    'refuses to serve other machines without a token, and with one lets only its holder in',
    async () => {
      const refused = await start(['serve', '--config', config, '--host', '0.0.0.0', '--port', '0'], dir)
        .output;
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--host');
      expect(refused.stderr).toContain('web.token');

      const guarded = join(dir, 'out', 'guarded.json');
      const demo = JSON.parse(await readFile(config, 'utf8'));
      await writeFile(
        guarded,
        JSON.stringify({ ...demo, web: { token: { env: 'DASHBOARD_TOKEN' }, host: '0.0.0.0' } }),
      );
      const server = start(['serve', '--config', guarded, '--port', '0', '--log-level', 'debug'], dir, {
        DASHBOARD_TOKEN: TOKEN,
      });
      const url = (await listening(server)).replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${url}/api/v1/people`)).status).toBe(401);
      expect(
        (await fetch(`${url}/api/v1/people`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
      const people = await fetch(`${url}/api/v1/people`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(people.status).toBe(200);
      expect(((await people.json()) as { people: unknown[] }).people).toHaveLength(5);
      server.kill('SIGTERM');
      const result = await server.output;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
    },
    SLOW,
  );

  it(
    'with --track, tracks in the same process and ends the run on SIGTERM',
    async () => {
      const tracked = join(dir, 'tracked.json');
      await writeFile(
        tracked,
        JSON.stringify({
          provider: { type: 'simulated', users: 3 },
          store: { type: 'sqlite', path: 'tracked.db' },
          users: 'discover',
          pollInterval: 1000,
        }),
      );
      const server = start(['serve', '--config', tracked, '--port', '0', '--track'], dir);
      const url = await listening(server);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { lastPollAt: string | null };
      // The tracker started before the server said it listens: its first poll is written.
      expect(health.lastPollAt).not.toBeNull();
      server.kill('SIGTERM');
      const result = await server.output;
      expect(result.code, result.stderr).toBe(0);
      const store = sqliteStore({ path: join(dir, 'tracked.db'), readOnly: true });
      const runs = await store.runs({ from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) });
      await store.close();
      expect(runs).toHaveLength(1);
      expect(runs[0]!.endedAt).not.toBeNull();
    },
    SLOW,
  );
});
