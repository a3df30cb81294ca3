import type { ConfigError } from '@presence-tracker/core';
import { validatePluginOptions } from '@presence-tracker/core/config';
import { describe, expect, it } from 'vitest';
import { mattermost } from './plugin.ts';

const refusedHere = (): never => {
  throw new Error('expected the options to be refused');
};

describe('the mattermost plugin', () => {
  it('refuses a server address that is not http or https, and a missing sign-in, at the check', async () => {
    const error = await validatePluginOptions(mattermost, { url: 'ftp://x', token: 't' }, 'provider').then(
      refusedHere,
      (e: unknown) => e as ConfigError,
    );
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'provider.url',
        message: expect.stringMatching(/^expected an http or https address/),
      }),
    ]);
    const signIn = await validatePluginOptions(
      mattermost,
      { url: 'https://chat.example.com' },
      'provider',
    ).then(refusedHere, (e: unknown) => e as ConfigError);
    expect(signIn.issues.map((i) => i.path).sort()).toEqual(['provider.loginId', 'provider.password']);
  });

  it("takes retries in core's one shape and refuses a misspelt field by its path", async () => {
    const options = await validatePluginOptions(
      mattermost,
      { url: 'https://chat.example.com', token: 't', retry: { attempts: 2, baseDelay: 10 } },
      'provider',
    );
    expect(options.retry).toEqual({ attempts: 2, baseDelay: 10 });
    const error = await validatePluginOptions(
      mattermost,
      { url: 'https://chat.example.com', token: 't', maxRetries: 3, retry: { retries: 3 } },
      'provider',
    ).then(refusedHere, (e: unknown) => e as ConfigError);
    expect(error.issues.map((i) => i.path).sort()).toEqual(['provider.maxRetries', 'provider.retry.retries']);
  });

  it('says which server it reads without the credentials', async () => {
    const options = await validatePluginOptions(
      mattermost,
      { url: 'https://chat.example.com', loginId: 'me', password: 'pw-secret', teams: ['core'] },
      'provider',
    );
    expect(mattermost.describe?.(options, { baseDir: '/' })).toBe('mattermost chat.example.com');
  });
});
