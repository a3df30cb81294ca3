import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';
import { packageBuild } from '../tsup.base.ts';

/*
 * Node 20 is still the default on many machines. The packages claim Node 22 (`engines`); on Node 20
 * a program that uses them gets one line naming the version needed, and `pnpm install` says so once.
 * These run the system's Node 20 at /usr/bin/node where there is one; they install and fetch nothing.
 */

const root = join(import.meta.dirname, '..');
const NODE20 = '/usr/bin/node';
const node20 =
  existsSync(NODE20) && /^v20\./.test(execFileSync(NODE20, ['--version'], { encoding: 'utf8' }).trim());
/** The pnpm running this test run (a script or a program), if it was started through pnpm. */
const pnpm =
  process.env.npm_execpath && /pnpm/.test(process.env.npm_execpath) ? process.env.npm_execpath : undefined;

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Runs `command` with Node 20 as `node`: a script by /usr/bin/node itself, a program with it first on the PATH. */
function run(
  command: string[],
  cwd: string,
): Promise<{ code: number | null; signal: string | null; output: string }> {
  const [file, ...args] = /\.[cm]?js$/.test(command[0]!) ? [NODE20, ...command] : command;
  const env = { ...process.env, PATH: `${dirname(NODE20)}:${process.env.PATH ?? ''}` };
  return new Promise((resolve) =>
    execFile(file!, args, { cwd, env, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
        signal: error?.signal ?? null,
        output: stdout + stderr,
      }),
    ),
  );
}

describe('on Node 20', () => {
  it.runIf(node20)(
    'a program that opens a SQLite store gets one line naming Node 22, not a crash (needs Node 20 at /usr/bin/node)',
    async () => {
      // The package built as it is published (its build options, with core bundled in so that core
      // need not be built first), inside the package so that better-sqlite3 resolves as installed.
      const pkg = join(root, 'packages', 'store-sqlite');
      const outDir = mkdtempSync(join(pkg, 'node_modules', '.node20-'));
      scratch.push(outDir);
      await build({
        ...(packageBuild({}, pkg) as object),
        config: false,
        entry: { index: join(pkg, 'src', 'index.ts') },
        format: ['esm'],
        dts: false,
        sourcemap: false,
        clean: false,
        silent: true,
        outDir,
        noExternal: ['@presence-tracker/core'],
        esbuildOptions(options) {
          options.conditions = ['@presence-tracker/source'];
        },
      });
      const program = join(outDir, 'program.mjs');
      writeFileSync(
        program,
        [
          "import { sqliteStore } from './index.js';",
          `const store = sqliteStore({ path: ${JSON.stringify(join(outDir, 'presence.db'))} });`,
          'console.log(await store.users());',
        ].join('\n'),
      );
      const result = await run([program], outDir);
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      const said = result.output.split('\n').filter((line) => /needs Node/.test(line));
      expect(said).toEqual([
        expect.stringMatching(
          /^\[?@presence-tracker\/store-sqlite needs Node 22\.0 or newer; this is Node 20\.\d+\.\d+\.\]?$/,
        ),
      ]);
      expect(existsSync(join(outDir, 'presence.db'))).toBe(false);
    },
    300_000,
  );

  it.runIf(node20 && pnpm !== undefined)(
    'pnpm install says once which Node the repository needs, and stops (needs Node 20 at /usr/bin/node, run through pnpm)',
    async () => {
      // The workspace's manifests and lockfile alone, in a folder of their own.
      const copy = mkdtempSync(join(tmpdir(), 'presence-node20-'));
      scratch.push(copy);
      const files = execFileSync(
        'git',
        ['ls-files', 'package.json', '*/package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml'],
        {
          cwd: root,
          encoding: 'utf8',
        },
      )
        .split('\n')
        .filter(Boolean);
      for (const file of files) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(root, file), join(copy, file));
      }
      const result = await run(
        [pnpm!, 'install', '--offline', '--frozen-lockfile', '--ignore-scripts'],
        copy,
      );
      expect(result.code).toBe(1);
      expect(result.output).toContain('ERR_PNPM_UNSUPPORTED_ENGINE');
      expect(result.output.match(/Unsupported engine/g)).toHaveLength(1);
      expect(result.output).toMatch(/\{"node":">=22\.18"\}/);
      expect(existsSync(join(copy, 'node_modules'))).toBe(false);
    },
    120_000,
  );
});
