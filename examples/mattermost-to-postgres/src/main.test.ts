import { ConfigError, silentLogger } from '@presence-tracker/core';
import { type FakeServer, makeData, startFakeServer } from '@presence-tracker/provider-mattermost/testing';
import { postgresStore } from '@presence-tracker/store-postgres';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../../packages/store-postgres/src/testing/server.ts';
import { configFromEnv, run } from './main.ts';

let mattermost: FakeServer;
let postgres: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  [mattermost, postgres] = await Promise.all([
    startFakeServer(makeData({ users: 20, channels: 4, teams: 2 })),
    startTestServer(),
  ]);
  const pg = new URL(postgres.connectionString);
  env = {
    MM_URL: mattermost.url,
    MM_USER: 'tracker',
    MM_PASSWORD: 'secret-pw',
    PG_HOST: pg.hostname,
    PG_PORT: pg.port || '5432',
    PG_USER: decodeURIComponent(pg.username),
    PG_PASSWORD: decodeURIComponent(pg.password),
    PG_DB: pg.pathname.slice(1),
    API_DELAY: '0.01',
  };
});

afterAll(async () => {
  await mattermost?.close();
  await postgres?.dispose();
});

test('one run, as from cron, puts every visible user into channel_user_status', async () => {
  const result = await run(configFromEnv(env), { logger: silentLogger });
  expect(result).toMatchObject({ samples: 21 });

  const store = postgresStore({ connectionString: configFromEnv(env).connectionString });
  try {
    const { rows } = await store.pool.query<{
      team_name: string;
      channel_id: string;
      channel_name: string;
      username: string;
      status: string;
    }>(
      `select team_name, channel_id, channel_name, username, status from ${store.schema}.channel_user_status`,
    );
    const memberships = mattermost.data.channels.reduce((n, c) => n + c.members.length, 0);
    expect(rows).toHaveLength(memberships);
    const channel = mattermost.data.channels[0]!;
    const team = mattermost.data.teams.find((t) => t.id === channel.teamId)!;
    const member = mattermost.data.users.find(
      (u) => u.id !== mattermost.data.me && channel.members.includes(u.id),
    )!;
    const row = rows.find((r) => r.username === member.username && r.channel_id === channel.id);
    expect(row).toEqual({
      team_name: team.displayName,
      channel_id: channel.id,
      channel_name: channel.displayName,
      username: member.username,
      status: member.status,
    });
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['online', 'away', 'dnd', 'offline', 'ooo']));
  } finally {
    await store.close();
  }
});

test('with --watch it keeps polling until stopped', async () => {
  const stop = new AbortController();
  let polls = 0;
  const logger = {
    ...silentLogger,
    info: (_fields: Record<string, unknown>, message?: string) => {
      if (message === 'poll done') polls++;
      if (polls >= 2) stop.abort();
    },
  };
  const result = await run(
    { ...configFromEnv(env), pollSeconds: 0.2 },
    { watch: true, signal: stop.signal, logger },
  );
  expect(polls).toBeGreaterThanOrEqual(2);
  expect(result?.samples).toBe(21);
});

test('names every missing or wrong variable and never echoes a password', () => {
  let error: unknown;
  try {
    configFromEnv({
      MM_URL: 'https://chat.example.com',
      MM_PASSWORD: 'hunter2',
      PG_PORT: 'x',
      API_DELAY: '-1',
    });
  } catch (e) {
    error = e;
  }
  expect(ConfigError.isInstance(error)).toBe(true);
  expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
    'MM_USER',
    'PG_HOST',
    'PG_PORT',
    'PG_USER',
    'PG_DB',
    'API_DELAY',
  ]);
  expect((error as Error).message).not.toContain('hunter2');
  expect(configFromEnv({ ...env, MM_TOKEN: 'abc' }).mattermost).toEqual({ url: env.MM_URL, token: 'abc' });
  expect(configFromEnv({ ...env, PG_PASSWORD: 'p@ss:w/rd' }).connectionString).toContain('p%40ss%3Aw%2Frd');
});
