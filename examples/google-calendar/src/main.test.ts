import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, silentLogger } from '@presence-tracker/core';
import { type FakeCalendar, startFakeCalendar } from '@presence-tracker/provider-google-calendar/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { configFromEnv, replayDay, run } from './main.ts';

let google: FakeCalendar;
let dir: string;
beforeAll(async () => {
  const now = Date.now();
  google = await startFakeCalendar({
    calendars: {
      'ada@example.com': [{ start: new Date(now - 3_600_000), end: new Date(now + 3_600_000) }],
      'grace@example.com': [],
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'google-calendar-'));
});
afterAll(async () => {
  await google?.close();
  await rm(dir, { recursive: true, force: true });
});

test('one run, as from cron, stores a reading of every person from the key file', async () => {
  const database = join(dir, 'presence.db');
  const keyFile = join(dir, 'service-account.json');
  await writeFile(keyFile, JSON.stringify(google.serviceAccount));
  const env = {
    GOOGLE_SERVICE_ACCOUNT_FILE: keyFile,
    GOOGLE_SUBJECT: 'admin@example.com',
    GOOGLE_USERS: 'ada@example.com, grace@example.com',
    GOOGLE_BASE_URL: google.url,
    DATABASE: database,
  };
  const result = await run(configFromEnv(env), { logger: silentLogger });
  expect(result).toMatchObject({ samples: 2 });
  const store = sqliteStore({ path: database, readOnly: true });
  try {
    await store.init();
    const intervals = await store.intervals({ from: new Date(0), to: new Date(Date.now() + 86_400_000) });
    expect(intervals.map((i) => [i.userId, i.status]).sort()).toEqual([
      ['ada@example.com', 'busy'],
      ['grace@example.com', 'available'],
    ]);
  } finally {
    await store.close();
  }
});

test('a replayed day polls when calendars change, not every minute, and gets every change', async () => {
  const { polls, intervals, requests } = await replayDay(silentLogger);
  // Changes at 09:00, 10:30, 11:00, 12:00, 13:00, 14:00, 16:00 and 17:30, and at most an hour apart.
  expect(polls).toBeLessThan(20);
  expect(requests.freeBusy).toBe(polls + 1);
  const of = (person: string) =>
    intervals.filter((i) => i.person === person).map((i) => `${i.status} ${i.from}-${i.to}`);
  expect(of('ada@example.com')).toEqual([
    'available 08:00-09:00',
    'busy 09:00-10:30',
    'available 10:30-13:00',
    'busy 13:00-14:00',
    'available 14:00-18:00',
  ]);
  expect(of('grace@example.com')).toEqual(['offline 08:00-18:00']);
  expect(of('linus@example.com')).toEqual([
    'available 08:00-11:00',
    'busy 11:00-12:00',
    'available 12:00-16:00',
    'busy 16:00-17:30',
    'available 17:30-18:00',
  ]);
});

test('a missing key or list of people is named, the key never echoed', () => {
  try {
    configFromEnv({
      GOOGLE_SERVICE_ACCOUNT_JSON: '{"private_key":"hush-123"}',
      GOOGLE_SERVICE_ACCOUNT_FILE: 'k.json',
    });
    expect.unreachable();
  } catch (error) {
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'GOOGLE_SERVICE_ACCOUNT_FILE',
      'GOOGLE_USERS',
    ]);
    expect(JSON.stringify(error)).not.toContain('hush-123');
  }
});
