import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../index.ts';

/* `track` run in-process, as bin.ts runs it, with the instant "now" given by the test. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-track-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function track(args: string[], cwd: string, now: Date) {
  let stderr = '';
  const err = new PassThrough().on('data', (d: Buffer) => {
    stderr += d;
  });
  const io: Io = {
    stdout: new PassThrough(),
    stderr: Object.assign(err, { isTTY: false }),
    env: {},
    cwd,
    now: () => now,
    signal: () => new Promise(() => {}),
  };
  const code = await run(['track', ...args], io);
  return { code, stderr };
}

const everything = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };

describe('track --once', () => {
  it('writes, before anything else, what a tracker killed while the database was away left in the spool beside the configuration', async () => {
    const cwd = await mkdtemp(join(dir, 'spool-'));
    const config = join(cwd, 'presence-tracker.json');
    await writeFile(
      config,
      JSON.stringify({
        provider: { type: 'simulated', users: 2 },
        users: 'discover',
        store: { type: 'sqlite', path: 'presence.db' },
      }),
    );
    // The run of the killed tracker, and the reading it could not write, held in the spool.
    const seenAt = new Date('2026-03-02T09:00:00Z');
    const store = sqliteStore({ path: join(cwd, 'presence.db') });
    const crashed = await store.startRun(new Date('2026-03-02T08:59:00Z'));
    await store.close();
    const held = {
      runId: crashed.id,
      at: { $date: seenAt.toISOString() },
      samples: [{ userId: 'sim-1', status: 'busy', observedAt: { $date: seenAt.toISOString() } }],
      effects: [
        {
          type: 'interval.open',
          userId: 'sim-1',
          status: 'busy',
          startedAt: { $date: seenAt.toISOString() },
        },
      ],
    };
    await writeFile(`${config}.spool`, `${JSON.stringify({ seq: 0, write: held })}\n`);

    const result = await track(['--once', '--config', config], cwd, new Date('2026-03-02T09:30:00Z'));
    expect(result.code, result.stderr).toBe(0);
    // Everything landed, so the command stopped without leaving the file behind.
    expect(existsSync(`${config}.spool`)).toBe(false);
    const after = sqliteStore({ path: join(cwd, 'presence.db') });
    const [first] = await after.intervals({ ...everything, userIds: ['sim-1'] });
    // Replayed, then recovered: the crashed run's interval ends at its last sighting.
    expect(first).toMatchObject({ status: 'busy', startedAt: seenAt, endedAt: seenAt });
    expect((await after.samples({ ...everything, userIds: ['sim-1'] }))[0]).toMatchObject({
      observedAt: seenAt,
    });
    await after.close();
  });

  it('continues the run of the previous --once within staleAfter, so cron runs 7 s apart observe the 7 s between them', async () => {
    const cwd = await mkdtemp(join(dir, 'cron-'));
    const config = join(cwd, 'presence-tracker.json');
    await writeFile(
      config,
      JSON.stringify({
        provider: { type: 'simulated', users: 1, seed: 3 },
        users: 'discover',
        pollInterval: 10_000,
        store: { type: 'sqlite', path: 'presence.db' },
      }),
    );
    // Mid-morning on a weekday, when the simulated person is at work.
    const first = new Date('2026-03-02T10:00:00Z');
    const second = new Date(first.getTime() + 7_000);
    expect((await track(['--once', '--config', config], cwd, first)).code).toBe(0);
    expect((await track(['--once', '--config', config], cwd, second)).code).toBe(0);

    const store = sqliteStore({ path: join(cwd, 'presence.db') });
    const runs = await store.runs(everything);
    expect(runs).toEqual([{ id: runs[0]!.id, startedAt: first, endedAt: null }]);
    const observed = (await store.intervals(everything))
      .map((i) => Math.min((i.endedAt ?? second).getTime(), second.getTime()) - i.startedAt.getTime())
      .reduce((a, b) => a + b, 0);
    expect(observed).toBe(7_000);
    await store.close();

    // A cron run that comes later than staleAfter (3 polls) ends that run at its last poll.
    const late = new Date(second.getTime() + 60_000);
    expect((await track(['--once', '--config', config], cwd, late)).code).toBe(0);
    const after = sqliteStore({ path: join(cwd, 'presence.db') });
    const [ended, next] = await after.runs(everything);
    expect(ended).toMatchObject({ startedAt: first, endedAt: second });
    expect(next).toMatchObject({ startedAt: late, endedAt: null });
    await after.close();
  });
});
