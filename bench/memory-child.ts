/**
 * The tracker `pnpm bench memory` measures from outside: `users` simulated people on a SQLite file,
 * polled every `interval` minutes of a manual clock for `polls` polls. After the start and after
 * each poll it collects garbage, prints its own view of its memory as one JSON line, and waits for a
 * line on stdin, so the parent reads the process's RSS while it stands still.
 */
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import { createTracker, manualClock, simulatedProvider } from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const [users, polls, interval, path] = process.argv.slice(2);
const MIN = 60_000;
const gc = (globalThis as { gc?: (options?: object) => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function checkpoint(poll: number, ms: number): Promise<void> {
  gc!();
  const m = process.memoryUsage();
  const line = { poll, ms, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
  // The young generation (new space) is committed whole, used or not; old space holds what lives.
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
  );
  process.stdout.write(`${JSON.stringify({ ...line, arrayBuffers: m.arrayBuffers, spaces })}\n`);
  await lines.next();
}

// A Monday, 09:00 UTC: the simulated people are at work.
const clock = manualClock(Date.UTC(2026, 2, 2, 9));
const provider = simulatedProvider({ users: Number(users), seed: 7, clock });
const store = sqliteStore({ path: path!, keepSamples: true });
const tracker = createTracker({
  provider,
  store,
  users: 'discover',
  clock,
  pollInterval: Number(interval) * MIN,
  // MEMORY_BENCH_BATCH: how many people a poll reads and writes at once; the tracker's default when unset.
  ...(process.env.MEMORY_BENCH_BATCH ? { pollBatchSize: Number(process.env.MEMORY_BENCH_BATCH) } : {}),
});
await checkpoint(-1, 0);
for (let p = 0; p < Number(polls); p++) {
  const t = performance.now();
  await tracker.runOnce();
  const ms = performance.now() - t;
  clock.advance(Number(interval) * MIN);
  await checkpoint(p, ms);
}
// A last-resort collection returns V8's free pages and its young generation to the system: what is
// left is what the tracker holds, apart from what V8 keeps around between polls. Numbered -2.
gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
await checkpoint(-2, 0);
await tracker.stop();
await store.close();
process.exit(0);
