/**
 * A tracker process for the fault tests, polled in lockstep by the parent over IPC so that a
 * reference tracker in the parent sees the same polls. Its first message is its configuration (so it
 * can load while the server starts, or stand by to replace a killed tracker); then
 * `{ type: 'poll', at }` sets the clock and polls once, answered by `{ type: 'polled', at, errors }`
 * (the errors the poll raised, e.g. a write held while the server is away), and `{ type: 'stop' }`
 * stops the tracker and closes the store. Held writes go to the spool file, so a SIGKILL between
 * polls loses none of them.
 */
import { once } from 'node:events';
import { createTracker, manualClock, simulatedProvider } from '@presence-tracker/core';
import { postgresStore } from '../../postgres-store.ts';

export interface TrackerProcessConfig {
  connectionString: string;
  schema: string;
  spool: string;
  users: number;
  seed: number;
  pollInterval: number;
  mergeGap: number;
  startAt: number;
}

export type ToTracker = { type: 'poll'; at: number } | { type: 'stop' };
export type FromTracker =
  | { type: 'polled'; at: number; errors: string[] }
  | { type: 'stopped'; errors: string[] };

const [config] = (await once(process, 'message')) as [TrackerProcessConfig];
const clock = manualClock(config.startAt);
const store = postgresStore({
  connectionString: config.connectionString,
  schema: config.schema,
  // Gives up within about a second, so a poll during an outage is held rather than waiting it out.
  retry: { attempts: 5, baseDelay: 50, maxDelay: 400 },
});
const tracker = createTracker({
  provider: simulatedProvider({ users: config.users, seed: config.seed, clock }),
  store,
  users: 'discover',
  clock,
  pollInterval: config.pollInterval,
  policy: { mergeGap: config.mergeGap },
  spool: { path: config.spool },
});
let errors: string[] = [];
tracker.on('error', (error: Error) => errors.push(error.message));

const answer = (message: FromTracker) => {
  process.send!(message);
  errors = [];
};

process.on('message', async (message: ToTracker) => {
  switch (message.type) {
    case 'poll':
      clock.set(message.at);
      await tracker.runOnce();
      answer({ type: 'polled', at: message.at, errors });
      break;
    case 'stop':
      await tracker.stop();
      await store.close();
      answer({ type: 'stopped', errors });
      process.disconnect();
      break;
    default: {
      const never: never = message;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
