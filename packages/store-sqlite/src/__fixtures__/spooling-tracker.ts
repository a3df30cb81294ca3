/**
 * A tracker whose store has gone away: every write fails, so each poll's write waits in the spool.
 * `node --conditions=@presence-tracker/source spooling-tracker.ts <database> <spool>`
 *
 * It polls three users once per (replayed) minute as fast as it can, forever. After each poll it
 * prints `decided <json>`, the readings that poll applied as `[userId, epoch ms, status]`, so the test
 * knows what the machine decided before it kills the process.
 */
import {
  createTracker,
  manualClock,
  type PresenceSample,
  type PresenceStore,
  StoreError,
} from '@presence-tracker/core';
import { sqliteStore } from '../index.ts';

const [path, spool] = process.argv.slice(2);
const T0 = Date.UTC(2026, 2, 2, 8);
const STATUSES = ['available', 'busy', 'away', 'available', 'offline'] as const;
const clock = manualClock(T0);

const real = sqliteStore({ path: path! });
const store: PresenceStore = {
  ...real,
  async writePoll() {
    throw new StoreError('sqlite', 'the database went away');
  },
};

let minute = 0;
let last: PresenceSample[] = [];
const tracker = createTracker({
  provider: {
    name: 'scripted',
    async resolveUsers(keys) {
      return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
    },
    async getPresence(ids) {
      last = ids.map((userId, i) => ({
        userId,
        status: STATUSES[(minute + i) % STATUSES.length]!,
        observedAt: clock.now(),
      }));
      return last;
    },
  },
  store,
  users: ['ada', 'ben', 'cy'],
  clock,
  pollInterval: 60_000,
  spool: { path: spool! },
});
tracker.on('error', () => {});

for (;;) {
  last = [];
  await tracker.runOnce();
  const decided = last.map((s) => [s.userId, s.observedAt.getTime(), s.status]);
  process.stdout.write(`decided ${JSON.stringify(decided)}\n`);
  minute++;
  clock.advance(60_000);
}
