import { ConfigError, loadConfig, silentLogger, systemClock } from '@presence-tracker/core';
import { startFakeCalendar } from '@presence-tracker/provider-google-calendar/testing';
import { expect, it } from 'vitest';
import { BUILTIN_PLUGINS, DEFAULT_STORE } from './plugins.ts';

it('a configuration names the built-in google-calendar provider, its key from the environment', async () => {
  const google = await startFakeCalendar({
    calendars: { 'ada@example.com': [], 'grace@example.com': [] },
  });
  try {
    const key = JSON.stringify(google.serviceAccount);
    const env = { GOOGLE_SERVICE_ACCOUNT: key };
    const config = await loadConfig(
      {
        provider: {
          type: 'google-calendar',
          credentials: { env: 'GOOGLE_SERVICE_ACCOUNT' },
          subject: 'admin@example.com',
          baseUrl: google.url,
        },
        users: ['ada@example.com', 'grace@example.com'],
      },
      { plugins: BUILTIN_PLUGINS, defaultStore: DEFAULT_STORE, env },
    );
    const provider = await config.plugins.provider.create({
      baseDir: config.baseDir,
      env,
      logger: silentLogger,
      clock: systemClock,
    });
    const { resolved } = await provider.resolveUsers(['ada@example.com', 'grace@example.com']);
    const samples = await provider.getPresence(resolved.map((u) => u.id));
    expect(samples.map((s) => s.status)).toEqual(['available', 'available']);
    await provider.close?.();

    const refused = await loadConfig(
      { provider: { type: 'google-calendar', credentials: key, lookAhead: 'long' } },
      { plugins: BUILTIN_PLUGINS, defaultStore: DEFAULT_STORE, env },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(ConfigError.isInstance(refused)).toBe(true);
    expect((refused as ConfigError).issues.map((i) => i.path)).toContain('provider.lookAhead');
    expect(JSON.stringify(refused)).not.toContain('PRIVATE KEY');
  } finally {
    await google.close();
  }
});
