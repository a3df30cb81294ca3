import type { ConfigError } from '@presence-tracker/core';
import { validatePluginOptions } from '@presence-tracker/core/config';
import { describe, expect, it } from 'vitest';
import { postgres, postgresUrl } from './plugin.ts';

const refusedHere = (): never => {
  throw new Error('expected the options to be refused');
};

describe('postgresUrl', () => {
  it("joins the Mattermost tracker's PG_* fields, escaping what a URL cannot hold", () => {
    expect(
      postgresUrl({
        host: 'db',
        port: 5433,
        user: 'tr@cker',
        password: 'p/w:#1',
        database: 'presence',
        ssl: true,
      }),
    ).toBe('postgres://tr%40cker:p%2Fw%3A%231@db:5433/presence?sslmode=require');
    expect(postgresUrl({ host: 'db' })).toBe('postgres://db:5432');
    expect(postgresUrl({ connectionString: 'postgres://x/y' })).toBe('postgres://x/y');
  });
});

describe('the postgres plugin', () => {
  it('refuses a connection string that is not a postgres URL, and no connection at all, at the check', async () => {
    const bad = await validatePluginOptions(postgres, { connectionString: 'not-a-url' }, 'store').then(
      refusedHere,
      (e: unknown) => e as ConfigError,
    );
    expect(bad.issues).toEqual([
      expect.objectContaining({
        path: 'store.connectionString',
        message: expect.stringMatching(/^expected a postgres:\/\/ URL/),
      }),
    ]);
    const none = await validatePluginOptions(postgres, {}, 'store').then(
      refusedHere,
      (e: unknown) => e as ConfigError,
    );
    expect(none.issues.map((i) => i.path)).toEqual(['store.connectionString']);
  });

  it('says where it connects without the password', async () => {
    const options = await validatePluginOptions(
      postgres,
      { host: 'db', user: 'u', password: 'pw-secret', database: 'presence' },
      'store',
    );
    expect(postgres.describe?.(options, { baseDir: '/' })).toBe('postgres db:5432/presence');
    expect(typeof postgres.coordination).toBe('function');
  });

  it("checks retry with core's RetryOptions rules, and still takes the old minDelay", async () => {
    const retry = (r: unknown) =>
      validatePluginOptions(postgres, { host: 'db', retry: r }, 'store') as Promise<{ retry?: unknown }>;
    expect((await retry({ attempts: 3, baseDelay: 10, maxDelay: 100 })).retry).toEqual({
      attempts: 3,
      baseDelay: 10,
      maxDelay: 100,
    });
    expect((await retry({ minDelay: 10 })).retry).toEqual({ minDelay: 10 });
    expect((await retry(false)).retry).toBe(false);
    const typo = await retry({ retries: 3 }).then(refusedHere, (e: unknown) => e as ConfigError);
    expect(typo.issues.map((i) => i.path)).toEqual(['store.retry.retries']);
  });
});
