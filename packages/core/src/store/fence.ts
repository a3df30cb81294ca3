import { type LeaseRecord, shardOf } from '../coordination/index.ts';
import { StoreError } from '../errors.ts';
import type { PollWrite } from './store.ts';

/**
 * The one fencing rule every store applies: a write carrying `fence` is refused whole, with a
 * `StoreError` coded `STORE_FENCED`, unless its writer still holds every lease it names (same
 * owner, same generation, live at the write's `at`) and every user it touches hashes to one of those shards.
 * `leases` holds the store's records of the named shards; `shards` is how many the group has
 * (`undefined` when the store knows none).
 */
export function checkFence(
  store: string,
  write: PollWrite,
  leases: ReadonlyMap<number, LeaseRecord>,
  shards: number | undefined,
): void {
  const fence = write.fence;
  if (fence === undefined) return;
  const fenced = (reason: string, shard: number | null): never => {
    throw new StoreError(store, `writePoll refused, nothing was written: ${reason}`, {
      code: 'STORE_FENCED',
      details: { shard },
    });
  };
  for (const lease of fence.leases) {
    const row = leases.get(lease.shard);
    const why =
      row === undefined
        ? 'no such shard'
        : row.owner !== fence.owner
          ? `it is held by ${row.owner ?? 'nobody'} now`
          : String(row.generation) !== String(lease.generation)
            ? `it changed hands since (generation ${row.generation}, the write holds ${lease.generation})`
            : !row.live
              ? `the lease expired before ${write.at.toISOString()}`
              : null;
    if (why !== null) fenced(`${fence.owner} no longer holds shard ${lease.shard}: ${why}`, lease.shard);
  }
  const users = new Set<string>();
  for (const e of write.effects) users.add(e.userId);
  for (const s of write.samples) users.add(s.userId);
  const held = new Set(fence.leases.map((l) => l.shard));
  for (const userId of users) {
    // Without a lease the writer holds no user at all.
    const shard = shards === undefined || held.size === 0 ? null : shardOf(userId, shards);
    if (shard === null || !held.has(shard)) {
      fenced(
        `${fence.owner} does not hold ${shard === null ? 'any shard' : `shard ${shard}`}, the shard of user ${userId}`,
        shard,
      );
    }
  }
}
