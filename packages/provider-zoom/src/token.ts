import { ProviderError } from '@presence-tracker/core';
import type { ResolvedOptions } from './options.ts';

export const PROVIDER = 'zoom';

/** Renewed this long before Zoom says it expires, so a request never leaves with a dying token. */
const MARGIN = 60_000;

/**
 * Server-to-Server OAuth: the `account_credentials` grant, one token kept until it is about to expire
 * (on the clock seam) and shared by every request; concurrent callers wait for the same renewal.
 */
export class TokenSource {
  readonly #o: ResolvedOptions;
  #token: { value: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;
  /** Scopes the last token carries, as Zoom listed them. */
  scopes: string[] = [];

  constructor(options: ResolvedOptions) {
    this.#o = options;
  }

  get(): Promise<string> {
    const now = this.#o.clock.now().getTime();
    if (this.#token && now < this.#token.expiresAt - MARGIN) return Promise.resolve(this.#token.value);
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Drops `value` after Zoom refused it, so the next `get` asks for a new one. */
  invalidate(value: string): void {
    if (this.#token?.value === value) this.#token = undefined;
  }

  async #request(): Promise<string> {
    const o = this.#o;
    const basic = Buffer.from(`${o.clientId}:${o.clientSecret}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(o.oauthUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'account_credentials', account_id: o.accountId }),
      });
    } catch (error) {
      throw new ProviderError(PROVIDER, `could not reach Zoom's token service at ${o.oauthUrl}`, {
        cause: error,
      });
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw tokenError(response.status, body);
    const value = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof value !== 'string' || value === '' || !(expiresIn > 0))
      throw new ProviderError(PROVIDER, "Zoom's token service answered without an access token", {
        status: response.status,
      });
    this.scopes = typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : [];
    this.#token = { value, expiresAt: o.clock.now().getTime() + expiresIn * 1000 };
    o.logger?.debug({ provider: PROVIDER, expiresIn }, 'zoom: new access token');
    return value;
  }
}

/** The token service's refusal in plain words; Zoom's `reason` names no secret, so it is quoted. */
function tokenError(status: number, body: Record<string, unknown>): ProviderError {
  const error = typeof body.error === 'string' ? body.error : undefined;
  const reason = typeof body.reason === 'string' ? body.reason : undefined;
  const said = [error, reason].filter(Boolean).join(': ');
  const details = { error, reason };
  if (error === 'invalid_client')
    return new ProviderError(
      PROVIDER,
      `Zoom refused the Client ID or Client Secret (${said}); copy both again from the Server-to-Server OAuth app's App Credentials page`,
      { code: 'PROVIDER_AUTH', status, details },
    );
  if (error === 'invalid_request' || error === 'unauthorized_client' || error === 'invalid_grant')
    return new ProviderError(
      PROVIDER,
      `Zoom refused the token request (${said}); check the Account ID and that the Server-to-Server OAuth app is activated`,
      { code: 'PROVIDER_AUTH', status, details },
    );
  if (status >= 500)
    return new ProviderError(PROVIDER, `Zoom's token service failed (${status}${said ? `, ${said}` : ''})`, {
      status,
      details,
    });
  return new ProviderError(
    PROVIDER,
    `Zoom's token service refused the credentials (${status}${said ? `, ${said}` : ''})`,
    {
      code: 'PROVIDER_AUTH',
      status,
      details,
    },
  );
}
