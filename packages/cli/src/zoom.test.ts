import { ConfigError, loadConfig, silentLogger, systemClock } from '@presence-tracker/core';
import { makeUsers, startFakeZoom } from '@presence-tracker/provider-zoom/testing';
import { expect, it } from 'vitest';
import { BUILTIN_PLUGINS, DEFAULT_STORE } from './plugins.ts';

const SECRET = 'zoom-s3cret-from-env';

it('a configuration names the built-in zoom provider, its secret from the environment', async () => {
  const zoom = await startFakeZoom({ users: makeUsers(3), clientSecret: SECRET });
  try {
    const env = { ZOOM_SECRET: SECRET };
    const config = await loadConfig(
      {
        provider: {
          type: 'zoom',
          accountId: zoom.accountId,
          clientId: zoom.clientId,
          clientSecret: { env: 'ZOOM_SECRET' },
          baseUrl: zoom.url,
          oauthUrl: zoom.oauthUrl,
        },
        users: 'discover',
      },
      { plugins: BUILTIN_PLUGINS, defaultStore: DEFAULT_STORE, env },
    );
    const provider = await config.plugins.provider.create({
      baseDir: config.baseDir,
      env,
      logger: silentLogger,
      clock: systemClock,
    });
    const users = await provider.discoverUsers!();
    expect(await provider.getPresence(users.map((u) => u.id))).toHaveLength(3);
    await provider.close?.();

    const refused = await loadConfig(
      { provider: { type: 'zoom', accountId: 'a', clientId: 'c', clientSecret: SECRET, plan: 'gold' } },
      { plugins: BUILTIN_PLUGINS, defaultStore: DEFAULT_STORE, env },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(ConfigError.isInstance(refused)).toBe(true);
    expect((refused as ConfigError).issues.map((i) => i.path)).toContain('provider.plan');
    expect(JSON.stringify(refused)).not.toContain(SECRET);
  } finally {
    await zoom.close();
  }
});
