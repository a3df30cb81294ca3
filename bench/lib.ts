import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A benchmark is a file in this folder whose default export returns rows. Speed is reported as a
 * ratio against a baseline measured in the same run, on the same machine, never as an absolute
 * promise.
 */
export interface BenchRow {
  /** What was measured, e.g. `state machine, 10,000 users`. */
  name: string;
  value: number;
  /** e.g. `samples/s`, `ms`, `requests/poll`. */
  unit: string;
  /** The baseline's name and value in the same unit, when the figure is compared with one. */
  baseline?: { name: string; value: number };
  note?: string;
}

export type Bench = () => Promise<BenchRow[]>;

/** Runs `fn` until `minMs` has passed (at least `minRuns` times) and returns the median duration in ms. */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  minMs = 1000,
  minRuns = 5,
): Promise<number> {
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Runs each of `tasks` once per turn, `turns` times, and returns each one's median duration in ms.
 * `before`, if given, runs untimed before each task (e.g. a full collection, so that no task pays for
 * collecting what the one before it left).
 */
export async function inTurns<T extends (() => Promise<unknown>)[]>(
  turns: number,
  tasks: [...T],
  before?: () => void,
): Promise<{ [K in keyof T]: number }> {
  const times = tasks.map((): number[] => []);
  for (let turn = 0; turn < turns; turn++) {
    for (const [i, task] of tasks.entries()) {
      before?.();
      const start = performance.now();
      await task();
      times[i]!.push(performance.now() - start);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!) as { [K in keyof T]: number };
}

export function format(row: BenchRow): string {
  const v = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
  let line = `${row.name}: ${v(row.value)} ${row.unit}`;
  if (row.baseline) {
    const ratio = row.value / row.baseline.value;
    line += `  (baseline ${row.baseline.name}: ${v(row.baseline.value)} ${row.unit}; ratio ${ratio.toFixed(2)})`;
  }
  if (row.note) line += `  [${row.note}]`;
  return line;
}

/**
 * V8's full collection, without starting node with `--expose-gc`: the flag set at run time, the
 * function taken from a new context, where V8 installs it.
 */
export function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
