import { ConfigError } from '@presence-tracker/core';
import type pg from 'pg';
import { LOCK_NAMESPACE } from '../migrations.ts';

/** The lease tables of one schema, quoted, ready to put in SQL. */
export function leaseTables(schema: string) {
  // Options allow only letters, digits and underscores in a schema name.
  const s = `"${schema}"`;
  return { leases: `${s}.shard_leases`, members: `${s}.tracker_members` };
}

/**
 * Creates the lease tables when missing, with one row per shard. It takes the same advisory lock as
 * the store's migrations, so a store and trackers starting together on a fresh database neither race
 * to create the schema nor fill the lease table twice. A group that already uses another number of
 * shards is refused: users would land on different shards in different trackers.
 */
export async function prepareLeases(client: pg.ClientBase, schema: string, shards: number): Promise<void> {
  const t = leaseTables(schema);
  await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);
  await client.query(`create schema if not exists "${schema}"`);
  // A free shard has neither owner nor lease_until. `lease_until` comes from the trackers' clocks,
  // never from the server's, so a group replaying a day on a fake clock keeps consistent leases.
  await client.query(`create table if not exists ${t.leases} (
    shard integer primary key check (shard >= 0),
    owner text,
    lease_until timestamptz,
    generation bigint not null default 0
  )`);
  // Members count towards the fair share from their first heartbeat, before they hold any shard.
  await client.query(`create table if not exists ${t.members} (
    owner text primary key,
    seen_at timestamptz not null
  )`);
  const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from ${t.leases}`);
  const existing = rows[0]?.n ?? 0;
  if (existing === 0) {
    await client.query(`insert into ${t.leases} (shard) select generate_series(0, $1::int - 1)`, [shards]);
  } else if (existing !== shards) {
    throw new ConfigError('postgresCoordination: invalid options:', [
      {
        path: 'shards',
        message: `the trackers sharing schema ${schema} use ${existing} shards; every tracker of a group must use the same number`,
        received: String(shards),
      },
    ]);
  }
}
