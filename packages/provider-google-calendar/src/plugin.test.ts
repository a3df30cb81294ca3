import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock, silentLogger } from '@presence-tracker/core';
import { validatePluginOptions } from '@presence-tracker/core/config';
import { expect, test } from 'vitest';
import plugin, { plugin as named } from './index.ts';
import { startFakeCalendar } from './testing/index.ts';

test('the google-calendar plugin checks its options, reads keyFile from the configuration folder, and uses the context clock', async () => {
  expect(named).toBe(plugin);
  expect([plugin.kind, plugin.name]).toEqual(['provider', 'google-calendar']);
  await expect(
    validatePluginOptions(plugin, { keyFile: 'key.json', outOfOfficeEvery: -1 }, 'provider'),
  ).rejects.toMatchObject({ issues: [{ path: 'provider.outOfOfficeEvery' }] });

  const clock = manualClock(Date.UTC(2026, 2, 2, 9, 0));
  const google = await startFakeCalendar({
    clock,
    calendars: { 'ada@example.com': [{ start: '2026-03-02T08:30:00Z', end: '2026-03-02T09:30:00Z' }] },
  });
  const dir = mkdtempSync(join(tmpdir(), 'google-calendar-plugin-'));
  try {
    writeFileSync(join(dir, 'key.json'), JSON.stringify(google.serviceAccount));
    const options = await validatePluginOptions(
      plugin,
      { keyFile: 'key.json', subject: 'admin@example.com', baseUrl: google.url },
      'provider',
    );
    const provider = await plugin.create(options, { baseDir: dir, env: {}, logger: silentLogger, clock });
    const [sample] = await provider.getPresence(['ada@example.com']);
    expect(sample).toMatchObject({
      status: 'busy',
      observedAt: clock.now(),
      validUntil: new Date('2026-03-02T09:30:00Z'),
    });
    await provider.close?.();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await google.close();
  }
});
