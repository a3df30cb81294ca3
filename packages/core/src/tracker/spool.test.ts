import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { manualClock } from '../clock.ts';
import { StoreError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PresenceSample } from '../model.ts';
import type { Notifier, TrackerEvent } from '../notifier/index.ts';
import type { PollWrite, PresenceStore } from '../store/index.ts';
import { memoryStore } from '../store/memory.ts';
import { createTracker } from './index.ts';
import { deserialize, serialize } from './spool.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 8);
const at = (m: number) => new Date(T0 + m * MIN);
const all = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
const dir = mkdtempSync(join(tmpdir(), 'presence-tracker-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const spoolPath = () => join(dir, `spool-${++files}.jsonl`);

/** A memory store whose writes fail while `down` is set, as a database that went away. */
function outageStore() {
  const real = memoryStore();
  const store: PresenceStore & { down: boolean } = {
    ...real,
    down: false,
    async writePoll(write) {
      if (store.down) throw new StoreError('memory', 'connection lost');
      return real.writePoll(write);
    },
  };
  return store;
}

/** A provider that answers with one reading per user at the clock's instant. */
function provider(clock: { now(): Date }, status: () => PresenceSample['status'] = () => 'available') {
  return {
    name: 'scripted',
    async resolveUsers(keys: string[]) {
      return { resolved: keys.map((k) => ({ key: k, id: `id-${k}` })), unresolved: [] };
    },
    async getPresence(ids: string[]) {
      return ids.map((userId) => ({ userId, status: status(), observedAt: clock.now() }));
    },
  };
}

function recordingLogger() {
  const lines: { level: string; msg: string; fields: object }[] = [];
  const log = (level: string) => (fields: object, msg?: string) =>
    lines.push({ level, msg: msg ?? '', fields });
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  } as Logger;
  return { logger, lines };
}

describe('the spool file', () => {
  test('a write round-trips with its instants as Date objects', () => {
    const write: PollWrite = {
      runId: 'run-1',
      at: at(3),
      samples: [{ userId: 'u', status: 'busy', observedAt: at(2), raw: { availability: 'Busy', n: 1 } }],
      effects: [
        { type: 'interval.close', userId: 'u', endedAt: at(2) },
        { type: 'interval.open', userId: 'u', status: 'busy', startedAt: at(2) },
        { type: 'seen', userId: 'u', at: at(2), present: true },
      ],
      outbox: [
        {
          notifier: 'hook',
          event: {
            id: 'evt_1',
            type: 'run.started',
            timestamp: at(0),
            data: { startedAt: at(0).toISOString() },
          },
        },
      ],
    };
    const back = deserialize(serialize(write)) as PollWrite;
    expect(back).toEqual(write);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.samples[0]!.observedAt).toBeInstanceOf(Date);
    expect(back.outbox![0]!.event.timestamp).toBeInstanceOf(Date);
    // Strings that look like instants stay strings.
    expect(back.outbox![0]!.event.data.startedAt).toBe(at(0).toISOString());
  });

  test('while the store is away each write is in the file; once it is back the file is emptied', async () => {
    const store = outageStore();
    const clock = manualClock(at(0));
    const path = spoolPath();
    const t = createTracker({ provider: provider(clock), store, users: ['ada'], clock, spool: { path } });
    t.on('error', () => {});
    await t.runOnce();
    expect(readFileSync(path, 'utf8')).toBe('');
    store.down = true;
    for (let m = 1; m <= 3; m++) {
      clock.set(at(m));
      await t.runOnce();
    }
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => (deserialize(l) as { write: PollWrite }).write.at)).toEqual([
      at(1),
      at(2),
      at(3),
    ]);
    store.down = false;
    clock.set(at(4));
    await t.runOnce();
    expect(readFileSync(path, 'utf8')).toBe('');
    await t.stop();
    expect(existsSync(path)).toBe(false);
    expect((await store.samples(all)).map((s) => s.observedAt)).toEqual([0, 1, 2, 3, 4].map(at));
  });

  test('the next start replays held writes in order before recovery; a line cut short by a kill is ignored with a warning', async () => {
    const store = memoryStore();
    const run = await store.startRun(at(0));
    const write = (m: number, effects: PollWrite['effects']): PollWrite => ({
      runId: run.id,
      at: at(m),
      samples: [{ userId: 'id-ada', status: 'available', observedAt: at(m) }],
      effects: [...effects, { type: 'seen', userId: 'id-ada', at: at(m), present: true }],
    });
    const path = spoolPath();
    const first = write(0, [
      { type: 'interval.open', userId: 'id-ada', status: 'available', startedAt: at(0) },
      { type: 'session.open', userId: 'id-ada', startedAt: at(0) },
    ]);
    writeFileSync(
      path,
      `${serialize({ seq: 0, write: first })}\n${serialize({ seq: 1, write: write(1, []) })}\n{"seq":2,"wri`,
    );
    const { logger, lines } = recordingLogger();
    const clock = manualClock(at(30));
    const t = createTracker({
      provider: provider(clock),
      store,
      users: ['ada'],
      clock,
      logger,
      spool: { path },
    });
    await t.runOnce();
    expect(lines.some((l) => l.level === 'warn' && /cut short/.test(l.msg))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('');
    // Recovery ran after the replay: the old run ends at its last replayed poll, ada's session too.
    const runs = await store.runs(all);
    expect(runs[0]).toMatchObject({ id: run.id, endedAt: at(1) });
    const [session] = await store.sessions(all);
    expect(session).toMatchObject({ endReason: 'recovered', endedAt: at(1), lastSeenAt: at(1) });
    await t.stop();
  });

  test('a held write the store refuses as STORE_CONFLICT is dropped from the spool, later ones still land', async () => {
    const store = memoryStore();
    const run = await store.startRun(at(0));
    const path = spoolPath();
    const conflicting: PollWrite = {
      runId: run.id,
      at: at(1),
      samples: [],
      effects: [{ type: 'interval.close', userId: 'id-ada', endedAt: at(1) }],
    };
    const good: PollWrite = {
      runId: run.id,
      at: at(2),
      samples: [{ userId: 'id-ada', status: 'busy', observedAt: at(2) }],
      effects: [{ type: 'interval.open', userId: 'id-ada', status: 'busy', startedAt: at(2) }],
    };
    writeFileSync(
      path,
      `${serialize({ seq: 0, write: conflicting })}\n${serialize({ seq: 1, write: good })}\n`,
    );
    const clock = manualClock(at(3));
    const t = createTracker({ provider: provider(clock), store, users: ['ada'], clock, spool: { path } });
    const errors: Error[] = [];
    t.on('error', (e) => errors.push(e));
    await t.runOnce();
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['STORE_CONFLICT']);
    expect(readFileSync(path, 'utf8')).toBe('');
    expect((await store.samples(all)).map((s) => s.observedAt)).toEqual([at(2), at(3)]);
    await t.stop();
  });

  test('a held write for a run the store does not know (its database was replaced) is dropped with a warning', async () => {
    const path = spoolPath();
    const orphan: PollWrite = {
      runId: 'run-of-another-database',
      at: at(1),
      samples: [{ userId: 'id-ada', status: 'busy', observedAt: at(1) }],
      effects: [{ type: 'interval.open', userId: 'id-ada', status: 'busy', startedAt: at(1) }],
    };
    writeFileSync(path, `${serialize({ seq: 0, write: orphan })}\n`);
    const { logger, lines } = recordingLogger();
    const clock = manualClock(at(3));
    const store = memoryStore();
    const t = createTracker({
      provider: provider(clock),
      store,
      users: ['ada'],
      clock,
      logger,
      spool: { path },
    });
    await t.runOnce();
    expect(lines.some((l) => l.level === 'warn' && /does not know/.test(l.msg))).toBe(true);
    expect((await store.samples(all)).map((s) => s.observedAt)).toEqual([at(3)]);
    await t.stop();
  });

  test('two trackers never share one spool: the second takes the next free one of its family', async () => {
    const path = spoolPath();
    const clock = manualClock(at(0));
    const options = { provider: provider(clock), users: ['ada'], clock, spool: { path } };
    const one = createTracker({ ...options, store: outageStore() });
    const twoStore = outageStore();
    const two = createTracker({ ...options, store: twoStore });
    two.on('error', () => {});
    await one.runOnce();
    twoStore.down = true;
    await two.runOnce();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(readFileSync(`${path}.2`, 'utf8').trim().split('\n')).toHaveLength(1);
    await one.stop();
    await expect(two.stop()).rejects.toThrow('connection lost');
    // Both let go: the locks are gone and a new tracker takes the first spool again.
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(existsSync(`${path}.2.lock`)).toBe(false);
  });
});

describe('events follow the write', () => {
  test('listeners and direct notifiers hear of a session only once its write is in the store', async () => {
    const store = outageStore();
    const clock = manualClock(at(0));
    let status: PresenceSample['status'] = 'available';
    const delivered: TrackerEvent[] = [];
    const direct: Notifier = {
      name: 'direct',
      events: ['run.started', 'session.started', 'session.ended'],
      async deliver(event) {
        delivered.push(event);
      },
    };
    const t = createTracker({
      provider: provider(clock, () => status),
      store,
      users: ['ada'],
      clock,
      notifiers: [direct],
    });
    t.on('error', () => {});
    const heard: string[] = [];
    t.on('session:start', (s) => heard.push(`start ${s.startedAt.toISOString()}`));
    t.on('session:end', (s) => heard.push(`end ${s.reason}`));
    store.down = true;
    await t.runOnce();
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual([]);
    expect(delivered.map((e) => e.type)).toEqual(['run.started']);
    store.down = false;
    clock.set(at(1));
    status = 'offline';
    await t.runOnce();
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toEqual([`start ${at(0).toISOString()}`, 'end offline']);
    expect(delivered.map((e) => e.type)).toEqual(['run.started', 'session.started', 'session.ended']);
    await t.stop();
  });
});
