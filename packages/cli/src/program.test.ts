import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  makeUsers,
  startFakeGraph,
  startFakeIdentity,
  trustTestCertificate,
} from '@presence-tracker/provider-graph/testing';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Io, run } from './index.ts';
import { keepStandardOutputForData } from './io.ts';
import { createLogger } from './logger.ts';

/* The command run in-process, through the same `run` that bin.ts calls. */

function capture(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d;
  });
  return Object.assign(stream, { text: () => text });
}

async function invoke(args: string[], cwd: string, env: Record<string, string> = {}, terminal = false) {
  const stdout = capture();
  const stderr = Object.assign(capture(), { isTTY: terminal });
  const io: Io = {
    stdout,
    stderr,
    env: { ...env },
    cwd,
    now: () => new Date('2026-03-04T12:00:00Z'),
    signal: () => new Promise(() => {}),
  };
  const code = await run(args, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let dir: string;
let demo: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-program-'));
  demo = join(dir, 'demo');
  const made = await invoke(
    ['demo', '--out', demo, '--users', '3', '--date', '2026-03-02', '--time-zone', 'Europe/Berlin'],
    dir,
  );
  expect(made.code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  return path;
}

describe('help and usage', () => {
  it.each([
    ['track', ['--config', '--once', '--log-format', '--log-level']],
    ['report', ['--config', '--days', '--from', '--to', '--format', '--out', '--time-zone']],
    ['timeline', ['--config', '--days', '--from', '--to', '--out', '--width', '--platforms']],
    ['demo', ['--out', '--users', '--seed', '--date', '--time-zone']],
    ['doctor', ['--config', '--timeout']],
  ])('%s --help lists its options and exits 0', async (command, options) => {
    const result = await invoke([command, '--help'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: presence-tracker ${command}`);
    for (const option of options) expect(result.stdout).toContain(option);
  });

  it('the top-level help names every command and the exit codes', async () => {
    const result = await invoke(['--help'], dir);
    expect(result.code).toBe(0);
    for (const command of ['track', 'report', 'timeline', 'demo', 'doctor'])
      expect(result.stdout).toMatch(new RegExp(`\\n  ${command} `));
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 runtime failure');
  });

  it('exits 2 on no command, an unknown one, a bad option value, or clashing options', async () => {
    expect((await invoke([], dir)).code).toBe(2);
    const unknown = await invoke(['trak'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'trak'/);
    const days = await invoke(['report', '--days', 'three'], dir);
    expect(days.code).toBe(2);
    expect(days.stderr).toMatch(/--days.*expected a whole number >= 1/);
    const format = await invoke(['report', '--format', 'xml'], dir);
    expect(format.code).toBe(2);
    const both = await invoke(
      ['report', '--config', join(demo, 'presence-tracker.json'), '--days', '2', '--from', '2026-03-01'],
      dir,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --days or --from\/--to/);
  });

  it('bin.ts holds signals first and only then loads the command, which it runs', () => {
    const bin = readFileSync(new URL('./bin.ts', import.meta.url), 'utf8');
    expect(bin).not.toMatch(/^import .*program\.ts/m);
    expect(bin.indexOf('holdSignals();')).toBeGreaterThan(-1);
    expect(bin.indexOf('holdSignals();')).toBeLessThan(bin.indexOf("import('./program.ts')"));
    expect(bin).toContain('run()');
  });

  it("sends a dependency's console.log, info and debug to standard error, keeping standard output for data", () => {
    expect(readFileSync(new URL('./bin.ts', import.meta.url), 'utf8')).toMatch(
      /^keepStandardOutputForData\(\);$/m,
    );
    const written: { stream: string; text: string }[] = [];
    const spy = (stream: 'stdout' | 'stderr') =>
      vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push({ stream, text: String(chunk) });
        return true;
      });
    const spies = [spy('stdout'), spy('stderr')];
    const restore = keepStandardOutputForData();
    try {
      console.log('websocket connecting to ws://127.0.0.1/api/v4/websocket');
      console.info('an info line');
      console.debug('a debug line');
    } finally {
      restore();
      for (const s of spies) s.mockRestore();
    }
    expect(written.map((w) => w.stream)).toEqual(['stderr', 'stderr', 'stderr']);
    expect(written[0]!.text).toContain('websocket connecting');
  });
});

describe('configuration lookup', () => {
  it('says how to configure when nothing is found, and exits 2', async () => {
    const result = await invoke(['track', '--once'], await folder('empty'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no configuration found: pass --config FILE/);
    expect(result.stderr).toMatch(/presence-tracker demo/);
  });

  it('takes the file named by PRESENCE_TRACKER_CONFIG', async () => {
    const cwd = await folder('env-file');
    const result = await invoke(
      ['report', '--from', '2026-03-02', '--to', '2026-03-02', '--format', 'csv'],
      cwd,
      {
        PRESENCE_TRACKER_CONFIG: join(demo, 'presence-tracker.json'),
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Ada Novak');
  });

  it('names the missing environment variable behind a { env } secret', async () => {
    const cwd = await folder('env-secret');
    await writeFile(
      join(cwd, 'presence-tracker.json'),
      JSON.stringify({
        provider: { type: 'mattermost', url: 'https://chat.example.com', token: { env: 'MM_TOKEN' } },
        users: 'discover',
      }),
    );
    const result = await invoke(['track', '--once'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('provider.token: expected the environment variable MM_TOKEN to be set');
  });
});

describe('report and timeline', () => {
  const config = () => join(demo, 'presence-tracker.json');

  it('prints a table by default, one line per person and day, in the configured zone', async () => {
    const result = await invoke(
      ['report', '--config', config(), '--from', '2026-03-02', '--to', '2026-03-02'],
      dir,
    );
    expect(result.code).toBe(0);
    for (const name of ['Ada Novak', 'Ben Okafor', 'Chloe Petrov']) expect(result.stdout).toContain(name);
    expect(result.stdout).toContain('2026-03-02');
    expect(result.stdout).toContain('times in Europe/Berlin');
    // The window ran 07:00 to 19:00 local time: twelve observed hours each.
    expect(result.stdout.match(/12:00/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('writes CSV and JSON to --out, and --days counts back from today', async () => {
    const csv = join(dir, 'r.csv');
    const first = await invoke(
      ['report', '--config', config(), '--days', '3', '--format', 'csv', '--out', csv],
      dir,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    const lines = (await readFile(csv, 'utf8')).trim().split('\n');
    // 2 to 4 March (today, by the fixed clock): three days and a total for each of three people.
    expect(lines).toHaveLength(1 + 3 * 4);
    const json = await invoke(
      [
        'report',
        '--config',
        config(),
        '--from',
        '2026-03-02T06:00:00Z',
        '--to',
        '2026-03-02T18:00:00Z',
        '--format',
        'json',
      ],
      dir,
    );
    const report = JSON.parse(json.stdout) as { totals: { observedMs: number }[]; timeZone: string };
    expect(report.timeZone).toBe('Europe/Berlin');
    expect(report.totals.map((t) => t.observedMs)).toEqual([12 * 3_600_000, 12 * 3_600_000, 12 * 3_600_000]);
  });

  it("counts as available the configuration's policy.availableStatuses, in a short range and a long one", async () => {
    const busyToo = join(demo, 'busy-available.json');
    const plain = JSON.parse(await readFile(config(), 'utf8')) as Record<string, unknown>;
    await writeFile(
      busyToo,
      JSON.stringify({ ...plain, policy: { availableStatuses: ['available', 'busy'] } }),
    );
    type Totals = { totals: { availableMs: number; statusMs: Record<string, number> }[] };
    for (const [from, terminal] of [
      ['2026-03-02', false],
      ['2026-01-01', true],
    ] as const) {
      const args = (file: string) => [
        'report',
        '--config',
        file,
        '--from',
        from,
        '--to',
        '2026-03-04',
        '--format',
        'json',
      ];
      const before = JSON.parse((await invoke(args(config()), dir)).stdout) as Totals;
      const after = JSON.parse((await invoke(args(busyToo), dir, {}, terminal)).stdout) as Totals;
      expect(before.totals.some((t) => t.statusMs.busy! > 0)).toBe(true);
      expect(after.totals.map((t) => t.availableMs)).toEqual(
        before.totals.map((t) => t.statusMs.available! + t.statusMs.busy!),
      );
    }
  });

  it('shows a progress bar on a terminal for a long range, and none otherwise', async () => {
    const args = [
      'report',
      '--config',
      config(),
      '--from',
      '2026-01-01',
      '--to',
      '2026-03-04',
      '--format',
      'csv',
    ];
    const terminal = await invoke(args, dir, {}, true);
    expect(terminal.code).toBe(0);
    expect(terminal.stderr).toMatch(/report \|.*\| 3\/3 people/);
    const piped = await invoke(args, dir);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(terminal.stdout);
  });

  it('draws an SVG or a PNG, and refuses another extension', async () => {
    const svg = join(dir, 't.svg');
    const result = await invoke(
      ['timeline', '--config', config(), '--from', '2026-03-02', '--to', '2026-03-02', '--out', svg],
      dir,
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(svg);
    expect(await readFile(svg, 'utf8')).toContain('Chloe Petrov');

    const png = join(dir, 't.png');
    expect((await invoke(['timeline', '--config', config(), '--days', '3', '--out', png], dir)).code).toBe(0);
    expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG');

    const gif = await invoke(['timeline', '--config', config(), '--out', join(dir, 't.gif')], dir);
    expect(gif.code).toBe(2);
    expect(gif.stderr).toMatch(/--out: expected a file name ending in .svg or .png/);
    expect(existsSync(join(dir, 't.gif'))).toBe(false);
  });
});

describe('doctor', () => {
  it('reports each check as passed for a working configuration', async () => {
    const result = await invoke(['doctor', '--config', join(demo, 'presence-tracker.json')], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✔ configuration/);
    expect(result.stdout).toMatch(/✔ store .*reachable/);
    expect(result.stdout).toMatch(/✔ provider .*3 people visible/);
    expect(result.stdout).toMatch(/All good/);
  });

  it('says in plain words that the database is unreachable and the password was refused', async () => {
    const cwd = await folder('doctor-bad');
    const closed = await freePort();
    const server = await startFakeServer(makeData({ users: 2, channels: 1, teams: 1 }));
    try {
      await writeFile(
        join(cwd, 'presence-tracker.json'),
        JSON.stringify({
          provider: {
            type: 'mattermost',
            url: server.url,
            loginId: 'tracker',
            password: { env: 'MM_PASSWORD' },
          },
          store: {
            type: 'postgres',
            host: '127.0.0.1',
            port: closed,
            user: 'tracker',
            password: 'pg-secret',
            database: 'presence',
          },
          users: ['user0'],
        }),
      );
      const result = await invoke(['doctor', '--timeout', '20'], cwd, { MM_PASSWORD: 'wrong-password' });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /✘ store .*ECONNREFUSED.*\n {2}hint: nothing answers at 127\.0\.0\.1:\d+: is the server running/,
      );
      expect(result.stdout).toMatch(
        /✘ provider .*refused the login.*\n {2}hint: the platform refused the credentials/,
      );
      expect(result.stdout).toMatch(/Something needs fixing/);
      expect(result.stdout).not.toContain('wrong-password');
      expect(result.stdout).not.toContain('pg-secret');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('tells a wrong client secret and missing consent for Microsoft Graph apart', async () => {
    trustTestCertificate();
    const clientId = '0f0f0f0f-1111-4222-8333-444444444444';
    const graph = await startFakeGraph({ users: makeUsers(2) });
    const identity = await startFakeIdentity({ clientId, clientSecret: 'right-secret' });
    try {
      const cwd = await folder('doctor-graph');
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
            retry: { attempts: 1 },
          },
          store: { type: 'memory' },
          users: ['person00001@contoso.com', 'person00002@contoso.com'],
        }),
      );
      const wrong = await invoke(['doctor'], cwd, { GRAPH_CLIENT_SECRET: 'wrong-secret' });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(/✔ store +memory/);
      expect(wrong.stdout).toMatch(/hint: the client secret is wrong or expired/);
      expect(wrong.stdout).not.toContain('wrong-secret');

      graph.script('getPresencesByUserId', {
        status: 403,
        body: { error: { code: 'Forbidden', message: 'Insufficient privileges to complete the operation.' } },
      });
      const forbidden = await invoke(['doctor'], cwd, { GRAPH_CLIENT_SECRET: 'right-secret' });
      expect(forbidden.code).toBe(1);
      expect(forbidden.stdout).toMatch(/✔ provider +graph: signed in, 2 of 2 people found/);
      expect(forbidden.stdout).toMatch(/✘ presence +graph: .*403.*admin consent/);
    } finally {
      await graph.close();
      await identity.close();
    }
  }, 60_000);

  it('lists configuration problems and exits 2', async () => {
    const cwd = await folder('doctor-config');
    await writeFile(
      join(cwd, 'presence-tracker.json'),
      JSON.stringify({ provider: { type: 'teams' }, users: [] }),
    );
    const result = await invoke(['doctor'], cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /✘ configuration .*provider\.type: expected a provider: one of "simulated", "combine", "graph", "mattermost", "slack", "zoom", "google-calendar", or a module path/s,
    );
  });
});

describe('logs', () => {
  it('are JSON lines when asked, and short readable lines on a terminal', () => {
    const json = capture();
    const jsonLogger = createLogger(ioWith(json, false), 'json');
    jsonLogger.info({ users: 3 }, 'users resolved');
    const line = JSON.parse(json.text()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, users: 3, msg: 'users resolved' });

    const tty = capture();
    createLogger(ioWith(tty, true), undefined, 'debug').warn(
      { key: 'ada@example.com', reason: 'not found' },
      'user not found',
    );
    expect(tty.text()).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}user not found key=ada@example.com reason="not found"\n$/,
    );

    const quiet = capture();
    createLogger(ioWith(quiet, true), 'pretty', 'warn').info({}, 'hidden');
    expect(quiet.text()).toBe('');
  });
});

function ioWith(stderr: PassThrough, isTTY: boolean): Io {
  return {
    stdout: capture(),
    stderr: Object.assign(stderr, { isTTY }),
    env: {},
    cwd: dir,
    now: () => new Date(),
    signal: () => new Promise(() => {}),
  };
}

/** A port nothing listens on: bound, noted, released. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
