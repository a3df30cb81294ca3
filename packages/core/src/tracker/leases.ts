import { type Coordination, type ShardLease, shardOf } from '../coordination/index.ts';
import type { PollWrite } from '../store/index.ts';
import { resync } from './recovery.ts';
import type { Runtime } from './runtime.ts';

/**
 * The shards a tracker holds. With coordination, a user is this tracker's only while it holds the
 * user's shard, and every write carries the leases as its fence; without it, every user is.
 */
export class Leases {
  private readonly coordination: Coordination | undefined;
  /** With coordination, the leases held now; without it, `null`: every user is this tracker's. */
  private leases: ShardLease[] | null = null;
  /** The shards of `leases`, for a constant-time check per user. */
  private held = new Set<number>();

  constructor(coordination: Coordination | undefined) {
    this.coordination = coordination;
  }

  /** The shards held now. */
  get shards(): number[] {
    return (this.leases ?? []).map((l) => l.shard);
  }

  owns(userId: string): boolean {
    if (!this.coordination) return true;
    return this.held.has(shardOf(userId, this.coordination.shards));
  }

  hold(leases: ShardLease[]): void {
    this.leases = leases;
    this.held = new Set(leases.map((l) => l.shard));
  }

  /** What a write carries so the store can refuse it once a lease changed hands. */
  fence(): PollWrite['fence'] {
    if (!this.leases || !this.coordination) return undefined;
    return { owner: this.coordination.owner, leases: this.leases };
  }

  /**
   * Holds the leases renewed at `at`; returns the shards that came to this tracker, or went through
   * other hands while it looked away (their generation changed).
   */
  renewed(leases: ShardLease[]): Set<number> {
    const before = new Map((this.leases ?? []).map((l) => [l.shard, l.generation]));
    this.hold(leases);
    return new Set(leases.filter((l) => before.get(l.shard) !== l.generation).map((l) => l.shard));
  }
}

/**
 * Renews the tracker's leases. Users of shards lost are dropped without a word (their new holder
 * recovers them from the store); users of shards gained are recovered, then tracked. `false` when the
 * coordination failed: the tracker then holds nothing until it works again.
 */
export async function rebalance(rt: Runtime, at: Date): Promise<boolean> {
  const { coordination } = rt.options;
  if (!coordination) return true;
  let leases: ShardLease[];
  try {
    leases = await coordination.heartbeat(at);
    rt.succeeded('coordination');
  } catch (error) {
    rt.fail(error, 'coordination');
    rt.dropUsers(() => true);
    rt.leases.hold([]);
    return false;
  }
  // A shard whose generation changed went through other hands: what this tracker knew of it is stale.
  const gained = rt.leases.renewed(leases);
  const inGained = (id: string) => gained.has(shardOf(id, coordination.shards));
  rt.dropUsers((id) => !rt.leases.owns(id) || inGained(id));
  // Before users are resolved there is nobody to recover; resolving recovers every user it keeps.
  if (gained.size > 0 && rt.resolved) {
    await resync(
      rt,
      at,
      rt.tracked.filter((u) => inGained(u.id)),
    );
    rt.logger.info({ gained: [...gained], held: rt.leases.shards.length }, 'shards taken over');
  }
  return true;
}
