import type { Coordination, ShardLease, Tracker } from '@presence-tracker/core';

/**
 * Works around a gap in the tracker runtime: shards gained between the run's start and the first
 * poll that resolves the users are not recovered (the runtime recovers gained shards only once users
 * are resolved), so the users' intervals left open by their previous holder make the first writes
 * fail. Until the tracker has announced its users, this hands it only the shards of the first
 * heartbeat; the rest are handed over (and so recovered) at the first heartbeat after that.
 */
export function holdBackUntilResolved(
  coordination: Coordination,
  onHeartbeat: (leases: ShardLease[], now: Date) => void = () => {},
): { coordination: Coordination; attach(tracker: Tracker): void } {
  let resolved = false;
  let first: Set<number> | null = null;
  return {
    coordination: {
      owner: coordination.owner,
      shards: coordination.shards,
      leaseTtl: coordination.leaseTtl,
      release: () => coordination.release(),
      async heartbeat(now) {
        const held = await coordination.heartbeat(now);
        first ??= new Set(held.map((l) => l.shard));
        const handed = resolved ? held : held.filter((l) => first!.has(l.shard));
        onHeartbeat(handed, now);
        return handed;
      },
    },
    attach(tracker) {
      tracker.once('users', () => {
        resolved = true;
      });
    },
  };
}
