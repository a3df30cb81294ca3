import type pg from 'pg';
import { LOCK_NAMESPACE } from '../migrations.ts';

/**
 * Marks the transaction as one that opens or closes records of `schema`, until it ends: a shared
 * advisory lock, which no one takes exclusively, so it never waits. Taken first, before the
 * transaction has an id, so a reader that finds a running transaction without it knows that
 * transaction changes none of this schema's records (see `readChanges`).
 */
export async function markWriter(client: pg.ClientBase, schema: string): Promise<void> {
  const mark = writerMark(schema, 1);
  await client.query(`select ${mark.sql}`, mark.params);
}

/**
 * The same mark as an SQL expression, for a write's first statement to take it in the same round
 * trip (in a subquery its first row waits for, so before the statement writes anything and the
 * transaction gets an id). Its parameters are numbered from `$first`.
 */
export function writerMark(schema: string, first: number): { sql: string; params: unknown[] } {
  return {
    sql: `pg_advisory_xact_lock_shared($${first}, hashtext($${first + 1}))`,
    params: [LOCK_NAMESPACE, `${schema} writes`],
  };
}
