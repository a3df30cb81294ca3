import {
  ConfigError,
  type Coordination,
  type ShardLease,
  StoreError,
  silentLogger,
} from '@presence-tracker/core';
import { timerSleep } from '@presence-tracker/core/resilience';
import pg from 'pg';
import { inTransaction, STORE_NAME, type StoreRetry, withRetry } from '../connection.ts';
import { type PostgresCoordinationOptions, resolveCoordinationOptions } from './options.ts';
import { leaseTables, prepareLeases } from './schema.ts';

/** One shard and who holds it. */
export interface ShardHolder {
  shard: number;
  /** The tracker holding the shard, or `null` when it is free or its lease has expired. */
  owner: string | null;
  /** Until when the lease runs; `null` when the shard is free. */
  leaseUntil: Date | null;
  /** How many times the shard has changed hands. */
  generation: number;
}

/** A `Coordination` on Postgres, with what only it offers. */
export interface PostgresCoordination extends Coordination {
  /** The schema the lease tables live in: the store's. */
  readonly schema: string;
  /** Every shard and its holder at `now` (default: the system clock), for logs and the command line. */
  holders(now?: Date): Promise<ShardHolder[]>;
  /** Ends the pool made from `connectionString`; a store's or a given pool is left alone. */
  close(): Promise<void>;
}

/**
 * A heartbeat has to finish well within a lease, so it is tried again only briefly; a heartbeat that
 * fails makes the tracker drop its users until the next one succeeds.
 */
const HEARTBEAT_RETRY: StoreRetry = { attempts: 3, baseDelay: 50, maxDelay: 500, sleep: timerSleep };

/**
 * Several trackers sharing one Postgres database split the users between them: users are spread
 * over `shards`, and each tracker holds leases on about `shards / trackers` of them, renewed on every
 * heartbeat (one short transaction: no session state, so it works behind a connection pooler).
 * A tracker that stops releases its shards at once; one that dies loses them after `leaseTtl`.
 */
