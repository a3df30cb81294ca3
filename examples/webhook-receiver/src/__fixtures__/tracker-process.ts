/**
 * A tracker in its own process, for the crash test: `track` polls a simulated hour and then
 * waits to be killed; `resume` starts again on the same SQLite file, polls once and stops.
 * Arguments: mode, database path, webhook URL, secret.
 */
import { createTracker, manualClock, simulatedProvider, webhookNotifier } from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const [mode, path, url, secret] = process.argv.slice(2) as [string, string, string, string];
const MIN = 60_000;
const clock = manualClock(Date.UTC(2026, 2, 2, mode === 'track' ? 9 : 11));
const store = sqliteStore({ path });
const hook = webhookNotifier({
  url,
  secret,
  name: 'receiver',
  retry: { schedule: Array(50).fill(50), jitter: 0 },
});
const tracker = createTracker({
  provider: simulatedProvider({ users: 10, seed: 2, clock }),
  store,
  users: 'discover',
  clock,
  pollInterval: MIN,
  notifiers: [hook],
  stopTimeout: 10_000,
});
tracker.on('error', (e) => console.error(e.message));

if (mode === 'track') {
  for (let m = 0; m < 60; m++) {
    await tracker.runOnce();
    clock.advance(MIN);
  }
  const pending = await store.outboxPending({ notifier: hook.name, limit: 10_000 });
  console.log(`pending ${pending.length}`);
  // Wait to be killed.
  setInterval(() => {}, 60_000);
} else {
  await tracker.runOnce();
  await tracker.stop();
  await store.close();
  console.log('done');
}
