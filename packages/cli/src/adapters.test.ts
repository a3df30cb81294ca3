import { describe, expect, it } from 'vitest';
import { graphAuth, postgresUrl } from './adapters.ts';

describe('graphAuth', () => {
  it("signs a person in with a device code from a params.json's authority and login", () => {
    expect(
      graphAuth({
        type: 'graph',
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
    expect(graphAuth({ type: 'graph', clientId: 'app', tenantId: 't', clientSecret: 's' })).toEqual({
      mode: 'clientSecret',
      tenantId: 't',
      clientId: 'app',
      clientSecret: 's',
    });
    expect(
      graphAuth({ type: 'graph', clientId: 'app', tenantId: 't', certificatePath: '/c.pem' }),
    ).toMatchObject({
      mode: 'clientCertificate',
      certificatePath: '/c.pem',
    });
  });

  it("skips Microsoft's authority check for a host that is not Microsoft's", () => {
    expect(
      graphAuth({ type: 'graph', clientId: 'app', authority: 'https://login.example.org/t' }),
    ).toMatchObject({
      authorityHost: 'https://login.example.org',
      tenantId: 't',
      disableInstanceDiscovery: true,
    });
  });
});

describe('postgresUrl', () => {
  it("joins the Mattermost tracker's PG_* fields, escaping what a URL cannot hold", () => {
    expect(
      postgresUrl({
        type: 'postgres',
        host: 'db',
        port: 5433,
        user: 'tr@cker',
        password: 'p/w:#1',
        database: 'presence',
        ssl: true,
      }),
    ).toBe('postgres://tr%40cker:p%2Fw%3A%231@db:5433/presence?sslmode=require');
    expect(postgresUrl({ type: 'postgres', host: 'db' })).toBe('postgres://db:5432');
    expect(postgresUrl({ type: 'postgres', connectionString: 'postgres://x/y' })).toBe('postgres://x/y');
  });
});
