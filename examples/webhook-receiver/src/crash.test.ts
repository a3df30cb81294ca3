import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrackerEventBody } from '@presence-tracker/core';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, expect, test } from 'vitest';
import { webhookHandler } from './main.ts';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const child = fileURLToPath(new URL('./__fixtures__/tracker-process.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'presence-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): {
  process: ChildProcess;
  line: Promise<string>;
  exited: Promise<number | null>;
} {
  const p = spawn(process.execPath, ['--conditions=@presence-tracker/source', child, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stderr!.on('data', (c) => {
    err += c;
  });
  const line = new Promise<string>((resolve, reject) => {
    p.stdout!.on('data', (c) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    p.on('exit', (code) => reject(new Error(`tracker process exited (${code}) early: ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return { process: p, line, exited };
}

test('a tracker killed with events pending delivers them, once each and in order, after it restarts', async () => {
  // Until the crash the endpoint takes requests and never answers; after it, the example receiver answers.
  let crashed = false;
  const attempted: string[] = [];
  const handled: { id: string; event: TrackerEventBody }[] = [];
  const statuses: number[] = [];
  const handler = webhookHandler({
    secret: SECRET,
    onEvent: (event, id) => void handled.push({ id, event }),
  });
  const server: Server = createServer((req, res) => {
    attempted.push(String(req.headers['webhook-id']));
    if (!crashed) return;
    res.on('finish', () => statuses.push(res.statusCode));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/presence`;
  const db = join(dir, 'tracker.sqlite');

  try {
    const first = run(['track', db, url, SECRET]);
    const pendingLine = await first.line;
    expect(Number(pendingLine.split(' ')[1])).toBeGreaterThan(5);
    // Killed while the first delivery is on its way.
    for (let waited = 0; attempted.length === 0 && waited < 20_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.process.kill('SIGKILL');
    await first.exited;
    crashed = true;
    server.closeAllConnections();

    const store = sqliteStore({ path: db });
    const pending = (await store.outboxPending({ notifier: 'receiver', limit: 10_000 })).map(
      (e) => e.event.id,
    );
    await store.close();
    expect(pending.length).toBeGreaterThan(5);
    // The first one was on its way when the process died: it is still pending.
    expect(attempted[0]).toBe(pending[0]);

    const second = run(['resume', db, url, SECRET]);
    expect(await second.line).toBe('done');
    expect(await second.exited).toBe(0);

    expect(statuses.every((s) => s === 204)).toBe(true);
    const ids = handled.map((h) => h.id);
    expect(ids.slice(0, pending.length)).toEqual(pending);
    expect(new Set(ids).size).toBe(ids.length);
    // Then the new run: it starts, closes what the killed one left open, and ends.
    const after = handled.slice(pending.length).map((h) => h.event);
    expect(after.filter((e) => e.type === 'run.started')).toHaveLength(1);
    expect(after.some((e) => e.type === 'session.ended' && e.data.reason === 'recovered')).toBe(true);
    expect(after.at(-1)!.type).toBe('run.ended');

    const check = sqliteStore({ path: db });
    expect(await check.outboxPending({ notifier: 'receiver' })).toEqual([]);
    await check.close();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  // Two Node processes start here; on a busy machine that alone takes seconds.
}, 120_000);
