import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';

const SCRIPT = join(import.meta.dirname, '__fixtures__', 'hold-transaction.ts');
// Stops and starts the server, so it always runs its own, even when DATABASE_URL is set.
let server: TestServer;
// The program starts (Node loading its modules takes a while on a busy machine) while the server does.
const stderr: string[] = [];
const messages: unknown[] = [];
const child = fork(SCRIPT, [], {
  execArgv: ['--conditions=@presence-tracker/source'],
  stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
});
child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
child.on('message', (m) => messages.push(m));
const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

beforeAll(async () => {
  server = await startTestServer({ embedded: true });
});

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.dispose();
});

test('a server restart while a transaction holds a connection fails that transaction, not the process', async () => {
  child.send(server.connectionString);
  while (messages.length === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  expect(messages).toEqual(['holding']);

  // The server ends the held connection ("terminating connection due to administrator command")
  // while no statement is running on it, so only the client's error event hears of it.
  await server.stop();
  await server.start();
  if (child.connected) child.send('restarted');

  const [code, signal] = await exited;
  expect({ code, signal, stderr: stderr.join('') }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(messages).toHaveLength(2);
  expect(messages[1]).toMatchObject({ held: expect.stringMatching(/^transient: /), after: 3 });
}, 120_000);
