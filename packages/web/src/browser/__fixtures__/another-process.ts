import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./tracker-process.ts', import.meta.url));

/** A tracker in a process of its own writing a store, polled at the instants the test says. */
export interface TrackerInAnotherProcess {
  /** Polls at `at`; resolves when the poll's write is committed. */
  poll(at: Date): Promise<void>;
  /** Stops the tracker (it closes its run) and waits for the process to end. */
  stop(): Promise<void>;
}

/** What the tracker writes: the simulated team, and where (a SQLite file, or `postgres:SCHEMA`). */
export interface TeamAndStore {
  database: string;
  users: number;
  seed: number;
  timeZone: string;
}

/**
 * Starts `tracker-process.ts` on `team`; it polls first at `start`, and this resolves after that
 * poll's write. `env` is added to the process's environment (a Postgres connection string, kept out of
 * the command line).
 */
export async function trackerInAnotherProcess(
  team: TeamAndStore,
  start: Date,
  env: Record<string, string> = {},
): Promise<TrackerInAnotherProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--conditions=@presence-tracker/source',
      SCRIPT,
      team.database,
      start.toISOString(),
      String(team.users),
      String(team.seed),
      team.timeZone,
    ],
    { stdio: 'pipe', env: { ...process.env, ...env } },
  );
  const stderr: string[] = [];
  child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  /** The next `polled` line's instant. */
  const polled = async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`the tracker process ended: ${stderr.join('')}`);
      if (value.startsWith('polled ')) return value.slice('polled '.length);
    }
  };
  const expect = async (at: Date) => {
    const said = await polled();
    if (said !== at.toISOString()) throw new Error(`the tracker polled at ${said}, not ${at.toISOString()}`);
  };
  await expect(start);
  return {
    async poll(at) {
      child.stdin.write(`poll ${at.toISOString()}\n`);
      await expect(at);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}
