// Another process writing the SQLite file a dashboard reads: one run, and for each person named on
// the command line an interval and a session opened at the given instant.
// Usage: node --conditions=@presence-tracker/source write-presence.ts FILE ISO-INSTANT USER...
import { sqliteStore } from '@presence-tracker/store-sqlite';

const [path, instant, ...userIds] = process.argv.slice(2);
const at = new Date(instant!);
const store = sqliteStore({ path: path! });
await store.upsertUsers(userIds.map((id) => ({ id, key: `${id}@example.com`, severity: 0 as const })));
const run = await store.startRun(at);
await store.writePoll({
  runId: run.id,
  at,
  samples: [],
  effects: userIds.flatMap((userId) => [
    { type: 'interval.open' as const, userId, status: 'busy' as const, startedAt: at },
    { type: 'session.open' as const, userId, startedAt: at },
  ]),
});
await store.close();
process.stdout.write(`${run.id}\n`);
