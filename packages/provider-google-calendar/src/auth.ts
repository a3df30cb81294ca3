import { JWT } from 'google-auth-library';
import type { GoogleAuthClient, ResolvedOptions } from './options.ts';
import { EVENTS_SCOPE, FREEBUSY_SCOPE, GOOGLE_TOKEN_URL } from './scopes.ts';

/** The scopes the provider asks for: free/busy always, events only when out-of-office is read. */
export function scopesFor(outOfOffice: boolean): string[] {
  return outOfOffice ? [FREEBUSY_SCOPE, EVENTS_SCOPE] : [FREEBUSY_SCOPE];
}

/**
 * The auth client requests are signed with: the host's own, or a service account's `JWT` acting as
 * `subject`. google-auth-library signs every assertion for, and sends it to, Google's token endpoint,
 * ignoring the key file's `token_uri`; where a key file names another one (a test's fake, a proxy),
 * the token request is sent there, with the assertion unchanged.
 */
export function makeAuth(o: ResolvedOptions): GoogleAuthClient {
  if (o.auth) return o.auth;
  const key = o.credentials!;
  const jwt = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
    scopes: scopesFor(o.outOfOffice),
    ...(o.subject ? { subject: o.subject } : {}),
  });
  const tokenUri = key.token_uri;
  if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
    const target = new URL(tokenUri);
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (config.url.href === GOOGLE_TOKEN_URL) config.url = new URL(target);
        return config;
      },
    });
  }
  return jwt;
}
