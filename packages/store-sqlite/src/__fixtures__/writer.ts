/**
 * A tracker-like writer in its own process, for the crash, reader and lock tests.
 * `node --conditions=@presence-tracker/source writer.ts <path> <users> <batches|forever> [hold|<pause ms>]`
 *
 * Batch n writes, in one writePoll, a sample for every user at minute n, closes every user's interval
 * and opens the next one, and queues one outbox message `batch-n`. After each commit it prints
 * `committed n`, then waits `pause` ms. With `hold`, it takes the writer role, prints `holding <pid>`
 * and waits.
 */
import type { Effect, PresenceSample } from '@presence-tracker/core';
import { sqliteStore } from '../index.ts';

const [path, usersArg, batchesArg, mode] = process.argv.slice(2);
const users = Array.from({ length: Number(usersArg) }, (_, i) => `user-${String(i).padStart(5, '0')}`);
const batches = batchesArg === 'forever' ? Number.POSITIVE_INFINITY : Number(batchesArg);
const T0 = Date.UTC(2026, 2, 2, 8);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const STATUSES = ['available', 'busy', 'away', 'dnd'] as const;
const pause = mode === undefined || mode === 'hold' ? 0 : Number(mode);

const store = sqliteStore({ path: path!, busyTimeout: 10_000 });
const run = await store.startRun(at(0));

if (mode === 'hold') {
  process.stdout.write(`holding ${process.pid}\n`);
  setInterval(() => {}, 1000);
} else {
  const first: Effect[] = users.flatMap((userId): Effect[] => [
    { type: 'interval.open', userId, status: 'available', startedAt: at(0) },
    { type: 'session.open', userId, startedAt: at(0) },
  ]);
  await store.writePoll({ runId: run.id, at: at(0), samples: [], effects: first });
  for (let n = 1; n <= batches; n++) {
    const samples: PresenceSample[] = users.map((userId, i) => ({
      userId,
      status: STATUSES[(i + n) % STATUSES.length]!,
      observedAt: at(n),
      raw: { batch: n, padding: 'x'.repeat(64) },
      source: 'poll',
    }));
    const effects: Effect[] = users.flatMap((userId, i): Effect[] => [
      { type: 'interval.close', userId, endedAt: at(n) },
      {
        type: 'interval.open',
        userId,
        status: STATUSES[(i + n) % STATUSES.length]!,
        startedAt: at(n),
        raw: { batch: n },
      },
      { type: 'seen', userId, at: at(n), present: true },
    ]);
    await store.writePoll({
      runId: run.id,
      at: at(n),
      samples,
      effects,
      outbox: [
        {
          notifier: 'hook',
          event: { id: `batch-${n}`, type: 'session.started', timestamp: at(n), data: { n } },
        },
      ],
    });
    process.stdout.write(`committed ${n}\n`);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  await store.close();
  process.stdout.write('done\n');
}
