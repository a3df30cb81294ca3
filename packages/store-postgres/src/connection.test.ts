import { ConfigError, manualClock, StoreError } from '@presence-tracker/core';
import { advancingSleep } from '@presence-tracker/core/resilience';
import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY, withRetry } from './connection.ts';
import { postgresStore } from './postgres-store.ts';
import { startTestServer } from './testing/server.ts';

// Nothing listens on port 1: every connection is refused at once, as when the server is down.
const UNREACHABLE = 'postgres://someone:hunter2-secret@127.0.0.1:1/db';

function seams() {
  const clock = manualClock('2026-03-03T09:00:00Z');
  return { clock, sleep: advancingSleep(clock) };
}

/** Checks each wait against its cap before jitter: between half and all of it. */
function expectSchedule(waits: number[], caps: number[]) {
  expect(waits).toHaveLength(caps.length);
  waits.forEach((w, i) => {
    expect(w).toBeGreaterThanOrEqual(caps[i]! / 2);
    expect(w).toBeLessThanOrEqual(caps[i]!);
  });
}

const DEFAULT_CAPS = [250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000];

describe('the connection retry', () => {
  test('by default tries 10 times, backing off from 250 ms to 5 s: 14 to 28 s in all', async () => {
    const { clock, sleep } = seams();
    const warnings: unknown[] = [];
    const store = postgresStore({
      connectionString: UNREACHABLE,
      sleep,
      logger: { debug() {}, info() {}, error() {}, warn: (fields) => warnings.push(fields) },
    });
    const start = clock.now().getTime();
    const error = await store.users().catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toContain('could not be reached after 10 attempts');
    expect((error as StoreError).message).toContain('ECONNREFUSED');
    expect((error as StoreError).message).not.toContain('hunter2');
    expectSchedule(sleep.waits, DEFAULT_CAPS);
    const total = clock.now().getTime() - start;
    expect(total).toBeGreaterThanOrEqual(27_750 / 2);
    expect(total).toBeLessThanOrEqual(27_750);
    // Each retry is logged with the attempt that failed and the wait (the first call opens the store),
    // never the password.
    expect(warnings).toHaveLength(9);
    expect(warnings[0]).toMatchObject({ operation: 'init', attempt: 1, retryInMs: sleep.waits[0] });
    expect(JSON.stringify(warnings)).not.toContain('hunter2');
    await store.close();
  });

  test('takes attempts, baseDelay and maxDelay, and false tries once', async () => {
    const { sleep } = seams();
    const store = postgresStore({
      connectionString: UNREACHABLE,
      retry: { attempts: 4, baseDelay: 100, maxDelay: 300 },
      sleep,
    });
    await expect(store.users()).rejects.toThrow('could not be reached after 4 attempts');
    expectSchedule(sleep.waits, [100, 200, 300]);
    await store.close();

    const once = seams();
    const single = postgresStore({ connectionString: UNREACHABLE, retry: false, sleep: once.sleep });
    await expect(single.users()).rejects.toThrow('could not be reached after 1 attempt (');
    expect(once.sleep.waits).toEqual([]);
    await single.close();
  });

  test('still takes minDelay, the old name of baseDelay, and says so in the log', async () => {
    const { sleep } = seams();
    const warnings: string[] = [];
    const store = postgresStore({
      connectionString: UNREACHABLE,
      retry: { attempts: 3, minDelay: 40, maxDelay: 1_000 },
      sleep,
      logger: { debug() {}, info() {}, error() {}, warn: (_f, message) => warnings.push(message ?? '') },
    });
    expect(warnings).toContain('retry.minDelay is deprecated: call it retry.baseDelay');
    await expect(store.users()).rejects.toThrow('after 3 attempts');
    expectSchedule(sleep.waits, [40, 80]);
    await store.close();
  });

  test('refuses a bad retry option, naming the field', () => {
    const bad = (retry: unknown) => () =>
      postgresStore({ connectionString: UNREACHABLE, retry: retry as never });
    expect(bad({ attempts: 0 })).toThrow(ConfigError);
    expect(bad({ attempts: 1.5 })).toThrow('retry.attempts');
    expect(bad({ baseDelay: -1 })).toThrow('retry.baseDelay');
    expect(bad({ retries: 3 })).toThrow('retry.retries');
    expect(bad({ baseDelay: 10, minDelay: 10 })).toThrow('retry.minDelay: expected baseDelay alone');
    expect(bad({ baseDelay: 500, maxDelay: 100 })).toThrow('retry.maxDelay');
  });
});

describe('withRetry', () => {
  const retry = () => ({ ...DEFAULT_RETRY, ...seams() });
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  test('tries again while the server is away, and returns once it answers', async () => {
    const r = retry();
    let calls = 0;
    const result = await withRetry(
      'users',
      r,
      silent,
      async () => {
        if (++calls < 4) throw refused();
        return 'rows';
      },
      () => false,
    );
    expect(result).toBe('rows');
    expect(calls).toBe(4);
    expectSchedule(r.sleep.waits, DEFAULT_CAPS.slice(0, 3));
  });

  test('fails at once, as a StoreError, when the work itself is wrong', async () => {
    const r = retry();
    let calls = 0;
    const wrong = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    const error = await withRetry(
      'users',
      r,
      silent,
      async () => {
        calls++;
        throw wrong;
      },
      () => false,
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(r.sleep.waits).toEqual([]);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toBe('users failed: relation "x" does not exist; code 42P01');
  });

  test('stops trying once the store is closed', async () => {
    const r = retry();
    let calls = 0;
    let closed = false;
    const error = await withRetry(
      'users',
      r,
      silent,
      async () => {
        if (++calls === 2) closed = true;
        throw refused();
      },
      () => closed,
    ).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(r.sleep.waits).toHaveLength(1);
    expect((error as StoreError).message).toContain('could not be reached after 2 attempts');
  });
});

describe("a failure's details", () => {
  test("Node's error codes are no SQLSTATE: a certificate file that is not there has none", async () => {
    const store = postgresStore({
      connectionString: 'postgres://someone:hunter2-secret@127.0.0.1:1/db?sslrootcert=/no/such/root.crt',
      retry: false,
    });
    const error = (await store.users().catch((e: unknown) => e)) as StoreError;
    expect(StoreError.isInstance(error)).toBe(true);
    expect(error.message).toContain('code ENOENT');
    expect(error.details).toEqual({ operation: 'init' });
    expect(error.message).not.toContain('hunter2');
    await store.close();
  });

  test("the server's errors keep their SQLSTATE", async () => {
    const server = await startTestServer();
    try {
      const url = new URL(server.connectionString);
      url.pathname = '/no_such_database';
      const store = postgresStore({ connectionString: url.href, retry: false });
      const error = (await store.users().catch((e: unknown) => e)) as StoreError;
      expect(error.details).toEqual({ operation: 'init', sqlState: '3D000' });
      expect(error.message).toContain('no_such_database');
      await store.close();
    } finally {
      await server.dispose();
    }
  }, 120_000);
});
