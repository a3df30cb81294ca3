import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigError } from '@presence-tracker/core';
import { validatePluginOptions } from '@presence-tracker/core/config';
import { describe, expect, it } from 'vitest';
import { graph, graphAuth } from './plugin.ts';
import { testCertificate } from './testing/tls.ts';

const refusedHere = (): never => {
  throw new Error('expected the options to be refused');
};

describe('graphAuth', () => {
  it("signs a person in with a device code from a params.json's authority and login", () => {
    expect(
      graphAuth({
        clientId: 'app',
        authority: 'https://login.microsoftonline.com/organizations',
        loginHint: 'boss@example.com',
      }),
    ).toEqual({
      mode: 'deviceCode',
      clientId: 'app',
      tenantId: 'organizations',
      loginHint: 'boss@example.com',
      authorityHost: 'https://login.microsoftonline.com',
    });
  });

  it('uses app-only sign-in with a secret or a certificate', () => {
    expect(graphAuth({ clientId: 'app', tenantId: 't', clientSecret: 's' })).toEqual({
      mode: 'clientSecret',
      tenantId: 't',
      clientId: 'app',
      clientSecret: 's',
    });
    expect(graphAuth({ clientId: 'app', tenantId: 't', certificatePath: '/c.pem' })).toMatchObject({
      mode: 'clientCertificate',
      certificatePath: '/c.pem',
    });
  });

  it("skips Microsoft's authority check for a host that is not Microsoft's", () => {
    expect(graphAuth({ clientId: 'app', authority: 'https://login.example.org/t' })).toMatchObject({
      authorityHost: 'https://login.example.org',
      tenantId: 't',
      disableInstanceDiscovery: true,
    });
  });
});

describe('the graph plugin', () => {
  it('checks its options by path, sign-in fields together, without echoing the secret', async () => {
    const error = await validatePluginOptions(
      graph,
      { clientId: 'c', clientSecret: 'sup3r', certificatePath: 'c.pem', retry: { retries: 1 } },
      'provider',
    ).then(refusedHere, (e: unknown) => e as ConfigError);
    // The misspelt retry field is told with the sign-in rules, not instead of them.
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'provider.certificatePath',
      'provider.retry.retries',
      'provider.tenantId',
    ]);
    const pair = await validatePluginOptions(
      graph,
      { clientId: 'c', clientSecret: 'sup3r', certificatePath: 'c.pem' },
      'provider',
    ).then(refusedHere, (e: unknown) => e as ConfigError);
    expect(pair.issues.map((i) => i.path).sort()).toEqual(['provider.certificatePath', 'provider.tenantId']);
    expect(pair.message).not.toContain('sup3r');
  });

  it("resolves the certificate and token cache from the configuration's folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-graph-plugin-'));
    const options = await validatePluginOptions(
      graph,
      { clientId: 'c', loginHint: 'a@example.com', tokenCacheDir: 'tokens' },
      'provider',
    );
    const provider = await graph.create(options, {
      baseDir: dir,
      env: {},
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      clock: { now: () => new Date() },
    });
    expect(provider.name).toBe('graph');
    await provider.close?.();
  });

  it('reads push.certificatePath and privateKeyPath from the configuration folder for rich notifications', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-graph-push-'));
    await writeFile(join(dir, 'cert.pem'), testCertificate.cert);
    await writeFile(join(dir, 'key.pem'), testCertificate.key);
    const push = {
      notificationUrl: 'https://tracker.example.com/push',
      clientState: 'state',
      certificatePath: 'cert.pem',
      privateKeyPath: 'key.pem',
    };
    const options = await validatePluginOptions(graph, { clientId: 'c', push }, 'provider');
    const provider = await graph.create(options, {
      baseDir: dir,
      env: {},
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      clock: { now: () => new Date() },
    });
    expect(provider.push?.urls).toEqual(['https://tracker.example.com/push']);
    await provider.close?.();
    const half = await validatePluginOptions(
      graph,
      { clientId: 'c', push: { ...push, privateKeyPath: undefined } },
      'provider',
    ).then(refusedHere, (e: unknown) => e as ConfigError);
    expect(half.issues.map((i) => i.path)).toEqual(['provider.push.privateKeyPath']);
  });
});
