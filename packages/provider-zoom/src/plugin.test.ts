import { manualClock, silentLogger } from '@presence-tracker/core';
import { validatePluginOptions } from '@presence-tracker/core/config';
import { expect, test } from 'vitest';
import plugin, { plugin as named } from './index.ts';
import { startFakeZoom } from './testing/index.ts';

test('the zoom plugin checks its options and builds a provider on the context clock', async () => {
  expect(named).toBe(plugin);
  expect([plugin.kind, plugin.name]).toEqual(['provider', 'zoom']);
  await expect(
    validatePluginOptions(
      plugin,
      { accountId: 'a', clientId: 'c', clientSecret: 's', plan: 'gold' },
      'provider',
    ),
  ).rejects.toMatchObject({ issues: [{ path: 'provider.plan' }] });

  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const zoom = await startFakeZoom({ clock });
  try {
    const options = await validatePluginOptions(
      plugin,
      {
        accountId: zoom.accountId,
        clientId: zoom.clientId,
        clientSecret: zoom.clientSecret,
        baseUrl: zoom.url,
        oauthUrl: zoom.oauthUrl,
      },
      'provider',
    );
    const provider = await plugin.create(options, { baseDir: '.', env: {}, logger: silentLogger, clock });
    const samples = await provider.getPresence([zoom.users[0]!.id]);
    expect(samples.map((s) => s.observedAt.getTime())).toEqual([clock.now().getTime()]);
    await provider.close?.();
  } finally {
    await zoom.close();
  }
});
