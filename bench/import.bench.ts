import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BenchRow } from './lib.ts';

const run = promisify(execFile);
const TURNS = Number(process.env.IMPORT_BENCH_TURNS ?? 5);
/** Folder names under packages/, comma-separated; every package by default. */
const ONLY = process.env.IMPORT_BENCH_PACKAGES?.split(',');
const packagesDir = join(import.meta.dirname, '..', 'packages');
const child = join(import.meta.dirname, 'import-child.mjs');

interface Reading {
  cpuMs: number;
  importCpuMs: number;
  rss: number;
  heapTotal: number;
  modules: Record<string, number>;
}

/** A package's root entry, as users load it (`dist`) and as the repository runs it (its sources). */
interface Target {
  name: string;
  build: 'dist' | 'sources';
  url: string;
}

function targets(): { targets: Target[]; unbuilt: string[] } {
  const found: Target[] = [];
  const unbuilt: string[] = [];
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifest = join(packagesDir, dir, 'package.json');
    if (!existsSync(manifest) || (ONLY && !ONLY.includes(dir))) continue;
    const { name, exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string;
      exports: { '.': { '@presence-tracker/source': string; import: { default: string } } };
    };
    const root = exports['.'];
    const dist = join(packagesDir, dir, root.import.default);
    if (existsSync(dist)) found.push({ name, build: 'dist', url: pathToFileURL(dist).href });
    else unbuilt.push(name);
    const source = join(packagesDir, dir, root['@presence-tracker/source']);
    found.push({ name, build: 'sources', url: pathToFileURL(source).href });
  }
  return { targets: found, unbuilt };
}

/** One fresh process: node importing `target` (nothing without one), with the sources' condition when it runs them. */
async function measureOnce(target?: Target, count = false): Promise<Reading> {
  const args = [
    ...(target?.build === 'sources' ? ['--conditions=@presence-tracker/source'] : []),
    child,
    target?.url ?? '',
    ...(count ? ['--count'] : []),
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Reading;
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mb = (bytes: number) => bytes / 2 ** 20;

/**
 * What importing each package costs: the CPU and RSS of a fresh node process that imports the package's
 * root entry, built (what users get) and from its sources (what the repository's command, tests and
 * benchmarks run), against the same process importing nothing. Each process is measured `TURNS` times,
 * all of them in turns (the baseline, then every package), and the medians are reported, so load that
 * drifts during the run weighs on each alike. Build the packages first (`pnpm build`) to measure `dist`.
 */
export default async function importCost(): Promise<BenchRow[]> {
  const { targets: all, unbuilt } = targets();
  if (unbuilt.length > 0) {
    console.warn(
      `import: no dist for ${unbuilt.join(', ')} (run pnpm build first); measuring their sources only`,
    );
  }
  const base: Reading[] = [];
  const readings = new Map<Target, Reading[]>(all.map((t) => [t, []]));
  for (let turn = 0; turn < TURNS; turn++) {
    base.push(await measureOnce());
    for (const target of all) readings.get(target)!.push(await measureOnce(target));
  }
  const baseCpu = median(base.map((r) => r.cpuMs));
  const baseRss = mb(median(base.map((r) => r.rss)));
  const baseline = 'node importing nothing';
  const rows: BenchRow[] = [];
  for (const target of all) {
    const taken = readings.get(target)!;
    const { modules } = await measureOnce(target, true);
    const loaded = Object.values(modules).reduce((a, b) => a + b, 0);
    const most = Object.entries(modules)
      .slice(0, 4)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    const heap = mb(median(taken.map((r) => r.heapTotal)));
    rows.push(
      {
        name: `import ${target.name}, ${target.build}: CPU of the process`,
        value: median(taken.map((r) => r.cpuMs)),
        unit: 'ms',
        baseline: { name: baseline, value: baseCpu },
        note: `the import alone ${median(taken.map((r) => r.importCpuMs)).toFixed(0)} ms; ${loaded} modules loaded (${most})`,
      },
      {
        name: `import ${target.name}, ${target.build}: RSS`,
        value: mb(median(taken.map((r) => r.rss))),
        unit: 'MB',
        baseline: { name: baseline, value: baseRss },
        note: `V8's heap ${heap.toFixed(0)} MB`,
      },
    );
  }
  return rows;
}
