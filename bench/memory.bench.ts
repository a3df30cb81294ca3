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
  spaces: Record<string, { size: number; used: number }>;
  /** Read from /proc by this process, not by the child. */
  rss: number;
  rssAnon: number;
  rssFile: number;
  /** The highest RSS so far (`VmHWM`), including the moments inside a poll. */
  peak: number;
  /** Resident anonymous memory in V8's 256 KB heap pages, whether in use or kept free for reuse. */
  v8Pages: number;
  /** Resident memory of the C heap's main arena (`[heap]`): SQLite's page cache and Node's own allocations among it. */
  brk: number;
}

/** `VmRSS`, `RssAnon`, `RssFile` and `VmHWM` of a process, in bytes, as the kernel counts them. */
function rssOf(pid: number): { rss: number; rssAnon: number; rssFile: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), peak: kb('VmHWM') };
}

/**
 * From /proc/<pid>/smaps: resident anonymous memory in mappings of exactly 256 KB, and the C heap's
 * main arena. V8 maps its heap pages one by one at that size, so the first is the JavaScript heap as
 * the kernel sees it, including the pages V8 freed but keeps for reuse, which `heapTotal` no longer
 * counts; large objects (each in a mapping of its own size) are not among them.
 */
function pagesOf(pid: number): { v8Pages: number; brk: number } {
  let v8Pages = 0;
  let brk = 0;
  let kind: 'page' | 'brk' | null = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const size = Number.parseInt(mapping[2]!, 16) - Number.parseInt(mapping[1]!, 16);
      kind = mapping[3] === '[heap]' ? 'brk' : mapping[3] === '' && size === 256 * 1024 ? 'page' : null;
    } else if (kind !== null && line.startsWith('Anonymous:')) {
      const bytes = Number(line.split(/\s+/)[1]) * 1024;
      if (kind === 'page') v8Pages += bytes;
      else brk += bytes;
    }
  }
  return { v8Pages, brk };
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
    const own = JSON.parse(line) as Omit<
      Checkpoint,
      'rss' | 'rssAnon' | 'rssFile' | 'peak' | 'v8Pages' | 'brk'
    >;
    points.push({ ...own, ...rssOf(child.pid!), ...pagesOf(child.pid!) });
    child.stdin!.write('\n');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`the measured tracker of ${users} people exited with ${code}`);
  return points;
}

/** The checkpoints after polls, and the one after the last-resort collection that follows them. */
function split(points: Checkpoint[]): { polls: Checkpoint[]; reduced: Checkpoint } {
  return { polls: points.filter((p) => p.poll !== -2), reduced: points.find((p) => p.poll === -2)! };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/**
 * Memory per person: one tracker on SQLite following 1,000, 100,000 and 1,000,000 simulated people
 * for an hour of polls on a manual clock, in a child process with `--expose-gc`, its RSS read from
 * /proc after a collection at every poll. Per person is what a size adds over the 1,000-person
 * tracker, divided by the people it adds. `MEMORY_BENCH_USERS` and `MEMORY_BENCH_INTERVAL` change the
 * sizes and the minutes between polls, `MEMORY_BENCH_BATCH` the tracker's `pollBatchSize`.
 */
export default async function memory(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  try {
    const runs = new Map<number, Checkpoint[]>();
    for (const users of SIZES) runs.set(users, await follow(users, dir));
    const base = split(runs.get(SIZES[0]!)!).polls.at(-1)!;
    const baseReduced = split(runs.get(SIZES[0]!)!).reduced;
    const rows: BenchRow[] = [];
    for (const users of SIZES) {
      const { polls: points, reduced } = split(runs.get(users)!);
      const last = points.at(-1)!;
      const first = points[1] ?? last;
      const highest = Math.max(...points.map((p) => p.rss));
      const pollMs = points.slice(1).map((p) => p.ms);
      const space = (name: string) => last.spaces[name] ?? { size: 0, used: 0 };
      const young = space('new_space').size + space('new_large_object_space').size;
      const old = space('old_space');
      const large = space('large_object_space');
      // Large objects (maps and arrays of a million entries) lie in mappings of their own size, not
      // in V8's 256 KB pages; the other spaces are made of those pages.
      const largeObjects = Object.entries(last.spaces)
        .filter(([name]) => name.endsWith('large_object_space'))
        .reduce((sum, [, s]) => sum + s.size, 0);
      const paged = last.heapTotal - largeObjects;
      // V8's pages beyond what it counts as its paged spaces: freed at the last collections and kept
      // for reuse (its page pool), returned only by a collection that reduces memory.
      const kept = Math.max(0, last.v8Pages - paged);
      // Anonymous memory outside V8's heap: external buffers (the state table's typed arrays among
      // them), SQLite's page cache and statements, Node's and V8's own allocations.
      const native = last.rssAnon - Math.max(last.v8Pages, paged) - largeObjects;
      rows.push(
        {
          name: `tracker on SQLite, ${users.toLocaleString('en-US')} people, RSS after an hour of polls every ${INTERVAL} min`,
          value: last.rss / 2 ** 20,
          unit: 'MB',
          note: `after the first poll ${mb(first.rss)}, highest after a poll ${mb(highest)}; polls took ${Math.min(...pollMs).toFixed(0)} to ${Math.max(...pollMs).toFixed(0)} ms`,
        },
        {
          name: `tracker on SQLite, ${users.toLocaleString('en-US')} people, highest RSS at any moment (VmHWM)`,
          value: last.peak / 2 ** 20,
          unit: 'MB',
          note: "inside polls too, where a poll's samples, effects and the write are alive at once",
        },
        {
          name: `tracker on SQLite, ${users.toLocaleString('en-US')} people, RSS after a last-resort collection`,
          value: reduced.rss / 2 ** 20,
          unit: 'MB',
          note: `what the tracker holds: V8 returned its free pages and young generation (heap ${mb(reduced.heapTotal)} with ${mb(reduced.heapUsed)} live, V8's pages ${mb(reduced.v8Pages)}); the rest of the RSS after polls is pages V8 keeps between polls`,
        },
        {
          name: `tracker on SQLite, ${users.toLocaleString('en-US')} people, what the RSS is`,
          value: last.rss / 2 ** 20,
          unit: 'MB',
          note: `file-backed ${mb(last.rssFile)} (the node binary and libraries); anonymous ${mb(last.rssAnon)}: V8's 256 KB heap pages ${mb(last.v8Pages)}, of which its paged spaces ${mb(paged)} (young generation ${mb(young)}, committed whole; old space ${mb(old.size)} with ${mb(old.used)} live; live in all ${mb(last.heapUsed)}) and ${mb(kept)} of pages freed and kept for reuse; V8's large objects ${mb(largeObjects)} (old ${mb(large.size)}), in mappings of their own; outside V8's heap ${mb(native)}: external ${mb(last.external)} (array buffers ${mb(last.arrayBuffers)}), the C heap's main arena ${mb(last.brk)} (SQLite's page cache of at most 32 MB by its cache_size and statements among it), Node's and V8's own`,
        },
      );
      if (users === SIZES[0]) continue;
      const added = users - SIZES[0]!;
      rows.push(
        {
          name: `tracker on SQLite, RSS per person after a last-resort collection, ${users.toLocaleString('en-US')} people`,
          value: (reduced.rss - baseReduced.rss) / added,
          unit: 'bytes',
          note: `beyond the ${SIZES[0]!.toLocaleString('en-US')}-person tracker, likewise collected (${mb(baseReduced.rss)})`,
        },
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
