/**
 * A simulated working day for a small team, tracked minute by minute with a fake clock into a SQLite
 * file, then summarised from what the file kept. Runs in a few seconds, with no account anywhere.
 * It keeps its file in out/demo.sqlite; the report and timeline examples read what `pnpm demo` writes,
 * or this file when given as their first argument.
 *
 *   pnpm --filter @presence-tracker/example-demo start [users] [seed]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTracker, manualClock, simulatedProvider } from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const users = Number(process.argv[2] ?? 12);
const seed = Number(process.argv[3] ?? 42);
const timeZone = 'Europe/Berlin';
const MINUTE = 60_000;

// Monday 2 March 2026, 06:00 in Berlin (UTC+1).
const dayStart = Date.UTC(2026, 2, 2, 5, 0);
const clock = manualClock(dayStart);
const provider = simulatedProvider({ users, seed, clock, timeZone });
const out = resolve(import.meta.dirname, '../out');
const path = resolve(out, 'demo.sqlite');
mkdirSync(out, { recursive: true });
for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
const store = sqliteStore({ path });

const tracker = createTracker({
  provider,
  store,
  users: 'discover',
  clock,
  pollInterval: MINUTE,
  schedule: { timeZone, windows: [{ days: [1, 2, 3, 4, 5], start: '07:00', end: '19:00' }] },
  policy: { mergeGap: 5 * MINUTE },
});
tracker.on('error', (error) => console.error(`tracker error: ${error.message}`));

const started = performance.now();
for (let minute = 0; minute < 14 * 60; minute++) {
  await tracker.runOnce();
  clock.advance(MINUTE);
}
await tracker.stop();
const elapsed = performance.now() - started;

const range = { from: new Date(dayStart), to: clock.now() };
const [people, intervals, sessions] = await Promise.all([
  store.users(),
  store.intervals(range),
  store.sessions(range),
]);
const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`;
const local = (d: Date | undefined) =>
  d ? d.toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }) : '-';

console.log(`Simulated ${people.length} people for one working day in ${Math.round(elapsed)} ms.\n`);
console.log(['person'.padEnd(22), 'first seen', 'last seen', 'available', 'observed', 'sessions'].join('  '));
for (const person of people) {
  const mine = intervals.filter((i) => i.userId === person.id);
  const length = (i: (typeof mine)[number]) => (i.endedAt ?? range.to).getTime() - i.startedAt.getTime();
  const present = sessions.filter((s) => s.userId === person.id);
  const available = mine.filter((i) => i.status === 'available').reduce((sum, i) => sum + length(i), 0);
  const observed = mine.reduce((sum, i) => sum + length(i), 0);
  console.log(
    [
      (person.displayName ?? person.id).padEnd(22),
      local(present[0]?.startedAt).padEnd(10),
      local(present.at(-1)?.endedAt ?? undefined).padEnd(9),
      hours(available).padStart(9),
      hours(observed).padStart(8),
      String(present.length).padStart(8),
    ].join('  '),
  );
}
await store.close();

// Read back from the file alone, as another process would.
const again = sqliteStore({ path });
const kept = await again.intervals(range);
await again.close();
console.log(`\n${kept.length} intervals and ${sessions.length} sessions kept in ${path}`);
