import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, invoke } from './__fixtures__/invoke.ts';

/*
 * The exit-code table of the README, row by row: 0 done, 1 a runtime failure, 2 bad usage or
 * configuration. (130, a second signal while stopping, needs a real process: see cli.test.ts.)
 */

let dir: string;
let demoConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-exit-'));
  const made = await invoke(
    ['demo', '--out', join(dir, 'demo'), '--users', '2', '--date', '2026-03-02', '--time-zone', 'UTC'],
    dir,
  );
  expect(made.code).toBe(0);
  demoConfig = join(dir, 'demo', 'presence-tracker.json');
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configIn(name: string, config: unknown): Promise<string> {
  const cwd = join(dir, name);
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'presence-tracker.json'), JSON.stringify(config));
  return cwd;
}

function mattermost(url: string, users: string[] | 'discover') {
  return {
    provider: { type: 'mattermost', url, loginId: 'tracker', password: { env: 'MM_PASSWORD' } },
    store: { type: 'sqlite', path: 'tracker.db' },
    users,
  };
}

describe('exit code 0: done', () => {
  it('for help, a report, and a --once poll that read presence', async () => {
    expect((await invoke(['--help'], dir)).code).toBe(0);
    expect((await invoke(['report', '--config', demoConfig, '--from', '2026-03-02'], dir)).code).toBe(0);

    const server = await startFakeServer(makeData({ users: 3, channels: 1, teams: 1 }));
    try {
      const cwd = await configIn('once-ok', mattermost(server.url, ['user0', 'user1', 'nobody']));
      const result = await invoke(['track', '--once', '--log-format', 'json'], cwd, {
        MM_PASSWORD: 'secret-pw',
      });
      // One unknown user among found ones is a warning, not a failure.
      expect(result.stderr).toMatch(/"msg":"user not found"/);
      expect(result.code).toBe(0);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('exit code 1: track --once could not read presence at all, and says why', () => {
  it('when the provider refuses the credentials', async () => {
    const server = await startFakeServer(makeData({ users: 2, channels: 1, teams: 1 }));
    try {
      const cwd = await configIn('refused', mattermost(server.url, ['user0']));
      const result = await invoke(['track', '--once', '--log-format', 'json'], cwd, { MM_PASSWORD: 'wrong' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /"msg":"could not read presence: the users could not be looked up: .*hint: the platform refused the credentials/,
      );
      expect(result.stderr).not.toContain('"wrong"');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('when the server does not answer', async () => {
    const cwd = await configIn('unreachable', mattermost(`http://127.0.0.1:${await freePort()}`, 'discover'));
    const result = await invoke(['track', '--once', '--log-format', 'json'], cwd, { MM_PASSWORD: 'pw' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/"msg":"could not read presence: .*nothing answers at 127\.0\.0\.1:\d+/);
  }, 60_000);

  it('when none of the configured users exists', async () => {
    const server = await startFakeServer(makeData({ users: 2, channels: 1, teams: 1 }));
    try {
      const cwd = await configIn('unknown', mattermost(server.url, ['nobody', 'no-one@example.com']));
      const result = await invoke(['track', '--once', '--log-format', 'json'], cwd, {
        MM_PASSWORD: 'secret-pw',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/"msg":"could not read presence: none of the configured users was found/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('when a doctor check fails', async () => {
    const cwd = await configIn('doctor-down', mattermost(`http://127.0.0.1:${await freePort()}`, 'discover'));
    const result = await invoke(['doctor', '--timeout', '20'], cwd, { MM_PASSWORD: 'pw' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✘ provider/);
  }, 60_000);
});

describe('exit code 2: bad usage or configuration, naming what is wrong', () => {
  it.each([
    [['report', '--nope'], /unknown option '--nope'/],
    [
      ['report', '--time-zone', 'Mars/Olympus'],
      /option '--time-zone <zone>' argument 'Mars\/Olympus' is invalid\. expected an IANA time zone/,
    ],
    [['timeline', '--time-zone', 'Mars/Olympus'], /'--time-zone <zone>' argument 'Mars\/Olympus' is invalid/],
    [['demo', '--time-zone', 'Mars/Olympus'], /'--time-zone <zone>' argument 'Mars\/Olympus' is invalid/],
    [['report', '--from', '2026-02-30'], /--from: expected a date YYYY-MM-DD .*received "2026-02-30"/],
    [['report', '--from', '2026-01-01', '--to', '2026-13-01'], /--to: expected a date YYYY-MM-DD/],
    [['report', '--from', 'Nov 30 2026'], /--from: expected a date YYYY-MM-DD/],
    [['demo', '--date', '2026-02-30', '--out', 'never'], /--date: expected a date YYYY-MM-DD/],
    [
      ['timeline', '--width', '25000'],
      /'--width <px>' argument '25000' is invalid\. expected a whole number from 300 to 20000/,
    ],
    [['timeline', '--width', '250'], /expected a whole number from 300 to 20000/],
  ])('%j', async (args, message) => {
    const withConfig = ['report', 'timeline'].includes(args[0]!) ? [...args, '--config', demoConfig] : args;
    const result = await invoke(withConfig, dir);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it('the --width help says the range the check takes', async () => {
    expect((await invoke(['timeline', '--help'], dir)).stdout).toMatch(
      /--width <px> +picture width in pixels, 300 to 20000/,
    );
  });

  it('with no configuration at all', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const result = await invoke(['report'], empty);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no configuration found/);
  });
});

describe('files the command writes', () => {
  it('makes the folders of report --out, as it does for a timeline and a SQLite file', async () => {
    const cwd = join(dir, 'out-folders');
    await mkdir(cwd, { recursive: true });
    const result = await invoke(
      [
        'report',
        '--config',
        demoConfig,
        '--from',
        '2026-03-02',
        '--format',
        'csv',
        '-o',
        'missing/dir/x.csv',
      ],
      cwd,
    );
    expect(result.stderr).toBe(`report written to ${join(cwd, 'missing/dir/x.csv')}\n`);
    expect(result.code).toBe(0);
    expect(await readFile(join(cwd, 'missing/dir/x.csv'), 'utf8')).toMatch(/^user_id,/);
  });
});
