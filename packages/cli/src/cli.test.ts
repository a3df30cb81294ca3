import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  makeUsers,
  startFakeGraph,
  startFakeIdentity,
  testCertificate,
} from '@presence-tracker/provider-graph/testing';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The command as people run it: a child process each, from source. Loading the sources takes a few
 * seconds on a busy machine, hence the generous timeouts.
 */

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./preload.mjs', import.meta.url));
const SLOW = 180_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): ChildProcess & { output: Promise<Result> } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MM_|PG_|API_DELAY|PRESENCE_TRACKER_)/.test(k)),
  );
  // As the repository's `pnpm presence-tracker` runs it.
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
  const output = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(child, { output });
}

const cli = (args: string[], cwd: string, env?: Record<string, string>) => start(args, cwd, env).output;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  return path;
}

async function readStore(path: string) {
  const store = sqliteStore({ path });
  try {
    const far = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
    const [runs, open, users, sessions] = await Promise.all([
      store.runs(far),
      store.openState(),
      store.users(),
      store.sessions(far),
    ]);
    return { runs, open, users, sessions };
  } finally {
    await store.close();
  }
}

describe('presence-tracker demo', () => {
  it(
    'writes a SQLite file, a CSV and an SVG, and says where they are',
    async () => {
      const cwd = await folder('demo');
      const result = await cli(
        ['demo', '--users', '5', '--seed', '7', '--date', '2026-03-02', '--out', 'out'],
        cwd,
      );
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      // It says how long the simulated day took; how long that is depends on the machine, so it is
      // not limited here (the benchmarks measure speed).
      const seconds = Number(/Simulated a working day in ([\d.]+) s/.exec(result.stdout)?.[1]);
      expect(seconds).toBeGreaterThanOrEqual(0);

      const out = join(cwd, 'out');
      for (const file of ['presence-demo.db', 'report.csv', 'timeline.svg', 'presence-tracker.json']) {
        expect(result.stdout).toContain(join(out, file));
        expect(existsSync(join(out, file))).toBe(true);
      }
      const csv = (await readFile(join(out, 'report.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toMatch(/^user_id,display_name,day,/);
      // Five people, a day row and a total each.
      expect(csv).toHaveLength(1 + 5 * 2);
      expect(csv.filter((line) => line.includes(',2026-03-02,'))).toHaveLength(5);

      const svg = await readFile(join(out, 'timeline.svg'), 'utf8');
      expect(svg).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s>]/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      for (const name of ['Ada Novak', 'Elif Rossi']) expect(svg).toContain(name);

      const { runs, open, users } = await readStore(join(out, 'presence-demo.db'));
      expect(users).toHaveLength(5);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.endedAt).toEqual(new Date('2026-03-02T20:00:00Z'));
      expect(open.sessions).toEqual([]);
    },
    SLOW,
  );
});

describe('a bad params.json', () => {
  it(
    'lists every problem with its field and exits 2, without echoing the values',
    async () => {
      const cwd = await folder('bad-params');
      await writeFile(
        join(cwd, 'params.json'),
        JSON.stringify({
          azure_client_id: 42,
          start_hour: 26,
          end_hour: 'five',
          ping_seconds: -1,
          tracked_user_emails: ['ok@example.com', '++++loud@example.com'],
          gotify_url: 'https://gotify.example.com',
          gotify_app_tokens: [''],
        }),
      );
      const result = await cli(['track', '--once'], cwd);
      expect(result.code).toBe(2);
      for (const field of [
        'azure_client_id',
        'start_hour',
        'end_hour',
        'ping_seconds',
        'tracked_user_emails.1',
        'gotify_app_tokens.0',
      ]) {
        expect(result.stderr).toContain(`- ${field}: expected`);
      }
      expect(result.stderr).toMatch(
        /start_hour: expected an hour, a whole number 0 to 23, received a whole number/,
      );
      expect(result.stderr).not.toContain('loud@example.com');
      expect(result.stdout).toBe('');
    },
    SLOW,
  );
});

describe('presence-tracker track', () => {
  it(
    'ends the run cleanly on SIGTERM: the run is closed and no session is left open',
    async () => {
      const cwd = await folder('sigterm');
      await writeFile(
        join(cwd, 'presence-tracker.json'),
        JSON.stringify({
          provider: { type: 'simulated', users: 4, seed: 3 },
          store: { type: 'sqlite', path: 'tracker.db' },
          users: 'discover',
          pollInterval: 200,
        }),
      );
      const child = start(['track', '--log-format', 'json'], cwd);
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        child.stderr!.on('data', (d: Buffer) => {
          seen += d;
          // Let a few polls land before stopping.
          if (/"msg":"tracking/.test(seen)) setTimeout(resolve, 1500);
        });
        child.on('close', () => reject(new Error(`track exited early:\n${seen}`)));
      });
      child.kill('SIGTERM');
      const result = await child.output;
      expect(result.code).toBe(0);
      const lines = result.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string; level: number });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['stopping', 'run ended', 'stopped cleanly']),
      );

      const { runs, open, users, sessions } = await readStore(join(cwd, 'tracker.db'));
      expect(users).toHaveLength(4);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.endedAt).not.toBeNull();
      expect(open.runs).toEqual([]);
      expect(open.sessions).toEqual([]);
      expect(open.intervals).toEqual([]);
      expect(sessions.every((s) => s.endedAt !== null)).toBe(true);
    },
    SLOW,
  );

  it(
    '--once reads presence from Microsoft Graph (fake server) with a client secret',
    async () => {
      const cwd = await folder('graph');
      const clientId = '0f0f0f0f-1111-4222-8333-444444444444';
      const secret = 'graph-client-secret-value';
      const graph = await startFakeGraph({ users: makeUsers(3) });
      const identity = await startFakeIdentity({ clientId, clientSecret: secret });
      try {
        await writeFile(
          join(cwd, 'presence-tracker.json'),
          JSON.stringify({
            provider: {
              type: 'graph',
              tenantId: 'contoso',
              clientId,
              clientSecret: { env: 'GRAPH_CLIENT_SECRET' },
              authority: `${identity.url}/contoso`,
              disableInstanceDiscovery: true,
              baseUrl: graph.url,
            },
            store: { type: 'sqlite', path: 'graph.db' },
            users: ['person00001@contoso.com', '+person00002@contoso.com', '+++person00003@contoso.com'],
          }),
        );
        const result = await cli(['track', '--once', '--log-format', 'json'], cwd, {
          GRAPH_CLIENT_SECRET: secret,
          NODE_EXTRA_CA_CERTS: testCertificate.certPath,
        });
        expect(result.stderr).not.toContain(secret);
        expect(result.code).toBe(0);
        expect(identity.tokenRequests.some((r) => r.proof === 'secret' && r.tenant === 'contoso')).toBe(true);
        expect(graph.presenceRequests().length).toBeGreaterThanOrEqual(1);
        expect(graph.requests.every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);

        const { runs, open, users, sessions } = await readStore(join(cwd, 'graph.db'));
        expect(users.map((u) => u.severity).sort()).toEqual([0, 1, 3]);
        expect(runs).toHaveLength(1);
        // A --once run stays open for the next cron run to continue (or, if that comes too late, end).
        expect(runs[0]!.endedAt).toBeNull();
        // Everyone is Available in the fake, so each has a session, open with the run.
        expect(open.sessions).toHaveLength(3);
        expect(sessions.map((s) => s.endReason)).toEqual([null, null, null]);
      } finally {
        await graph.close();
        await identity.close();
      }
    },
    SLOW,
  );

  it(
    "--once reads Mattermost (fake server) from the Mattermost tracker's environment and a .env file",
    async () => {
      const cwd = await folder('mattermost');
      const data = makeData({ users: 6, channels: 3, teams: 1 });
      const server = await startFakeServer(data);
      try {
        await writeFile(
          join(cwd, '.env'),
          `MM_URL=${server.url}\nMM_USER=tracker\nMM_PASSWORD=secret-pw\nAPI_DELAY=0.01\n`,
        );
        const result = await cli(['track', '--once', '--log-format', 'json'], cwd);
        expect(result.stderr).not.toContain('secret-pw');
        expect(result.code).toBe(0);
        expect(server.count('POST /api/v4/users/login')).toBe(1);
        expect(server.count('POST /api/v4/users/status/ids')).toBeGreaterThanOrEqual(1);

        // No PG_* variable: the readings go to a SQLite file in the working folder.
        const { runs, users } = await readStore(join(cwd, 'presence-tracker.db'));
        expect(users.length).toBeGreaterThanOrEqual(6);
        expect(runs).toHaveLength(1);
        // Left open for the next cron run to continue.
        expect(runs[0]!.endedAt).toBeNull();
      } finally {
        await server.close();
      }
    },
    SLOW,
  );
});

