import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderError } from '@presence-tracker/core';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { graphProvider } from './index.ts';
import { type FakeGraph, makeUsers, startFakeGraph } from './testing/fake-graph.ts';
import { type FakeIdentity, startFakeIdentity } from './testing/fake-identity.ts';
import { testCertificate, trustTestCertificate } from './testing/tls.ts';

const CLIENT_ID = '3f1c4a6e-1111-4222-8333-444455556666';
const SECRET = 'not-a-real-secret~0123456789';
const TENANT = 'contoso-tenant';
const ONE = '00000000-0000-4000-8000-000000000001';
const fast = { attempts: 2, baseDelay: 5, maxDelay: 20 };

let graph: FakeGraph;
let identity: FakeIdentity;
let dirs: string[] = [];

beforeAll(() => trustTestCertificate());
beforeEach(async () => {
  graph = await startFakeGraph({ users: makeUsers(3) });
  identity = await startFakeIdentity({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    username: 'adele@contoso.com',
  });
});
afterEach(async () => {
  await graph.close();
  await identity.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

const authority = () => ({ authorityHost: identity.url, disableInstanceDiscovery: true });

describe('client secret', () => {
  const provider = (clientSecret = SECRET) =>
    graphProvider({
      auth: { mode: 'clientSecret', tenantId: TENANT, clientId: CLIENT_ID, clientSecret, ...authority() },
      baseUrl: graph.url,
      retry: fast,
      timeout: 5_000,
    });

  test('the real ClientSecretCredential gets a token from the authority host and Graph receives it', async () => {
    const samples = await provider().getPresence([ONE]);
    expect(samples).toHaveLength(1);
    expect(identity.tokenRequests).toMatchObject([
      {
        tenant: TENANT,
        grantType: 'client_credentials',
        clientId: CLIENT_ID,
        proof: 'secret',
        scope: `${graph.url}/.default`,
      },
    ]);
    expect(graph.requests.map((r) => r.authorization)).toEqual(['Bearer at-1']);
  });

  test('keeps the token between polls', async () => {
    const p = provider();
    await p.getPresence([ONE]);
    await p.getPresence([ONE]);
    expect(identity.tokenRequests).toHaveLength(1);
  });

  test('after a 401 the credential fetches a new token past its own cache, and the request is retried once', async () => {
    graph.rejectTokens.add('at-1');
    const samples = await provider().getPresence([ONE]);
    expect(samples).toHaveLength(1);
    expect(identity.tokenRequests.map((r) => r.issued)).toEqual(['at-1', 'at-2']);
    expect(identity.tokenRequests[1]!.claims).toBeDefined();
    expect(graph.requests.map((r) => r.authorization)).toEqual(['Bearer at-1', 'Bearer at-2']);
  });

  test("a wrong secret is PROVIDER_AUTH carrying the authority's reason, never the secret", async () => {
    const wrong = 'wrong-secret~abcdefghijklmnop';
    const error = (await provider(wrong)
      .getPresence([ONE])
      .catch((e: unknown) => e)) as ProviderError;
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(error.message).toMatch(/AADSTS7000215/);
    expect(error.message).not.toContain(wrong);
    expect(graph.requests).toHaveLength(0);
  });
});

test('client certificate: the real ClientCertificateCredential proves the app with a signed assertion', async () => {
  const p = graphProvider({
    auth: {
      mode: 'clientCertificate',
      tenantId: TENANT,
      clientId: CLIENT_ID,
      certificatePath: testCertificate.combinedPath,
      ...authority(),
    },
    baseUrl: graph.url,
    retry: fast,
    timeout: 5_000,
  });
  expect(await p.getPresence([ONE])).toHaveLength(1);
  expect(identity.tokenRequests).toMatchObject([{ grantType: 'client_credentials', proof: 'assertion' }]);
  expect(graph.requests[0]!.authorization).toBe('Bearer at-1');
});

describe('device code', () => {
  const provider = (dir: string, onDeviceCode: (m: string) => void, loginHint = 'adele@contoso.com') =>
    graphProvider({
      auth: {
        mode: 'deviceCode',
        tenantId: TENANT,
        clientId: CLIENT_ID,
        loginHint,
        tokenCacheDir: dir,
        onDeviceCode: (info) => onDeviceCode(info.message),
        ...authority(),
      },
      baseUrl: graph.url,
      retry: fast,
      timeout: 5_000,
    });

  test('signs in once; a restarted provider reuses the kept tokens without asking again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graph-tokens-'));
    dirs.push(dir);
    const prompts: string[] = [];
    expect(await provider(dir, (m) => prompts.push(m)).getPresence([ONE])).toHaveLength(1);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/enter the code/);
    expect(identity.deviceCodeRequests).toBe(1);
    expect(identity.tokenRequests[0]).toMatchObject({ grantType: 'device_code', proof: 'none' });
    expect(identity.tokenRequests[0]!.scope).toContain(`${graph.url}/Presence.Read.All`);

    const files = await readdir(dir);
    expect(files.some((f) => f.endsWith('.account.json'))).toBe(true);
    expect(files.some((f) => f.includes('.tokens.json'))).toBe(true);
    for (const f of files) expect((await stat(join(dir, f))).mode & 0o077).toBe(0);

    // A new provider stands for a restarted process: nothing in memory, only the files.
    expect(await provider(dir, (m) => prompts.push(m)).getPresence([ONE])).toHaveLength(1);
    expect(prompts).toHaveLength(1);
    expect(identity.deviceCodeRequests).toBe(1);
    // The access token itself came back from the file: no call to the token endpoint at all.
    expect(identity.tokenRequests).toHaveLength(1);
    expect(graph.requests.every((r) => r.authorization?.startsWith('Bearer at-'))).toBe(true);
  });

  test('refuses an account other than loginHint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graph-tokens-'));
    dirs.push(dir);
    await expect(
      provider(dir, () => {}, 'someone.else@contoso.com').getPresence([ONE]),
    ).rejects.toMatchObject({
      code: 'PROVIDER_AUTH',
      message: expect.stringMatching(/signed in as adele@contoso\.com/),
    });
    expect(graph.requests).toHaveLength(0);
  });
});
