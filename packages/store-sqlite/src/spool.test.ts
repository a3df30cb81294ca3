import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracker, manualClock } from '@presence-tracker/core';
import { afterAll, expect, test } from 'vitest';
import { sqliteStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const everything = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
// The child imports the library from source; on a busy machine that alone can take many seconds.
const SLOW = 240_000;

test(
  'a tracker killed while its store is away loses nothing: the next start writes every reading it decided',
  async () => {
    const path = join(dir, 'presence.db');
    const spool = join(dir, 'presence.spool');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@presence-tracker/source',
        join(import.meta.dirname, '__fixtures__', 'spooling-tracker.ts'),
        path,
        spool,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const decided: [string, number, string][] = [];
    let partial = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (!line.startsWith('decided ')) continue;
          decided.push(...JSON.parse(line.slice('decided '.length)));
          // Killed in the middle of the outage, while it keeps polling.
          if (decided.length >= 3 * 20) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      exited.then(() => reject(new Error(`the tracker exited on its own: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    // The store is back: a new tracker on the same file and spool.
    const store = sqliteStore({ path });
    expect(await store.samples(everything)).toEqual([]);
    const clock = manualClock(Date.UTC(2026, 2, 2, 12));
    const tracker = createTracker({
      provider: {
        name: 'scripted',
        async resolveUsers(keys) {
          return { resolved: keys.map((key) => ({ key, id: key })), unresolved: [] };
        },
        async getPresence() {
          return [];
        },
      },
      store,
      users: ['ada', 'ben', 'cy'],
      clock,
      spool: { path: spool },
    });
    await tracker.runOnce();
    await tracker.stop();

    const stored = (await store.samples(everything)).map((s) => [s.userId, s.observedAt.getTime(), s.status]);
    for (const reading of decided) expect(stored).toContainEqual(reading);
    // Each user's intervals follow what was decided, and recovery closed them at the last sighting.
    const intervals = await store.intervals({ ...everything, userIds: ['ada'] });
    const adaDecided = decided.filter(([u]) => u === 'ada');
    expect(intervals[0]!.startedAt.getTime()).toBe(adaDecided[0]![1]);
    expect(intervals.every((i) => i.endedAt !== null)).toBe(true);
    expect((await store.openState()).runs).toHaveLength(0);
    await store.close();
  },
  SLOW,
);
