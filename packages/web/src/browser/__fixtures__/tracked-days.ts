import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracker, manualClock, type PresenceProvider, simulatedProvider } from '@presence-tracker/core';
import { localDayStart } from '@presence-tracker/core/report';
import { sqliteStore } from '@presence-tracker/store-sqlite';

const MINUTE = 60_000;

/** What the browser tests look at: simulated people tracked into a SQLite file on a manual clock. */
export interface TrackedDays {
  dir: string;
  database: string;
  /** A configuration file for the command, reading `database`. */
  config: string;
  timeZone: string;
  users: number;
  seed: number;
  /** The last day tracked (a Monday), and the Friday before it. */
  day: string;
  previousDay: string;
  /** Where the last run stands: still open, its last poll at `now`. */
  now: Date;
}

export const TEAMS = [
  { kind: 'team', id: 'platform', name: 'Platform' },
  { kind: 'team', id: 'support', name: 'Support' },
] as const;

/**
 * The simulated people, each in a team (the first one in both), since the simulated platform itself
 * has no teams and the Now page groups by them.
 */
export function teamedProvider(options: Parameters<typeof simulatedProvider>[0]): PresenceProvider & {
  statusAt: ReturnType<typeof simulatedProvider>['statusAt'];
} {
  const provider = simulatedProvider(options);
  const withTeams = <T extends { id: string }>(users: T[]) =>
    users.map((user, index) => ({ ...user, groups: index === 0 ? [...TEAMS] : [TEAMS[index % 2]!] }));
  return {
    ...provider,
    statusAt: provider.statusAt,
    async discoverUsers() {
      return withTeams(await provider.discoverUsers!());
    },
    async resolveUsers(keys) {
      const { resolved, unresolved } = await provider.resolveUsers(keys);
      return { resolved: withTeams(resolved), unresolved };
    },
  };
}

/**
 * A Friday tracked from 07:00 to 19:00, and the Monday after in two runs, 06:00 to 10:00 and 10:30
 * until `now` (14:30), the second left open as a running tracker leaves it; one poll a minute.
 */
export async function trackedDays(options: { users?: number; seed?: number } = {}): Promise<TrackedDays> {
  const dir = await mkdtemp(join(tmpdir(), 'presence-web-'));
  const database = join(dir, 'presence.db');
  const config = join(dir, 'presence-tracker.json');
  const timeZone = 'Europe/Berlin';
  const users = options.users ?? 8;
  const seed = options.seed ?? 7;
  const previousDay = '2026-11-27';
  const day = '2026-11-30';
  const at = (date: string, hour: number, minute = 0) =>
    new Date(localDayStart(date, timeZone).getTime() + (hour * 60 + minute) * MINUTE);

  const clock = manualClock(at(previousDay, 7));
  const provider = teamedProvider({ users, seed, timeZone, clock });
  const store = sqliteStore({ path: database });
  try {
    const runs: [Date, Date, boolean][] = [
      [at(previousDay, 7), at(previousDay, 19), true],
      [at(day, 6), at(day, 10), true],
      [at(day, 10, 30), at(day, 14, 30), false],
    ];
    for (const [from, to, stop] of runs) {
      clock.set(from);
      const tracker = createTracker({
        provider,
        store,
        users: 'discover',
        clock,
        pollInterval: MINUTE,
        policy: { mergeGap: 5 * MINUTE },
        continueRun: !stop,
      });
      let failure: Error | undefined;
      tracker.on('error', (error) => {
        failure ??= error;
      });
      for (let t = from.getTime(); t <= to.getTime(); t += MINUTE) {
        clock.set(t);
        await tracker.runOnce();
      }
      if (stop) clock.set(to.getTime() + MINUTE);
      await tracker.stop();
      if (failure) throw failure;
    }
  } finally {
    await store.close();
  }
  await writeFile(
    config,
    `${JSON.stringify(
      {
        provider: { type: 'simulated', users, seed, timeZone },
        store: { type: 'sqlite', path: 'presence.db' },
        users: 'discover',
        report: { days: 7, timeZone },
      },
      null,
      2,
    )}\n`,
  );
  return { dir, database, config, timeZone, users, seed, day, previousDay, now: at(day, 14, 30) };
}

/** A status change of the simulated team: who, at which minute, to what. */
export interface StatusChange {
  at: Date;
  userId: string;
  status: string;
}

/** The first minute after `start` (within four hours) at which someone of `users` changes status. */
export function firstChange(data: TrackedDays, users: readonly { id: string }[], start: Date): StatusChange {
  const sim = simulatedProvider({ users: data.users, seed: data.seed, timeZone: data.timeZone });
  for (let at = start.getTime() + MINUTE; at < start.getTime() + 240 * MINUTE; at += MINUTE) {
    const user = users.find(
      (u) => sim.statusAt(u.id, new Date(at)) !== sim.statusAt(u.id, new Date(at - MINUTE)),
    );
    if (user) return { at: new Date(at), userId: user.id, status: sim.statusAt(user.id, new Date(at)) };
  }
  throw new Error('the simulated team did not change in four hours');
}
