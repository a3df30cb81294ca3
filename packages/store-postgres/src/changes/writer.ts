import type pg from 'pg';
import { LOCK_NAMESPACE } from '../migrations.ts';

/**
 * Marks the transaction as one that opens or closes records of `schema`, until it ends: a shared
 * advisory lock, which no one takes exclusively, so it never waits. Taken first, before the
 * transaction has an id, so a reader that finds a running transaction without it knows that
 * transaction changes none of this schema's records (see `readChanges`).
 */
export async function markWriter(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('select pg_advisory_xact_lock_shared($1, hashtext($2))', [
    LOCK_NAMESPACE,
    `${schema} writes`,
  ]);
}
