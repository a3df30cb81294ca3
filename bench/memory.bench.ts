import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchRow } from './lib.ts';

/** An hour of polls: every `INTERVAL` minutes. */
const HOUR_MINUTES = 60;
const SIZES = (process.env.MEMORY_BENCH_USERS ?? '1000,100000,1000000').split(',').map(Number);
const INTERVAL = Number(process.env.MEMORY_BENCH_INTERVAL ?? 5);

interface Checkpoint {
  poll: number;
  ms: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Read from /proc by this process, not by the child. */
  rss: number;
  rssAnon: number;
  rssFile: number;
}

/** `VmRSS`, `RssAnon` and `RssFile` of a process, in bytes, as the kernel counts them. */
function rssOf(pid: number): { rss: number; rssAnon: number; rssFile: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
}

/** Runs a tracker of `users` people in a child process for an hour of polls and reads its memory from outside. */
async function follow(users: number, dir: string): Promise<Checkpoint[]> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@presence-tracker/source',
      join(import.meta.dirname, 'memory-child.ts'),
      String(users),
      String(HOUR_MINUTES / INTERVAL),
      String(INTERVAL),
      join(dir, `memory-${users}.db`),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const points: Checkpoint[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    const own = JSON.parse(line) as Omit<Checkpoint, 'rss' | 'rssAnon' | 'rssFile'>;
    points.push({ ...own, ...rssOf(child.pid!) });
    child.stdin!.write('\n');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`the measured tracker of ${users} people exited with ${code}`);
  return points;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/**
 * Memory per person: one tracker on SQLite following 1,000, 100,000 and 1,000,000 simulated people
 * for an hour of polls on a manual clock, in a child process with `--expose-gc`, its RSS read from
 * /proc after a collection at every poll. Per person is what a size adds over the 1,000-person
 * tracker, divided by the people it adds.
 */
export default async function memory(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  try {
    const runs = new Map<number, Checkpoint[]>();
    for (const users of SIZES) runs.set(users, await follow(users, dir));
    const base = runs.get(SIZES[0]!)!.at(-1)!;
    const rows: BenchRow[] = [];
    for (const users of SIZES) {
      const points = runs.get(users)!;
      const last = points.at(-1)!;
      const first = points[1] ?? last;
      const peak = Math.max(...points.map((p) => p.rss));
      const pollMs = points.slice(1).map((p) => p.ms);
      rows.push({
        name: `tracker on SQLite, ${users.toLocaleString('en-US')} people, RSS after an hour of polls every ${INTERVAL} min`,
        value: last.rss / 2 ** 20,
        unit: 'MB',
        note: `after the first poll ${mb(first.rss)}, highest after a poll ${mb(peak)}; heap used ${mb(last.heapUsed)} of ${mb(last.heapTotal)}, external ${mb(last.external)} (array buffers ${mb(last.arrayBuffers)}), anonymous ${mb(last.rssAnon)}, file-backed ${mb(last.rssFile)}; polls took ${Math.min(...pollMs).toFixed(0)} to ${Math.max(...pollMs).toFixed(0)} ms`,
      });
      if (users === SIZES[0]) continue;
      const added = users - SIZES[0]!;
      rows.push(
        {
          name: `tracker on SQLite, RSS per person, ${users.toLocaleString('en-US')} people`,
          value: (last.rss - base.rss) / added,
          unit: 'bytes',
          note: `beyond the ${SIZES[0]!.toLocaleString('en-US')}-person tracker (${mb(base.rss)})`,
        },
        {
          name: `tracker on SQLite, heap per person, ${users.toLocaleString('en-US')} people`,
          value: (last.heapUsed - base.heapUsed) / added,
          unit: 'bytes',
          note: `live heap after a full collection; the rest of the RSS per person: ${((last.rss - base.rss - (last.heapTotal - base.heapTotal) - (last.external - base.external)) / added).toFixed(0)} bytes outside the JavaScript heap and external memory`,
        },
      );
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
