import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { StatementQueue } from './statement-queue.ts';
import { startTestServer, type TestServer } from './testing/server.ts';

let server: TestServer;
let client: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await server?.dispose();
});

describe('StatementQueue', () => {
  test('runs the statements in the order sent, without the caller waiting between them', async () => {
    await client.query('begin');
    const q = new StatementQueue(client);
    q.send('create temporary table queued (n int) on commit drop');
    for (let n = 1; n <= 5; n++)
      q.send('insert into queued values ($1 + (select count(*) from queued))', [n * 10]);
    const read = q.send<{ n: number }>('select n from queued order by n');
    await q.settle();
    expect((await read).rows.map((r) => r.n)).toEqual([10, 21, 32, 43, 54]);
    await client.query('commit');
  });

  test('after a failure sends nothing more, and settle() throws the first failure', async () => {
    await client.query('begin');
    const q = new StatementQueue(client);
    q.send('create temporary table after_failure (n int) on commit drop');
    const failing = q.send('select 1 / 0');
    const behind = q.send('insert into after_failure values (1)');
    await expect(q.settle()).rejects.toMatchObject({ code: '22012' });
    await expect(failing).rejects.toMatchObject({ code: '22012' });
    // Not "current transaction is aborted" (25P02): the statement behind was never sent.
    await expect(behind).rejects.toMatchObject({ code: '22012' });
    await client.query('rollback');
    // The connection is usable again after the rollback.
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});
