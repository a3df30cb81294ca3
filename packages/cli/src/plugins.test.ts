import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Plugins written outside the repository, as their authors would: a provider file beside the
 * configuration (the guide's, exactly as PLUGINS.md shows it) and a notifier installed as a package,
 * both with their own zod schemas, used by the command run as a child process.
 */

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./__fixtures__/plugins/', import.meta.url));
const GUIDE = fileURLToPath(new URL('../../core/PLUGINS.md', import.meta.url));
const SLOW = 180_000;
const TOKEN = 'acme-token-value';

let dir: string;
let acme: {
  url: string;
  requests: { path: string; authorization?: string; region?: string }[];
  server: Server;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-plugins-'));
  // The project folder of someone using the command: their plugin beside the configuration, and
  // the libraries it imports installed in node_modules.
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, '@presence-tracker'), { recursive: true });
  await symlink(
    fileURLToPath(new URL('../../core', import.meta.url)),
    join(modules, '@presence-tracker/core'),
  );
  await symlink(
    await realpath(fileURLToPath(new URL('../node_modules/zod', import.meta.url))),
    join(modules, 'zod'),
  );
  await mkdir(join(dir, 'plugins'));
  await copyFile(join(FIXTURES, 'acme-provider.mjs'), join(dir, 'plugins/acme.mjs'));
  const pkg = join(modules, 'acme-event-log');
  await mkdir(pkg);
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'acme-event-log', type: 'module', exports: './index.mjs' }),
  );
  await copyFile(join(FIXTURES, 'log-notifier.mjs'), join(pkg, 'index.mjs'));
  acme = await startAcme();
});

