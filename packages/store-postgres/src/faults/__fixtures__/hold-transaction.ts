/**
 * Holds a transaction open between two statements while the parent restarts the server, then runs
 * one more transaction once the server is back. Talks to the parent over IPC: waits for the
 * connection string (so that it starts while the server does), sends `holding`, waits for
 * `restarted`, and sends what became of both transactions. If a lost connection escaped as an
 * uncaught exception, the process dies before it can answer.
 */
import { once } from 'node:events';
import pg from 'pg';
import { inTransaction, isTransient } from '../../connection.ts';

const [connectionString] = (await once(process, 'message')) as [string];
const pool = new pg.Pool({ connectionString, max: 1 });
pool.on('error', () => {});

const held = await inTransaction(pool, async (client) => {
  await client.query('select 1');
  process.send!('holding');
  await once(process, 'message');
  await client.query('select 2');
}).then(
  () => 'committed',
  (error: unknown) => `${isTransient(error) ? 'transient' : 'other'}: ${(error as Error).message}`,
);

const after = await inTransaction(pool, async (client) => {
  const { rows } = await client.query<{ n: number }>('select 3 as n');
  return rows[0]!.n;
});

process.send!({ held, after });
await pool.end();
process.disconnect();
