import { checkFence as fence, type LeaseRecord, type PollWrite, StoreError } from '@presence-tracker/core';
import type pg from 'pg';
import { STORE_NAME } from '../connection.ts';
import { leaseTables } from './schema.ts';

/**
 * Refuses, with a `StoreError` coded `STORE_FENCED`, a write whose writer no longer holds every
 * lease it names, by core's one fencing rule (`checkFence`) over the lease rows. Runs inside the
 * write's transaction and locks the lease rows `FOR SHARE`, so no tracker can take a shard over
 * between this check and the write's commit.
 */
export async function checkFence(client: pg.ClientBase, schema: string, write: PollWrite): Promise<void> {
  if (write.fence === undefined) return;
  const { leases, shards } = await readLeases(client, schema, write);
  fence(STORE_NAME, write, leases, shards);
}

async function readLeases(
  client: pg.ClientBase,
  schema: string,
  write: PollWrite,
): Promise<{ leases: Map<number, LeaseRecord>; shards: number | undefined }> {
  const t = leaseTables(schema);
  const wanted = [...new Set(write.fence?.leases.map((l) => l.shard) ?? [])];
  try {
    const { rows } = await client.query<LeaseRecord & { shards: number }>(
      `select l.shard, l.owner, l.generation::text as generation, coalesce(l.lease_until > $2, false) as live,
         (select count(*) from ${t.leases})::int as shards
       from ${t.leases} l where l.shard = any($1::int4[]) order by l.shard for share of l`,
      [wanted, write.at],
    );
    return { leases: new Map(rows.map((r) => [r.shard, r])), shards: rows[0]?.shards };
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
}
