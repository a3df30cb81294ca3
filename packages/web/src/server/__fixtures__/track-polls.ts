// A tracker in another process than the dashboard, writing the store it reads: a simulated
// team polled once a minute on a manual clock, each poll taking a scripted time, one poll in four
// failing at the provider. Prints what the tracker itself saw, as JSON, for the test to compare.
// Usage: node --conditions=@presence-tracker/source track-polls.ts STORE ISO-INSTANT POLLS, where STORE
// is a SQLite file, or postgres:SCHEMA on the server TRACKER_POSTGRES_URL names.
import {
  createTracker,
  manualClock,
  type PresenceProvider,
  ProviderError,
  simulatedProvider,
} from '@presence-tracker/core';
import { postgresStore } from '@presence-tracker/store-postgres';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const [target, instant, count] = process.argv.slice(2);
const clock = manualClock(instant!);
const team = simulatedProvider({ users: 5, seed: 3, clock });
let call = 0;
const provider: PresenceProvider = {
  ...team,
  name: 'scripted',
  async getPresence(ids) {
    call++;
    clock.advance(call * 70); // 0.07 s, 0.14 s, ...: polls fall in several buckets
    if (call % 4 === 0) throw new ProviderError('scripted', 'HTTP 503 from the platform', { status: 503 });
    return team.getPresence(ids);
  },
};
const store = target!.startsWith('postgres:')
  ? postgresStore({
      connectionString: process.env.TRACKER_POSTGRES_URL!,
      schema: target!.slice('postgres:'.length),
    })
  : sqliteStore({ path: target! });
const tracker = createTracker({ provider, store, users: 'discover', clock, pollInterval: 60_000 });
const seen = {
  polls: {} as Record<string, number>,
  samples: 0,
  errors: 0,
  providerErrors: 0,
  seconds: [] as number[],
};
tracker.on('poll', (r) => {
  const outcome = r.skipped ?? 'ok';
  seen.polls[outcome] = (seen.polls[outcome] ?? 0) + 1;
  seen.samples += r.samples;
  seen.seconds.push((clock.now().getTime() - r.at.getTime()) / 1000);
});
tracker.on('error', (e) => {
  seen.errors++;
  if (ProviderError.isInstance(e)) seen.providerErrors++;
});
for (let i = 0; i < Number(count); i++) {
  await tracker.runOnce();
  clock.advance(60_000);
}
await tracker.stop();
await store.close();
process.stdout.write(`${JSON.stringify(seen)}\n`);
