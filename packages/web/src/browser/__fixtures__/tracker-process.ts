/**
 * A tracker in a process of its own, writing the store the dashboard reads: the simulated team on a
 * manual clock. It polls once at the instant given as its argument, then once for each line
 * `poll ISO-INSTANT` on its standard input, and prints `polled ISO-INSTANT` after each poll's write.
 * DATABASE is a SQLite file, or `postgres:SCHEMA` for that schema of the server whose connection
 * string is in the environment's `TRACKER_POSTGRES_URL` (kept out of the command line).
 * Run with `node --conditions=@presence-tracker/source`.
 */
import { createInterface } from 'node:readline';
import { createTracker, manualClock } from '@presence-tracker/core';
import { postgresStore } from '@presence-tracker/store-postgres';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { teamedProvider } from './tracked-days.ts';

const [database, start, users, seed, timeZone] = process.argv.slice(2);
if (!database || !start || !users || !seed || !timeZone) {
  throw new Error('usage: tracker-process.ts DATABASE START USERS SEED TIMEZONE');
}
const clock = manualClock(start);
const postgres = /^postgres:(.+)$/.exec(database);
const store = postgres
  ? postgresStore({ connectionString: process.env.TRACKER_POSTGRES_URL!, schema: postgres[1]! })
  : sqliteStore({ path: database });
const tracker = createTracker({
  provider: teamedProvider({ users: Number(users), seed: Number(seed), timeZone, clock }),
  store,
  users: 'discover',
  clock,
  pollInterval: 60_000,
  policy: { mergeGap: 5 * 60_000 },
});
tracker.on('error', (error) => {
  console.error(error);
  process.exitCode = 1;
});

async function poll(at: string) {
  clock.set(at);
  await tracker.runOnce();
  process.stdout.write(`polled ${clock.now().toISOString()}\n`);
}

await poll(start);
for await (const line of createInterface({ input: process.stdin })) {
  const [command, at] = line.split(' ');
  if (command === 'poll' && at) await poll(at);
}
await tracker.stop();
await store.close();
