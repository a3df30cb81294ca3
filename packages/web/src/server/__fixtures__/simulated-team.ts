import {
  createTracker,
  manualClock,
  type PresenceStore,
  simulatedProvider,
  type Tracker,
} from '@presence-tracker/core';

const MINUTE = 60_000;

/**
 * A simulated team tracked one poll a minute on a manual clock into `store`, from `from` for
 * `minutes`; the tracker is left running (its people's intervals and sessions open) for the test to
 * go on with or stop.
 */
export async function trackTeam(
  store: PresenceStore,
  options: { users: number; from: string; minutes: number; seed?: number },
): Promise<{ tracker: Tracker; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock(options.from);
  const tracker = createTracker({
    provider: simulatedProvider({ users: options.users, seed: options.seed ?? 7, clock }),
    store,
    users: 'discover',
    clock,
    pollInterval: MINUTE,
    policy: { mergeGap: 5 * MINUTE },
  });
  let failure: Error | undefined;
  tracker.on('error', (error) => {
    failure ??= error;
  });
  for (let i = 0; i < options.minutes; i++) {
    await tracker.runOnce();
    clock.advance(MINUTE);
  }
  if (failure) throw failure;
  return { tracker, clock };
}