afterAll(async () => {
  acme?.server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Acme Chat's status API as the guide describes it: two people, a bearer token. */
function startAcme(): Promise<typeof acme> {
  const people = [
    { id: 'u1', email: 'ada@acme.example', name: 'Ada', status: 'online' },
    { id: 'u2', email: 'ben@acme.example', name: 'Ben', status: 'dnd' },
  ];
  const requests: (typeof acme)['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({
      path: url.pathname,
      ...(req.headers.authorization && { authorization: req.headers.authorization }),
      ...(typeof req.headers['x-acme-region'] === 'string' && { region: req.headers['x-acme-region'] }),
    });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: 'unauthorized' });
    const list = (name: string) => (url.searchParams.get(name) ?? '').split(',').filter(Boolean);
    if (url.pathname === '/api/users') {
      const emails = list('emails');
      return send(200, { users: people.filter((p) => emails.includes(p.email)) });
    }
    if (url.pathname === '/api/presence') {
      const ids = list('ids');
      return send(200, {
        presence: people.filter((p) => ids.includes(p.id)).map(({ id, status }) => ({ id, status })),
      });
    }
    return send(404, { error: 'not found' });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, requests, server });
    }),
  );
}

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MM_|PG_|API_DELAY|PRESENCE_TRACKER_)/.test(k)),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@presence-tracker/source', BIN, ...args],
    {
      cwd: dir,
      env: { ...clean, TZ: 'UTC', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function config(name: string, value: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(value, null, 2));
  return file;
}

describe('a provider plugin beside the configuration', () => {
  it(
    'tracks people into SQLite with track --once, its options checked by its own schema',
    async () => {
      const file = await config('acme.json', {
        provider: { type: './plugins/acme.mjs', url: acme.url, token: { env: 'ACME_TOKEN' }, region: 'us' },
        store: { type: 'sqlite', path: 'data/acme.db' },
        users: ['ada@acme.example', '++ben@acme.example', 'ghost@acme.example'],
      });
      const result = await cli(['track', '--once', '--config', file, '--log-format', 'json'], {
        ACME_TOKEN: TOKEN,
      });
      expect(result.stderr).not.toContain(TOKEN);
      expect(result.code, result.stderr).toBe(0);
      expect(acme.requests.map((r) => r.path)).toEqual(
        expect.arrayContaining(['/api/users', '/api/presence']),
      );
      expect(acme.requests.every((r) => r.authorization === `Bearer ${TOKEN}` && r.region === 'us')).toBe(
        true,
      );

      const store = sqliteStore({ path: join(dir, 'data/acme.db') });
      try {
        const far = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
        const users = await store.users();
        expect(users.map((u) => [u.id, u.displayName, u.severity])).toEqual([
          ['u1', 'Ada', 0],
          ['u2', 'Ben', 2],
        ]);
        const intervals = await store.intervals(far);
        expect(intervals.map((i) => [i.userId, i.status]).sort()).toEqual([
          ['u1', 'available'],
          ['u2', 'dnd'],
        ]);
        const runs = await store.runs(far);
        expect(runs).toHaveLength(1);
        // A --once run stays open for the next cron run to continue.
        expect(runs[0]!.endedAt).toBeNull();
      } finally {
        await store.close();
      }
    },
    SLOW,
  );

  it(
    'doctor and track list every invalid option by path and exit 2, without echoing the values',
    async () => {
      const file = await config('acme-bad.json', {
        provider: {
          type: './plugins/acme.mjs',
          url: 'not-a-url-secret',
          token: '',
          region: 'mars-secret',
          colour: 1,
        },
        store: { type: 'memory' },
        users: ['ada@acme.example'],
        notifiers: [{ type: 'acme-event-log', file: 42, events: 'all' }],
      });
      const doctor = await cli(['doctor', '--config', file]);
      expect(doctor.code).toBe(2);
      for (const path of [
        'provider.url',
        'provider.token',
        'provider.region',
        'provider.colour',
        'notifiers.0.file',
        'notifiers.0.events',
      ]) {
        expect(doctor.stdout).toContain(`- ${path}: expected`);
      }
      expect(doctor.stdout).toMatch(/provider\.region: expected "eu" or "us", received a string/);
      expect(doctor.stdout).not.toMatch(/secret/);

      const track = await cli(['track', '--once', '--config', file]);
      expect(track.code).toBe(2);
      expect(track.stderr).toContain('- provider.region: expected "eu" or "us", received a string');
      expect(track.stderr).toContain('- notifiers.0.file: expected a string, received a whole number');
      expect(track.stderr + track.stdout).not.toMatch(/secret/);
    },
    SLOW,
  );

  it('is the code the "Write a plugin" guide shows, as written', async () => {
    const guide = await readFile(GUIDE, 'utf8');
    const block = /```js\n(\/\/ plugins\/acme\.mjs[\s\S]*?)```/.exec(guide)?.[1];
    expect(block).toBe(await readFile(join(FIXTURES, 'acme-provider.mjs'), 'utf8'));
  });
});

describe('a notifier plugin installed as a package', () => {
  it(
    'receives the events of a track --once run, named by the configuration',
    async () => {
      const file = await config('notify.json', {
        provider: { type: 'simulated', users: 3, seed: 2 },
        store: { type: 'sqlite', path: 'notify.db' },
        users: 'discover',
        notifiers: [
          { type: 'acme-event-log', file: 'events.jsonl' },
          { type: 'acme-event-log', name: 'starts-only', file: 'starts.jsonl', events: ['run.started'] },
        ],
      });
      const result = await cli(['track', '--once', '--config', file]);
      expect(result.code, result.stderr).toBe(0);
      const lines = async (name: string) =>
        (await readFile(join(dir, name), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { notifier: string; type: string });
      const all = await lines('events.jsonl');
      expect(all[0]).toEqual({ notifier: 'acme-event-log-1', type: 'run.started' });
      // A --once run is left open for the next cron run, so no run.ended yet.
      expect(all.map((l) => l.type)).not.toContain('run.ended');
      expect(await lines('starts.jsonl')).toEqual([{ notifier: 'starts-only', type: 'run.started' }]);
    },
    SLOW,
  );
});

describe('the built-in plugins', () => {
  const probe = async (env: Record<string, string>) => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--conditions=@presence-tracker/source',
      join(FIXTURES, '../load-probe.mjs'),
      pathToFileURL(fileURLToPath(new URL('./config.ts', import.meta.url))).href,
      dir,
      JSON.stringify(env),
    ]);
    return JSON.parse(stdout) as Record<'azure' | 'mattermost' | 'postgres' | 'sqlite', number>;
  };

  it(
    "are loaded only when named: a Mattermost user's command never loads the Azure libraries",
    async () => {
      const mattermost = await probe({ MM_URL: 'https://chat.example.com', MM_TOKEN: 't' });
      expect(mattermost.mattermost).toBeGreaterThan(0);
      expect(mattermost.sqlite).toBeGreaterThan(0);
      expect(mattermost.azure).toBe(0);
      expect(mattermost.postgres).toBe(0);

      const file = await config('graph-probe.json', {
        provider: { type: 'graph', clientId: 'app', loginHint: 'a@example.com' },
        store: { type: 'memory' },
        users: ['a@example.com'],
      });
      const graph = await probe({ PRESENCE_TRACKER_CONFIG: file });
      expect(graph.azure).toBeGreaterThan(0);
      expect(graph.mattermost + graph.sqlite + graph.postgres).toBe(0);
    },
    SLOW,
  );
});