export function postgresCoordination(options: PostgresCoordinationOptions): PostgresCoordination {
  const o = resolveCoordinationOptions(options);
  const logger = options.logger ?? silentLogger;
  const ownsPool = o.store === undefined && o.pool === undefined;
  const pool =
    o.store?.pool ??
    o.pool ??
    new pg.Pool({
      connectionString: o.connectionString,
      max: 2,
      connectionTimeoutMillis: 10_000,
      application_name: 'presence-tracker-leases',
    });
  if (ownsPool)
    pool.on('error', (error) =>
      logger.warn({ store: STORE_NAME, error: error.message }, 'lease connection lost'),
    );
  const t = leaseTables(o.schema);
  const { owner, shards, leaseTtl } = o;

  let closed = false;
  let ready: Promise<void> | null = null;
  /** The shards the last heartbeat returned, as the tracker knows them. */
  let handedOut = new Set<number>();

  const retrying = <T>(what: string, work: () => Promise<T>) =>
    withRetry(what, HEARTBEAT_RETRY, logger, work, () => closed).catch((error: unknown) => {
      // A group configured inconsistently is a configuration error, not a database one.
      const cause = (error as { cause?: unknown }).cause;
      throw ConfigError.isInstance(cause) ? cause : error;
    });
  const prepare = () => {
    ready ??= retrying('prepare leases', () =>
      inTransaction(pool, (c) => prepareLeases(c, o.schema, shards)),
    ).catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };
  const ensureOpen = (what: string) => {
    if (closed)
      throw new StoreError(STORE_NAME, `${what}: the coordination is closed`, { code: 'STORE_CLOSED' });
  };

  return {
    owner,
    shards,
    leaseTtl,
    schema: o.schema,

    async heartbeat(now) {
      ensureOpen('heartbeat');
      if (!(now instanceof Date) || Number.isNaN(now.getTime()))
        throw new StoreError(STORE_NAME, `heartbeat: now: expected a valid Date, received ${String(now)}`);
      await prepare();
      const until = new Date(now.getTime() + leaseTtl);
      const silentSince = new Date(now.getTime() - leaseTtl);
      const result = await retrying('heartbeat', () =>
        inTransaction(pool, async (c) => {
          await c.query(
            `insert into ${t.members} (owner, seen_at) values ($1, $2)
             on conflict (owner) do update set seen_at = excluded.seen_at`,
            [owner, now],
          );
          // Forgetting members gone silent is housekeeping: rows another heartbeat is at are left to it.
          await c.query(
            `delete from ${t.members} where owner in (
               select owner from ${t.members} where seen_at <= $1 for update skip locked)`,
            [silentSince],
          );
          const live = await c.query<{ n: number }>(
            `select count(*)::int as n from (
               select owner from ${t.members} where seen_at > $1
               union select owner from ${t.leases} where owner is not null and lease_until > $2
             ) m`,
            [silentSince, now],
          );
          const fair = Math.ceil(shards / Math.max(1, live.rows[0]!.n));

          // Leases still in this owner's name were taken by nobody, so they are renewed even when
          // they lapsed: nobody else can have written for their users.
          const mine = await c.query<{ shard: number; generation: string }>(
            `select shard, generation::text from ${t.leases} where owner = $1 order by shard for update`,
            [owner],
          );
          const keep = mine.rows.slice(0, fair);
          const surplus = mine.rows.slice(fair).map((r) => r.shard);
          if (keep.length > 0) {
            await c.query(`update ${t.leases} set lease_until = $2 where shard = any($1::int4[])`, [
              keep.map((r) => r.shard),
              until,
            ]);
          }
          if (surplus.length > 0) {
            await c.query(
              `update ${t.leases} set owner = null, lease_until = null where shard = any($1::int4[])`,
              [surplus],
            );
          }
          let claimed: { shard: number; generation: string }[] = [];
          const need = fair - keep.length;
          if (need > 0) {
            // A shard handed out before and lost since is not taken back in the same heartbeat: the
            // tracker must see it go, so that it drops what it knew and recovers from the store.
            const skip = [...handedOut, ...surplus];
            ({ rows: claimed } = await c.query<{ shard: number; generation: string }>(
              `with free as (
                 select shard from ${t.leases}
                 where (owner is null or lease_until <= $2) and shard <> all($4::int4[])
                 order by owner is not null, shard
                 limit $5
                 for update skip locked
               )
               update ${t.leases} l set owner = $1, lease_until = $3, generation = l.generation + 1
               from free where l.shard = free.shard
               returning l.shard, l.generation::text`,
              [owner, now, until, skip, need],
            ));
          }
          return { keep, surplus, claimed, live: live.rows[0]!.n, fair };
        }),
      );
      const leases = [...result.keep, ...result.claimed]
        .map((r): ShardLease => ({ shard: r.shard, generation: Number(r.generation) }))
        .sort((a, b) => a.shard - b.shard);
      if (result.claimed.length > 0 || result.surplus.length > 0) {
        logger.info(
          {
            owner,
            claimed: result.claimed.map((r) => r.shard),
            released: result.surplus,
            held: leases.length,
            trackers: result.live,
          },
          'shard leases changed',
        );
      }
      handedOut = new Set(leases.map((l) => l.shard));
      return leases;
    },

    async release() {
      if (closed) return;
      handedOut = new Set();
      await prepare();
      await retrying('release', () =>
        inTransaction(pool, async (c) => {
          const { rowCount } = await c.query(
            `update ${t.leases} set owner = null, lease_until = null where owner = $1`,
            [owner],
          );
          await c.query(`delete from ${t.members} where owner = $1`, [owner]);
          if (rowCount) logger.info({ owner, released: rowCount }, 'shard leases released');
        }),
      );
    },

    async holders(now = new Date()) {
      ensureOpen('holders');
      try {
        const { rows } = await retrying('holders', () =>
          pool.query<{ shard: number; owner: string | null; lease_until: Date | null; generation: string }>(
            `select shard, owner, lease_until, generation::text from ${t.leases} order by shard`,
          ),
        );
        return rows.map((r): ShardHolder => {
          const live = r.owner !== null && r.lease_until !== null && r.lease_until.getTime() > now.getTime();
          return {
            shard: r.shard,
            owner: live ? r.owner : null,
            leaseUntil: r.owner === null ? null : r.lease_until,
            generation: Number(r.generation),
          };
        });
      } catch (error) {
        // No tracker has coordinated in this schema yet: nobody holds anything.
        if ((error as { details?: { sqlState?: unknown } }).details?.sqlState === '42P01') return [];
        throw error;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (ownsPool) await pool.end().catch(() => {});
    },
  };
}
