/**
 * A test file in miniature: starts an embedded server, proves it answers, tells the parent where it
 * lives (over IPC), and disposes of it when the parent says `dispose`, unless it is killed first.
 */
import { once } from 'node:events';
import pg from 'pg';
import { startTestServer } from '../server.ts';

const server = await startTestServer({ embedded: true });
const client = new pg.Client({ connectionString: server.connectionString });
await client.connect();
const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
await client.end();
process.send!({
  directory: server.directory,
  connectionString: server.connectionString,
  backend: rows[0]!.pid,
});
await once(process, 'message');
await server.dispose();
process.disconnect();
