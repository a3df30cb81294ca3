import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, invoke } from '../__fixtures__/invoke.ts';
import { run } from '../index.ts';
import { commandName } from './demo.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo', () => {
  it('in the repository, prints commands that work there, and they do', async () => {
    // What pnpm sets when `pnpm demo` runs the root package's script.
    const env = { npm_package_name: 'presence-tracker-monorepo', npm_config_user_agent: 'pnpm/12.21.0' };
    const made = await invoke(
      ['demo', '--users', '2', '--date', '2026-03-02', '--time-zone', 'UTC'],
      dir,
      env,
    );
    expect(made.code).toBe(0);
    // The file the report and timeline examples read by default.
    expect(existsSync(join(dir, 'presence-tracker-demo', 'presence-demo.db'))).toBe(true);
    const lines = made.stdout.split('\n').filter((l) => l.startsWith('  pnpm presence-tracker '));
    expect(lines).toEqual([
      '  pnpm presence-tracker report --config presence-tracker-demo/presence-tracker.json --from 2026-03-02 --to 2026-03-02',
      '  pnpm presence-tracker timeline --config presence-tracker-demo/presence-tracker.json --from 2026-03-02 --to 2026-03-02 --out day.svg',
      '  pnpm presence-tracker serve --config presence-tracker-demo/presence-tracker.json',
    ]);
    // The last one serves until stopped: it opens the demo's people, then is stopped.
    const serveArgs = lines.pop()!.trim().split(' ').slice(2);
    let stop = (_: NodeJS.Signals) => {};
    const stdout = capture();
    const served = run([...serveArgs, '--port', '0'], {
      stdout,
      stderr: Object.assign(capture(), { isTTY: false }),
      env: { ...env },
      cwd: dir,
      now: () => new Date('2026-03-04T12:00:00Z'),
      signal: () => new Promise((resolve) => (stop = resolve)),
    });
    const url = await new Promise<string>((resolve) =>
      stdout.on('data', () => {
        const m = /listening on (\S+)/.exec(stdout.text());
        if (m) resolve(m[1]!);
      }),
    );
    const people = (await (await fetch(`${url}/api/v1/people`)).json()) as { people: unknown[] };
    expect(people.people).toHaveLength(2);
    stop('SIGTERM');
    expect(await served).toBe(0);
    for (const line of lines) {
      const args = line.trim().split(' ').slice(2);
      const again = await invoke(args, dir, env);
      expect(again.code).toBe(0);
    }
    expect(existsSync(join(dir, 'day.svg'))).toBe(true);
  }, 120_000);

  it('installed, names the command itself', () => {
    expect(commandName({})).toBe('presence-tracker');
    expect(commandName({ npm_package_name: 'some-app' })).toBe('presence-tracker');
  });
});
