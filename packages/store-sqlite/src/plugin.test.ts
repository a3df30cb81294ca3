import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigError, silentLogger } from '@presence-tracker/core';
import { validatePluginOptions } from '@presence-tracker/core/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE, sqlite } from './plugin.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pt-sqlite-plugin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const context = (extra = {}) => ({
  baseDir: dir,
  env: {},
  logger: silentLogger,
  clock: { now: () => new Date() },
  ...extra,
});

describe('the sqlite plugin', () => {
  it("puts the file beside the configuration by default, and relative paths from the configuration's folder", async () => {
    const defaults = await validatePluginOptions(sqlite, {}, 'store');
    expect(defaults).toEqual({ path: DEFAULT_DATABASE });
    expect(sqlite.describe?.(defaults, { baseDir: dir })).toBe(`sqlite ${join(dir, DEFAULT_DATABASE)}`);

    const nested = await validatePluginOptions(sqlite, { path: 'data/deep/x.db' }, 'store');
    const store = await sqlite.create(nested, context());
    await store.init();
    await store.close();
    expect(existsSync(join(dir, 'data/deep/x.db'))).toBe(true);
  });

  it('creates no folder for a reader', async () => {
    const options = await validatePluginOptions(sqlite, { path: 'absent/x.db' }, 'store');
    await expect(async () => {
      const store = await sqlite.create(options, context({ readOnly: true }));
      await store.init();
    }).rejects.toThrow();
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  });

  it('checks its options by path', async () => {
    const error = (await validatePluginOptions(sqlite, { keepSamples: { days: 0 }, pth: 'x' }, 'store').catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.issues.map((i) => i.path).sort()).toEqual(['store.keepSamples.days', 'store.pth']);
    expect(error.issues.find((i) => i.path === 'store.pth')!.message).toMatch(/did you mean path\?/);
  });
});
