/**
 * How several trackers share one set of users: users are spread over a fixed number of shards, and
 * each tracker holds leases on some of them. Core knows only this contract; a store that can
 * coordinate (its plugin's `coordination`) implements it.
 */

/** A lease on one shard. `generation` grows each time the shard changes hands, for fencing. */
export interface ShardLease {
  shard: number;
  generation: number;
}

/** One shard's lease as the keeper of the leases records it, for fencing writes. */
export interface LeaseRecord {
  shard: number;
  owner: string | null;
  /** Grows each time the shard changes hands; compared as text, so a bigint column fits. */
  generation: number | string;
  /** The lease had not expired at the instant asked about. */
  live: boolean;
}

export interface Coordination {
  /** This tracker's id in the group; unique per process. */
  readonly owner: string;
  /** How many shards users are spread over; the same for every tracker of a group. */
  readonly shards: number;
  /** A lease not renewed for this long may be taken over by another tracker (ms). */
  readonly leaseTtl: number;
  /**
   * Renews the leases held, claims free or expired shards up to a fair share, and releases shards
   * above it so newcomers get theirs. Returns the leases now held. Called before every poll.
   */
  heartbeat(now: Date): Promise<ShardLease[]>;
  /** Releases every lease at once, so others take over without waiting for `leaseTtl`. */
  release(): Promise<void>;
  /** Who holds each shard now (`owner` null: nobody), for diagnostics such as `doctor`. */
  holders?(now?: Date): Promise<{ shard: number; owner: string | null }[]>;
  /** Ends what the coordination opened itself. */
  close?(): Promise<void>;
}

/** The shard of a user: a stable hash of the id (FNV-1a), the same in every process and language. */
export function shardOf(userId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/**
 * Leases kept in this process's memory: the reference implementation of the contract, for tests and
 * for several trackers in one process. Members of one group share users; a member that stops
 * heartbeating loses its shards after `leaseTtl`.
 */
export function memoryCoordination(options: { shards?: number; leaseTtl?: number } = {}): {
  member(owner: string): Coordination;
  /** Which owner holds each shard now (`null`: nobody). */
  holders(now: Date): (string | null)[];
  /** How many shards users are spread over. */
  shards: number;
  /** Every shard's lease at `at`, for a store that fences writes (`memoryStore({ fencing })`). */
  leases(at: Date): LeaseRecord[];
} {
  const shards = options.shards ?? 64;
  const leaseTtl = options.leaseTtl ?? 30_000;
  const table = Array.from({ length: shards }, () => ({
    owner: null as string | null,
    until: 0,
    generation: 0,
  }));
  const seen = new Map<string, number>();
  const live = (now: number) => [...seen.entries()].filter(([, at]) => now - at <= leaseTtl).map(([o]) => o);
  const held = (owner: string, now: number) => table.filter((l) => l.owner === owner && l.until > now);

  return {
    holders: (now) => table.map((l) => (l.until > now.getTime() ? l.owner : null)),
    shards,
    leases: (at) =>
      table.map((l, shard) => ({
        shard,
        owner: l.owner,
        generation: l.generation,
        live: l.until > at.getTime(),
      })),
    member(owner) {
      return {
        owner,
        shards,
        leaseTtl,
        async heartbeat(at) {
          const now = at.getTime();
          seen.set(owner, now);
          const fair = Math.ceil(shards / Math.max(1, live(now).length));
          const mine = held(owner, now);
          for (const l of mine.slice(fair)) l.owner = null;
          for (const l of mine.slice(0, fair)) l.until = now + leaseTtl;
          let count = Math.min(mine.length, fair);
          for (const l of table) {
            if (count >= fair) break;
            if (l.owner !== null && l.until > now) continue;
            Object.assign(l, { owner, until: now + leaseTtl, generation: l.generation + 1 });
            count++;
          }
          return table.flatMap((l, shard) =>
            l.owner === owner ? [{ shard, generation: l.generation }] : [],
          );
        },
        async release() {
          seen.delete(owner);
          for (const l of table) if (l.owner === owner) Object.assign(l, { owner: null, until: 0 });
        },
      };
    },
  };
}
