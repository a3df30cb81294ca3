/**
 * `pnpm bench [name ...]`: runs every benchmark in this folder (or the named ones) and prints one
 * line per figure. Figures are ratios against baselines measured in the same run.
 *
 * Each benchmark runs in a process of its own, so that no benchmark's figures depend on the heap and
 * the compiled code another left behind.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { type Bench, format } from './lib.ts';

const here = import.meta.dirname;
const [flag, one] = process.argv.slice(2);

if (flag === '--one' && one !== undefined) {
  const bench = (await import(`./${one}.bench.ts`)).default as Bench;
  console.log(`# ${one}`);
  for (const row of await bench()) console.log(format(row));
  console.log('');
} else {
  const wanted = process.argv.slice(2);
  const names = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => basename(f, '.bench.ts'))
    .filter((name) => wanted.length === 0 || wanted.includes(name))
    .sort();
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    console.error(`pnpm bench: no benchmark named ${unknown.join(', ')} in bench/`);
    process.exit(2);
  }
  const failed: string[] = [];
  for (const name of names) {
    const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--one', name], {
      stdio: 'inherit',
    });
    if (child.status !== 0) failed.push(name);
  }
  if (failed.length > 0) {
    console.error(`pnpm bench: ${failed.join(', ')} failed`);
    process.exit(1);
  }
}