describe('track and signals', () => {
  const simulated = (cwd: string, extra: Record<string, unknown> = {}) =>
    writeFile(
      join(cwd, 'presence-tracker.json'),
      JSON.stringify({
        provider: { type: 'simulated', users: 4, seed: 3 },
        store: { type: 'sqlite', path: 'tracker.db' },
        users: 'discover',
        pollInterval: 200,
        ...extra,
      }),
    );
  const messages = (stderr: string) =>
    stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; users?: number });

  it(
    'a SIGTERM during start-up ends it cleanly, not by the signal',
    async () => {
      const cwd = await folder('early-sigterm');
      await simulated(cwd);
      const child = start(['track', '--log-format', 'json'], cwd);
      // The first line comes while the store and the provider are still being opened, long before
      // tracking starts: the moment a service manager's stop used to kill it. (The signal is held
      // from the first line of the process on; only this moment can be hit without a race.)
      let seen = '';
      child.stderr!.on('data', (d: Buffer) => {
        seen += d;
        if (/"msg":"configuration loaded"/.test(seen) && !child.killed) child.kill('SIGTERM');
      });
      const result = await child.output;
      expect(child.signalCode).toBeNull();
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/"msg":"(stopped before tracking began|stopped cleanly)"/);
      if (existsSync(join(cwd, 'tracker.db'))) {
        const { open } = await readStore(join(cwd, 'tracker.db'));
        expect(open.runs).toEqual([]);
      }
    },
    SLOW,
  );

  it(
    "a SIGTERM while the command's own modules are still loading ends it cleanly, not by the signal",
    async () => {
      const cwd = await folder('sigterm-while-loading');
      await simulated(cwd);
      // As `start` runs it, with one more module loaded before the command's sources, which holds
      // them back until the signal came (see the fixture).
      const child = spawn(
        process.execPath,
        [
          '--import',
          PRELOAD,
          '--import',
          fileURLToPath(new URL('./__fixtures__/signal-while-loading.mjs', import.meta.url)),
          '--conditions=@presence-tracker/source',
          BIN,
          'track',
          '--log-format',
          'json',
        ],
        {
          cwd,
          env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
          stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
      });
      const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
      const loading = child.stdio[3] as NodeJS.ReadableStream;
      loading.once('data', () => child.kill('SIGTERM'));
      const [code, signal] = await closed;
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(stderr).toMatch(/"msg":"(stopped before tracking began|stopped cleanly)"/);
    },
    SLOW,
  );

  it(
    'logs the users once they are known, and "polled once" before the run is left open',
    async () => {
      const cwd = await folder('log-order');
      await simulated(cwd);
      const once = await cli(['track', '--once', '--log-format', 'json'], cwd);
      expect(once.code).toBe(0);
      const said = messages(once.stderr).map((l) => l.msg);
      // A --once run is left open for the next cron invocation, which continues it.
      expect(said.indexOf('polled once')).toBeGreaterThan(-1);
      expect(said.indexOf('polled once')).toBeLessThan(said.indexOf('run left open for the next start'));

      const child = start(['track', '--log-format', 'json'], cwd);
      let seen = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          seen += d;
          if (/"msg":"tracking/.test(seen)) resolve();
        });
        child.on('close', () => reject(new Error(`track exited early:\n${seen}`)));
      });
      child.kill('SIGTERM');
      const result = await child.output;
      expect(result.code).toBe(0);
      const tracking = messages(result.stderr).find((l) => l.msg.startsWith('tracking'));
      expect(tracking?.users).toBe(4);
    },
    SLOW,
  );

  it(
    'says when a stop waits for a webhook endpoint, and a second signal exits at once with 130',
    async () => {
      const cwd = await folder('slow-hook');
      const requests: string[] = [];
      // Takes each delivery and never answers.
      const hook = createServer((req) => {
        requests.push(req.url ?? '');
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      const { port } = hook.address() as { port: number };
      try {
        await simulated(cwd, {
          notifiers: [{ type: 'webhook', name: 'slow', url: `http://127.0.0.1:${port}/hook` }],
        });
        const child = start(['track', '--log-format', 'json'], cwd);
        let seen = '';
        const waiting = new Promise<void>((resolve, reject) => {
          child.stderr!.on('data', (d: Buffer) => {
            seen += d;
            if (/"msg":"tracking/.test(seen) && !child.killed) child.kill('SIGTERM');
            if (/"msg":"waiting up to/.test(seen)) resolve();
          });
          child.on('close', () => reject(new Error(`track exited before saying it waits:\n${seen}`)));
        });
        await waiting;
        const line = messages(seen).find((l) => l.msg.startsWith('waiting up to')) as unknown as {
          msg: string;
          pending: number;
          timeoutMs: number;
          notifiers: string[];
        };
        expect(line.pending).toBeGreaterThanOrEqual(1);
        expect(line).toMatchObject({ timeoutMs: 10_000, notifiers: ['slow'] });
        expect(line.msg).toMatch(/^waiting up to 10 s for \d+ undelivered notification\(s\)/);
        expect(requests.length).toBeGreaterThanOrEqual(1);

        child.kill('SIGTERM');
        const result = await child.output;
        expect(result.code).toBe(130);
      } finally {
        hook.closeAllConnections();
        await new Promise((resolve) => hook.close(resolve));
      }
    },
    SLOW,
  );
});
