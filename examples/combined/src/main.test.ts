import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '@presence-tracker/core';
import { corePlugins } from '@presence-tracker/core/config';
import { googleCalendar } from '@presence-tracker/provider-google-calendar';
import { makeServiceAccount } from '@presence-tracker/provider-google-calendar/testing';
import { graph } from '@presence-tracker/provider-graph';
import { mattermost } from '@presence-tracker/provider-mattermost';
import { sqlite } from '@presence-tracker/store-sqlite';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from './main.ts';

const CONFIG = fileURLToPath(new URL('../presence-tracker.json', import.meta.url));
const plugins = {
  provider: {
    ...corePlugins.provider,
    graph: () => graph,
    mattermost: () => mattermost,
    'google-calendar': () => googleCalendar,
  },
  store: { ...corePlugins.store, sqlite: () => sqlite },
  notifier: corePlugins.notifier,
};
const env = {
  GRAPH_TENANT_ID: 'contoso.onmicrosoft.com',
  GRAPH_CLIENT_ID: '0f0f0f0f-1111-4222-8333-444444444444',
  GRAPH_CLIENT_SECRET: 'graph-secret-value',
  MM_URL: 'https://chat.example.com',
  MM_TOKEN: 'mm-token-value',
  USERS: 'ada@contoso.com, ben@contoso.com',
  GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify(makeServiceAccount().key),
  GOOGLE_SUBJECT: 'admin@contoso.com',
};

describe('examples/combined', () => {
  it('reads its environment, naming every missing variable without echoing secrets', () => {
    expect(configFromEnv(env).users).toEqual(['ada@contoso.com', 'ben@contoso.com']);
    let error: unknown;
    try {
      configFromEnv({ ...env, MM_TOKEN: '', USERS: ' ', POLL_SECONDS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['MM_TOKEN', 'USERS', 'POLL_SECONDS']);
    expect(JSON.stringify(error)).not.toContain('graph-secret-value');
  });

  it("its presence-tracker.json is a valid configuration for the command, the platforms' blocks checked too", async () => {
    const config = await loadConfig(CONFIG, { env, plugins });
    expect(config.plugins.provider.describe({ baseDir: config.baseDir })).toBe(
      'combine teams (graph), chat (mattermost), calendar (google-calendar)',
    );
    const error = await loadConfig(CONFIG, { env: { ...env, MM_URL: 'chat.example.com' }, plugins }).then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: unknown) => e as ConfigError,
    );
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      [
        'provider.providers.chat.url',
        'expected an http or https address such as https://chat.example.com, received a string',
      ],
    ]);
    expect(error.message + JSON.stringify(error.issues)).not.toContain('mm-token-value');
  });
});
