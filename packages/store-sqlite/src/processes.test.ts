import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '@presence-tracker/core';
import Sqlite from 'better-sqlite3';
import { afterAll, afterEach, expect, test } from 'vitest';
import { sqliteStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-processes-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string) => join(import.meta.dirname, '__fixtures__', name);

/** Starts a fixture in its own Node process; `lines` collects what it prints, line by line. */
function start(name: string, args: string[]) {
  const child = spawn(process.execPath, ['--conditions=@presence-tracker/source', fixture(name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    /** Resolves with the first line (already printed or still to come) that `match` accepts. */
    waitFor(match: (line: string) => boolean, timeout = 150_000): Promise<string> {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} printed no such line; stderr: ${stderr}`)),
          timeout,
        );
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        exited.then(() => setTimeout(() => reject(new Error(`${name} exited; stderr: ${stderr}`)), 50));
      });
    },
  };
}

const everything = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
const committed = (lines: string[]) =>
  lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.slice('committed '.length)));

// Each child imports the library from source; on a busy machine that alone can take many seconds.
const SLOW = 240_000;

test(
  'a writer killed with SIGKILL in the middle of writing leaves every committed batch and no half of one',
  async () => {
    const path = join(dir, 'crash.db');
    const users = 2000;
    const writer = start('writer.ts', [path, String(users), 'forever']);
    await writer.waitFor((l) => l === 'committed 5');
    // Let it get well into the next batch's transaction before pulling the plug.
    await new Promise((resolve) => setTimeout(resolve, 37));
    writer.child.kill('SIGKILL');
    await writer.exited;
    expect(writer.child.signalCode).toBe('SIGKILL');
    const done = committed(writer.lines);
    const last = Math.max(...done);
    expect(done).toEqual(Array.from({ length: last }, (_, i) => i + 1));

    const db = new Sqlite(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const store = sqliteStore({ path });
    const samples = await store.samples(everything);
    // The batch in flight may have committed before the kill without being reported; never a part of it.
    const batches = samples.length / users;
    expect(Number.isInteger(batches)).toBe(true);
    expect(batches === last || batches === last + 1).toBe(true);
    for (let n = 1; n <= batches; n++) {
      expect(samples.filter((s) => s.observedAt.getTime() === Date.UTC(2026, 2, 2, 8, n)).length).toBe(users);
    }
    const intervals = await store.intervals(everything);
    expect(intervals.length).toBe(users * (batches + 1));
    expect(intervals.filter((i) => i.endedAt === null).length).toBe(users);
    const outbox = await store.outboxPending({ notifier: 'hook', limit: 1000 });
    expect(outbox.map((e) => e.event.id)).toEqual(
      Array.from({ length: batches }, (_, i) => `batch-${i + 1}`),
    );

    // What the dead run left open is there for recovery, and its writer role passes on at once.
    const open = await store.openState();
    expect(open.runs.length).toBe(1);
    expect(open.runs[0]!.lastPollAt?.getTime()).toBe(Date.UTC(2026, 2, 2, 8, batches));
    expect(open.sessions.length).toBe(users);
    expect(open.intervals[0]!.lastSeenAt.getTime()).toBe(Date.UTC(2026, 2, 2, 8, batches));
    await store.endRun(open.runs[0]!.id, open.runs[0]!.lastPollAt!);
    await store.close();
  },
  SLOW,
);

test(
  'two processes read while a third writes, and each sees only whole batches',
  async () => {
    const path = join(dir, 'readers.db');
    const users = 100;
    const writer = start('writer.ts', [path, String(users), 'forever', '10']);
    const readers = [
      start('reader.ts', [path, String(users), '1500']),
      start('reader.ts', [path, String(users), '1500']),
    ];
    const reports = await Promise.all(
      readers.map(async (r) => {
        const code = await r.exited;
        expect(code, r.stderr()).toBe(0);
        return JSON.parse(r.lines.at(-1)!) as {
          reads: number;
          firstBatch: number;
          lastBatch: number;
          problems: string[];
        };
      }),
    );
    writer.child.kill('SIGTERM');
    await writer.exited;
    for (const report of reports) {
      expect(report.problems).toEqual([]);
      expect(report.reads).toBeGreaterThan(3);
      // The writer kept committing while they read.
      expect(report.lastBatch).toBeGreaterThan(report.firstBatch);
    }
    const store = sqliteStore({ path });
    expect((await store.samples(everything)).length % users).toBe(0);
    await store.close();
  },
  SLOW,
);

test(
  'a second writer in another process is refused with STORE_LOCKED, and takes over once the first is gone',
  async () => {
    const path = join(dir, 'lock.db');
    const holder = start('writer.ts', [path, '1', '0', 'hold']);
    const line = await holder.waitFor((l) => l.startsWith('holding '));
    const pid = line.slice('holding '.length);

    const second = sqliteStore({ path });
    const refused = await second.startRun(new Date()).catch((e: unknown) => e);
    expect(StoreError.isInstance(refused) && refused.code).toBe('STORE_LOCKED');
    expect((refused as Error).message).toContain(`process ${pid}`);
    expect((refused as Error).message).toContain('one writer at a time');
    // Reading needs no writer role.
    const open = await second.openState();
    expect(open.runs.length).toBe(1);
    await expect(
      second.writePoll({ runId: open.runs[0]!.id, at: new Date(), samples: [], effects: [] }),
    ).rejects.toMatchObject({ code: 'STORE_LOCKED' });

    holder.child.kill('SIGKILL');
    await holder.exited;
    const run = await second.startRun(new Date());
    expect(run.id).not.toBe(open.runs[0]!.id);
    await second.close();
  },
  SLOW,
);
