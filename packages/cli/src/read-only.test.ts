import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from './__fixtures__/invoke.ts';

/*
 * `report` and `timeline` as people run them, against a SQLite file nobody may write: 0444 in a 0555
 * folder, so not even a journal could be made beside it. As root, file modes would not apply, so the
 * command runs without the capabilities that ignore them (it stays root otherwise, and still reaches
 * a repository cloned into a private folder).
 *
 * A file at rest in rollback mode could be read even by a store opened for writing, since the SQLite
 * store writes nothing before its first write; what the commands' `readOnly` changes shows with a file
 * of an older schema (a writing store would migrate it: "attempt to write a readonly database") and
 * with a path that names no file (a writing store would make an empty database there and report on
 * it). Both of those fail when the commands open the store for writing.
 */

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./preload.mjs', import.meta.url));
const SLOW = 180_000;
const DAY = '2026-03-02';

let dir: string;
let folder: string;
let config: string;
/** The same, but the file says it was written by an older version of the package. */
let older: string;
let olderConfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-read-only-'));
  const made = await invoke(
    ['demo', '--out', join(dir, 'demo'), '--users', '3', '--date', DAY, '--time-zone', 'UTC'],
    dir,
  );
  expect(made.code).toBe(0);
  // The demo's database alone in a folder of its own, and a configuration elsewhere naming it.
  folder = join(dir, 'read-only');
  mkdirSync(folder);
  copyFileSync(join(dir, 'demo', 'presence-demo.db'), join(folder, 'presence.db'));
  const demo = JSON.parse(await readFile(join(dir, 'demo', 'presence-tracker.json'), 'utf8'));
  config = join(dir, 'presence-tracker.json');
  await writeFile(
    config,
    JSON.stringify({ ...demo, store: { type: 'sqlite', path: join(folder, 'presence.db') } }),
  );
  older = join(dir, 'older');
  mkdirSync(older);
  copyFileSync(join(folder, 'presence.db'), join(older, 'presence.db'));
  const db = new DatabaseSync(join(older, 'presence.db'));
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
  db.exec(`PRAGMA user_version = ${version - 1}`);
  db.close();
  olderConfig = join(dir, 'older.json');
  await writeFile(
    olderConfig,
    JSON.stringify({ ...demo, store: { type: 'sqlite', path: join(older, 'presence.db') } }),
  );
  for (const f of [folder, older]) {
    chmodSync(join(f, 'presence.db'), 0o444);
    chmodSync(f, 0o555);
  }
}, SLOW);

afterAll(async () => {
  for (const f of [folder, older]) if (f && existsSync(f)) chmodSync(f, 0o755);
  await rm(dir, { recursive: true, force: true });
});

function command(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const node = [process.execPath, '--import', PRELOAD, '--conditions=@presence-tracker/source', BIN, ...args];
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !existsSync('/usr/bin/setpriv')) {
    throw new Error(
      'running as root, this test needs /usr/bin/setpriv (util-linux) to drop file-mode overrides',
    );
  }
  const argv = asRoot
    ? [
        '/usr/bin/setpriv',
        '--bounding-set=-dac_override,-dac_read_search,-fowner',
        '--inh-caps=-all',
        ...node,
      ]
    : node;
  return new Promise((resolve) =>
    execFile(
      argv[0]!,
      argv.slice(1),
      { cwd: dir, encoding: 'utf8', env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('on a SQLite file that cannot be written', () => {
  it(
    'report reads it',
    async () => {
      const result = await command([
        'report',
        '--config',
        config,
        '--from',
        DAY,
        '--to',
        DAY,
        '--format',
        'csv',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^user_id,display_name,day,/);
      // Three people, a day row and a total each.
      expect(lines).toHaveLength(1 + 3 * 2);
      expect(readdirSync(folder)).toEqual(['presence.db']);
    },
    SLOW,
  );

  it(
    'timeline reads it',
    async () => {
      const out = join(dir, 'timeline.svg');
      const result = await command(['timeline', '--config', config, '--from', DAY, '--to', DAY, '-o', out]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(out);
      const svg = await readFile(out, 'utf8');
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(readdirSync(folder)).toEqual(['presence.db']);
    },
    SLOW,
  );

  it(
    'written by an older version, report says to open it once for writing instead of trying to migrate it',
    async () => {
      const result = await command(['report', '--config', olderConfig, '--from', DAY, '--to', DAY]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /older than this package's \d+, and was opened read-only; open it once for writing/,
      );
      expect(result.stderr).not.toMatch(/readonly database/);
      expect(readdirSync(older)).toEqual(['presence.db']);
    },
    SLOW,
  );
});

describe('on a SQLite file that is not there', () => {
  it('report says so and makes no empty database in its place', async () => {
    const missing = join(dir, 'presnce.db');
    const demo = JSON.parse(await readFile(config, 'utf8'));
    const cwd = join(dir, 'typo-config');
    mkdirSync(cwd);
    await writeFile(
      join(cwd, 'presence-tracker.json'),
      JSON.stringify({ ...demo, store: { type: 'sqlite', path: missing } }),
    );
    const result = await invoke(['report', '--from', DAY, '--to', DAY], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read .*presnce\.db read-only: it does not exist or cannot be read/);
    expect(existsSync(missing)).toBe(false);
  });
});
