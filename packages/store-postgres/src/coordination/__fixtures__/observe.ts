import type { Coordination, ShardLease } from '@presence-tracker/core';

/** Hands every heartbeat's leases to `onHeartbeat`, for the process tests' logs and the benchmark. */
export function observeHeartbeats(
  coordination: Coordination,
  onHeartbeat: (leases: ShardLease[], now: Date) => void,
): Coordination {
  return {
    owner: coordination.owner,
    shards: coordination.shards,
    leaseTtl: coordination.leaseTtl,
    release: () => coordination.release(),
    async heartbeat(now) {
      const held = await coordination.heartbeat(now);
      onHeartbeat(held, now);
      return held;
    },
  };
}
