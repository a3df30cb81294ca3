import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import deviceCode from './device-code.json' with { type: 'json' };
import openidConfiguration from './openid-configuration.json' with { type: 'json' };
import { testCertificate } from './tls.ts';

export interface TokenRequest {
  tenant: string;
  grantType: string;
  clientId: string;
  /** Whether a client secret, a client assertion (certificate) or neither proved the app. */
  proof: 'secret' | 'assertion' | 'none';
  claims: string | undefined;
  scope: string;
  /** The access token handed out. */
  issued?: string;
}

export interface FakeIdentity {
  /** `https://127.0.0.1:<port>`, for `authorityHost`. */
  url: string;
  tokenRequests: TokenRequest[];
  deviceCodeRequests: number;
  close(): Promise<void>;
}

/**
 * The Microsoft Entra ID endpoints MSAL calls, on 127.0.0.1 over HTTPS: the OpenID configuration, the
 * v2.0 token endpoint (client credentials, device code and refresh token grants) and the device code
 * endpoint. Every token it issues is new (`at-1`, `at-2`, ...), so a test can tell a cached one from a
 * fresh one.
 */
export async function startFakeIdentity(options: {
  clientId: string;
  clientSecret?: string;
  /** The person who signs in with the device code. */
  username?: string;
}): Promise<FakeIdentity> {
  const tokenRequests: TokenRequest[] = [];
  let issued = 0;
  let deviceCodeRequests = 0;
  let url = '';

  const jwt = (claims: Record<string, unknown>) =>
    [{ typ: 'JWT', alg: 'none' }, claims, 'signature']
      .map((p) => Buffer.from(JSON.stringify(p)).toString('base64url'))
      .join('.');

  const tokens = (tenant: string, form: URLSearchParams, withAccount: boolean) => {
    issued += 1;
    const now = Math.floor(Date.now() / 1000);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: form.get('scope') ?? '',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: `at-${issued}`,
    };
    if (withAccount) {
      const oid = '11111111-2222-4333-8444-555555555555';
      const tid = '99999999-8888-4777-8666-555555555555';
      body.refresh_token = `rt-${issued}`;
      body.client_info = Buffer.from(JSON.stringify({ uid: oid, utid: tid })).toString('base64url');
      body.id_token = jwt({
        aud: options.clientId,
        iss: `${url}/${tid}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: 'Signed In Person',
        oid,
        preferred_username: options.username ?? 'person@contoso.com',
        sub: 'subject',
        tid,
        ver: '2.0',
      });
    }
    void tenant;
    return body;
  };

  const server: Server = createServer(
    { cert: testCertificate.cert, key: testCertificate.key },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const path = new URL(req.url ?? '/', url).pathname;
        const [, tenant = '', ...rest] = path.split('/');
        const route = rest.join('/');
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));

        if (req.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') {
          return send(
            200,
            JSON.parse(JSON.stringify(openidConfiguration).replaceAll('{authority}', `${url}/${tenant}`)),
          );
        }
        if (req.method === 'POST' && route === 'oauth2/v2.0/devicecode') {
          deviceCodeRequests += 1;
          return send(200, deviceCode);
        }
        if (req.method === 'POST' && route === 'oauth2/v2.0/token') {
          const request: TokenRequest = {
            tenant,
            grantType: form.get('grant_type') ?? '',
            clientId: form.get('client_id') ?? '',
            proof: form.get('client_secret') ? 'secret' : form.get('client_assertion') ? 'assertion' : 'none',
            claims: form.get('claims') ?? undefined,
            scope: form.get('scope') ?? '',
          };
          tokenRequests.push(request);
          if (request.clientId !== options.clientId) {
            return send(400, {
              error: 'unauthorized_client',
              error_description: `AADSTS700016: Application with identifier '${request.clientId}' was not found.`,
            });
          }
          if (request.grantType === 'client_credentials') {
            if (request.proof === 'secret' && form.get('client_secret') !== options.clientSecret) {
              return send(401, {
                error: 'invalid_client',
                error_description: 'AADSTS7000215: Invalid client secret provided.',
              });
            }
            if (request.proof === 'none')
              return send(401, {
                error: 'invalid_client',
                error_description: 'AADSTS7000218: no client credential',
              });
            const body = tokens(tenant, form, false);
            request.issued = body.access_token as string;
            return send(200, body);
          }
          if (request.grantType === 'device_code' || request.grantType === 'refresh_token') {
            const body = tokens(tenant, form, true);
            request.issued = body.access_token as string;
            return send(200, body);
          }
          return send(400, { error: 'unsupported_grant_type', error_description: request.grantType });
        }
        send(404, { error: 'not_found', error_description: `${req.method} ${path}` });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tokenRequests,
    get deviceCodeRequests() {
      return deviceCodeRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
