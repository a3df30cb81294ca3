import { hostname } from 'node:os';
import { ConfigError, type ConfigIssue, type Logger } from '@presence-tracker/core';
import type pg from 'pg';
import type { PostgresStore } from '../postgres-store.ts';

interface CommonOptions {
  /**
   * The schema the lease tables live in: the store's own, since the store checks writes against
   * them. Default: the store's schema, else `presence_tracker`.
   */
  schema?: string;
  /** How many shards users are spread over; the same for every tracker of a group. Default: 64. */
  shards?: number;
  /** A lease not renewed for this long may be taken over by another tracker (ms). Default: 30,000. */
  leaseTtl?: number;
  /** This tracker's name in the group, unique per process. Default: `<hostname>-<pid>-<random>`. */
  owner?: string;
  /** Where handovers are reported. Default: silent. */
  logger?: Logger;
}

export type PostgresCoordinationOptions = CommonOptions &
  (
    | {
        /** The store the trackers write to; its pool and schema are used. */ store: PostgresStore;
        pool?: undefined;
        connectionString?: undefined;
      }
    | {
        /** A pool the host application owns; never ended here. */ pool: pg.Pool;
        store?: undefined;
        connectionString?: undefined;
      }
    | {
        /** `postgres://user:password@host:port/database`; a small pool is made, ended by `close()`. */
        connectionString: string;
        store?: undefined;
        pool?: undefined;
      }
  );

export interface ResolvedCoordinationOptions {
  store: PostgresStore | undefined;
  pool: pg.Pool | undefined;
  connectionString: string | undefined;
  schema: string;
  shards: number;
  leaseTtl: number;
  owner: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Enough for any group of trackers; a lease table is one row per shard. */
const MAX_SHARDS = 65_536;

/** Checks the options, naming every field that is wrong and what was expected. */
export function resolveCoordinationOptions(
  options: PostgresCoordinationOptions,
): ResolvedCoordinationOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('postgresCoordination: invalid options:', [
      { path: '(root)', message: 'expected an object with store, pool or connectionString' },
    ]);
  }
  const issues: ConfigIssue[] = [];
  const bad = (path: string, message: string, received?: unknown) =>
    issues.push({ path, message, ...(received === undefined ? {} : { received: describe(received) }) });

  const { store, pool, connectionString } = options;
  const given = [store, pool, connectionString].filter((x) => x !== undefined).length;
  if (given > 1) bad('store', 'give one of store, pool or connectionString');
  else if (store !== undefined) {
    if (typeof store !== 'object' || store === null || typeof store.schema !== 'string' || !store.pool)
      bad('store', 'expected a store made by postgresStore()', store);
  } else if (pool !== undefined) {
    if (typeof pool !== 'object' || pool === null || typeof (pool as pg.Pool).connect !== 'function')
      bad('pool', 'expected a pg.Pool', pool);
  } else if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    // Only a blank or non-string value reaches here, so echoing it cannot leak a password.
    bad(
      'connectionString',
      'expected a postgres:// connection string (or pass store or pool)',
      connectionString,
    );
  }

  const storeSchema = typeof store?.schema === 'string' ? store.schema : undefined;
  const schema = options.schema ?? storeSchema ?? 'presence_tracker';
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    bad(
      'schema',
      'expected a name of letters, digits and underscores, not starting with a digit, at most 63 long',
      schema,
    );
  } else if (storeSchema !== undefined && schema !== storeSchema) {
    bad(
      'schema',
      `expected the store's schema (${storeSchema}): the store checks its writes against these leases`,
      schema,
    );
  }

  const shards = options.shards ?? 64;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)
    bad('shards', `expected a whole number from 1 to ${MAX_SHARDS}`, shards);

  const leaseTtl = options.leaseTtl ?? 30_000;
  if (typeof leaseTtl !== 'number' || !Number.isFinite(leaseTtl) || leaseTtl < 1)
    bad('leaseTtl', 'expected milliseconds, more than 0', leaseTtl);

  const owner = options.owner ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 200)
    bad('owner', 'expected a non-empty name of at most 200 characters', owner);

  if (issues.length > 0) throw new ConfigError('postgresCoordination: invalid options:', issues);
  return { store, pool, connectionString, schema, shards, leaseTtl, owner };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
