import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, silentLogger } from '@presence-tracker/core';
import { type FakeZoom, makeUsers, startFakeZoom } from '@presence-tracker/provider-zoom/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { configFromEnv, run } from './main.ts';

let zoom: FakeZoom;
let dir: string;
beforeAll(async () => {
  zoom = await startFakeZoom({ users: makeUsers(12) });
  dir = await mkdtemp(join(tmpdir(), 'zoom-tracker-'));
});
afterAll(async () => {
  await zoom?.close();
  await rm(dir, { recursive: true, force: true });
});

test('one run, as from cron, stores a reading of every active user', async () => {
  const database = join(dir, 'presence.db');
  const env = {
    ZOOM_ACCOUNT_ID: zoom.accountId,
    ZOOM_CLIENT_ID: zoom.clientId,
    ZOOM_CLIENT_SECRET: zoom.clientSecret,
    ZOOM_BASE_URL: zoom.url,
    ZOOM_OAUTH_URL: zoom.oauthUrl,
    DATABASE: database,
  };
  const result = await run(configFromEnv(env), { logger: silentLogger });
  expect(result).toMatchObject({ samples: 12 });
  const store = sqliteStore({ path: database });
  try {
    await store.init();
    const users = await store.users();
    expect(users.map((u) => u.email).sort()).toEqual(zoom.users.map((u) => u.email).sort());
  } finally {
    await store.close();
  }
});

test('a missing credential is named, the secret never echoed', () => {
  expect(() => configFromEnv({ ZOOM_CLIENT_SECRET: 'hush-123', ZOOM_PLAN: 'gold' })).toThrowError(
    ConfigError,
  );
  try {
    configFromEnv({ ZOOM_CLIENT_SECRET: 'hush-123', ZOOM_PLAN: 'gold' });
  } catch (error) {
    const issues = (error as ConfigError).issues.map((i) => i.path);
    expect(issues).toEqual(['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_PLAN']);
    expect(JSON.stringify(error)).not.toContain('hush-123');
  }
});
