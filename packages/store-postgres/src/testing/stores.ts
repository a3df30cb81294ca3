import type { PresenceStore, RangeQuery } from '@presence-tracker/core';
import pg from 'pg';
import { type PostgresStore, postgresStore } from '../postgres-store.ts';
import { dropSchemas, freshSchema, startTestServer, type TestServer } from './server.ts';

/**
 * A test file's server, the stores it opens and plain SQL beside them: `start` before its tests,
 * `stop` after them (every store closed, every schema dropped).
 */
export function testStores(prefix: string) {
  let server: TestServer | undefined;
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];
  const connectionString = () => {
    if (!server) throw new Error('testStores: start() first');
    return server.connectionString;
  };
  /** One statement (or several, without parameters) on a connection of its own. */
  const sql = async <R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
  ) => {
    const client = new pg.Client({ connectionString: connectionString() });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    connectionString,
    async start() {
      server = await startTestServer();
    },
    async stop() {
      await Promise.all(stores.map((s) => s.close().catch(() => {})));
      if (server) {
        await dropSchemas(server.connectionString, schemas).catch(() => {});
        await server.dispose();
      }
    },
    /** A store on a schema of its own, or on `schema` (another store's, to reopen it). */
    open(schema = freshSchema(prefix)): PostgresStore {
      if (!schemas.includes(schema)) schemas.push(schema);
      const store = postgresStore({ connectionString: connectionString(), schema });
      stores.push(store);
      return store;
    },
    /** Resolves once some statement on the server waits on a lock that backend `pid` holds. */
    async blockedBy(pid: number): Promise<void> {
      for (;;) {
        const waiting = await sql<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
          [pid],
        );
        if (waiting[0]!.n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    sql,
  };
}

/** The migration tests' clock: `at(minute)` after 08:00 UTC on 2 March 2026, and a range around it. */
export const T0 = Date.UTC(2026, 2, 2, 8);
export const at = (minute: number) => new Date(T0 + minute * 60_000);
export const aroundT0: RangeQuery = { from: at(-600), to: at(6000) };

/** Everything a reader of the store can see over `range`, with `changes()` after `after`. */
export const everything = async (store: PresenceStore, range: RangeQuery, after: string) => ({
  intervals: await store.intervals(range),
  sessions: await store.sessions(range),
  open: await store.openState(),
  changes: await store.changes!({ after }),
  rollups: await store.rollups!(range),
});
