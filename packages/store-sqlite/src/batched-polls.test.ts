import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracker, manualClock, type PollWrite, simulatedProvider } from '@presence-tracker/core';
import { afterAll, expect, test } from 'vitest';
import { sqliteStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MIN = 60_000;
const everything = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };

/** A morning of polls every 5 minutes over `people` simulated people, on a SQLite file of its own. */
async function morning(people: number, pollBatchSize: number | undefined, file: string) {
  const clock = manualClock(Date.UTC(2026, 2, 2, 7));
  const provider = simulatedProvider({ users: people, seed: 5, clock });
  const store = sqliteStore({ path: join(dir, file), keepSamples: true });
  const writes: number[] = [];
  const writePoll = store.writePoll.bind(store);
  store.writePoll = (write: PollWrite) => {
    writes.push(new Set(write.samples.map((s) => s.userId)).size);
    return writePoll(write);
  };
  const tracker = createTracker({
    provider,
    store,
    users: 'discover',
    clock,
    pollInterval: 5 * MIN,
    ...(pollBatchSize !== undefined && { pollBatchSize }),
  });
  const results = [];
  for (let n = 0; n < 36; n++) {
    results.push(await tracker.runOnce());
    clock.advance(5 * MIN);
  }
  await tracker.stop();
  const without = <T extends { id?: unknown }>(rows: T[]) => rows.map(({ id: _, ...rest }) => rest);
  const stored = {
    intervals: await store.intervals(everything),
    sessions: without(await store.sessions(everything)),
    samples: (await store.samples(everything)).length,
  };
  await store.close();
  return { results, writes, stored };
}

test('a poll in batches on a SQLite file stores exactly what one poll of everyone stores', async () => {
  const whole = await morning(300, Number.POSITIVE_INFINITY, 'whole.db');
  const batched = await morning(300, 7, 'batched.db');
  // 300 people in 43 batches of 7 (and a few of 6): each its own write.
  expect(whole.writes.filter((n) => n > 0).every((n) => n === 300)).toBe(true);
  expect(batched.writes.filter((n) => n > 0).every((n) => n === 6 || n === 7)).toBe(true);
  expect(batched.writes.filter((n) => n > 0).length).toBe(36 * 43);
  expect(batched.results.map(({ samples, effects }) => ({ samples, effects }))).toEqual(
    whole.results.map(({ samples, effects }) => ({ samples, effects })),
  );
  expect(batched.stored.samples).toBe(whole.stored.samples);
  expect(batched.stored.intervals.length).toBeGreaterThan(300);
  expect(batched.stored.intervals).toEqual(whole.stored.intervals);
  expect(batched.stored.sessions).toEqual(whole.stored.sessions);
});
