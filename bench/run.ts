/**
 * `pnpm bench [name ...]`: runs every benchmark in this folder (or the named ones) and prints one
 * line per figure. Figures are ratios against baselines measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { type Bench, format } from './lib.ts';

const here = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')))
  .sort();

for (const file of files) {
  const bench = (await import(`./${file}`)).default as Bench;
  console.log(`# ${basename(file, '.bench.ts')}`);
  for (const row of await bench()) console.log(format(row));
  console.log('');
}
