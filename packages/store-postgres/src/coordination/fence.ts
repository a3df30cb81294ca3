import { type PollWrite, StoreError, shardOf } from '@presence-tracker/core';
import type pg from 'pg';
import { STORE_NAME } from '../connection.ts';
import { leaseTables } from './schema.ts';

/**
 * Refuses, with a `StoreError` coded `STORE_FENCED`, a write whose writer no longer holds every
 * lease it names (same owner, same generation, not expired at the write's `at`), or that touches a
 * user outside those shards. Runs inside the write's transaction and locks the lease rows `FOR
 * SHARE`, so no tracker can take a shard over between this check and the write's commit.
 */
export async function checkFence(client: pg.ClientBase, schema: string, write: PollWrite): Promise<void> {
  const fence = write.fence;
  if (fence === undefined) return;
  checkShape(fence);
  const t = leaseTables(schema);
  const wanted = [...new Set(fence.leases.map((l) => l.shard))];
  let rows: LeaseRow[];
  try {
    ({ rows } = await client.query<LeaseRow>(
      `select l.shard, l.owner, l.generation::text as generation, coalesce(l.lease_until > $2, false) as live,
         (select count(*) from ${t.leases})::int as shards
       from ${t.leases} l where l.shard = any($1::int4[]) order by l.shard for share of l`,
      [wanted, write.at],
    ));
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') {
      throw new StoreError(
        STORE_NAME,
        `writePoll refused, nothing was written: schema ${schema} has no lease table; a tracker's coordination and its store must use the same schema`,
        { cause: error, details: { schema } },
      );
    }
    throw error;
  }
  const byShard = new Map(rows.map((r) => [r.shard, r]));
  for (const lease of fence.leases) {
    const row = byShard.get(lease.shard);
    const why =
      row === undefined
        ? 'no such shard'
        : row.owner !== fence.owner
          ? `it is held by ${row.owner ?? 'nobody'} now`
          : row.generation !== String(lease.generation)
            ? `it changed hands since (generation ${row.generation}, the write holds ${lease.generation})`
            : !row.live
              ? `the lease expired before ${write.at.toISOString()}`
              : null;
    if (why !== null) fenced(`${fence.owner} no longer holds shard ${lease.shard}: ${why}`, lease.shard);
  }
  const users = new Set<string>();
  for (const e of write.effects) users.add(e.userId);
  for (const s of write.samples) users.add(s.userId);
  if (users.size === 0) return;
  const shards = rows[0]?.shards;
  const held = new Set(wanted);
  for (const userId of users) {
    // Without a lease the writer holds no user at all.
    const shard = shards === undefined ? null : shardOf(userId, shards);
    if (shard === null || !held.has(shard)) {
      fenced(
        `${fence.owner} does not hold ${shard === null ? 'any shard' : `shard ${shard}`}, the shard of user ${userId}`,
        shard,
      );
    }
  }
}

interface LeaseRow {
  shard: number;
  owner: string | null;
  generation: string;
  live: boolean;
  shards: number;
}

function fenced(reason: string, shard: number | null): never {
  throw new StoreError(STORE_NAME, `writePoll refused, nothing was written: ${reason}`, {
    code: 'STORE_FENCED',
    details: { shard },
  });
}

function checkShape(fence: NonNullable<PollWrite['fence']>): void {
  const refuse = (message: string): never => {
    throw new StoreError(STORE_NAME, `writePoll: ${message}`);
  };
  if (typeof fence !== 'object' || fence === null) refuse('fence: expected { owner, leases }');
  if (typeof fence.owner !== 'string') refuse('fence.owner: expected the coordination owner');
  if (!Array.isArray(fence.leases)) refuse('fence.leases: expected an array of leases');
  fence.leases.forEach((l, i) => {
    if (!Number.isInteger(l?.shard)) refuse(`fence.leases[${i}].shard: expected a whole number`);
    if (!Number.isSafeInteger(l.generation)) refuse(`fence.leases[${i}].generation: expected a whole number`);
  });
}
