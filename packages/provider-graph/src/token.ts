import type { AccessToken, TokenCredential } from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';

// A token this close to its expiry is replaced before use, so no request leaves with one about to lapse.
const EARLY_REFRESH_MS = 2 * 60_000;

/**
 * Hands the Graph client a bearer token from any `TokenCredential`, keeping the current one until it
 * is near its expiry, and can be told that Graph refused a token so the next one is fresh. The SDK's
 * own `TokenCredentialAuthenticationProvider` asks the credential on every request and has no way to
 * force a fresh token after a 401.
 */
export class TokenSource implements AuthenticationProvider {
  readonly #credential: TokenCredential;
  readonly #scopes: string[];
  #current: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(credential: TokenCredential, scopes: string[]) {
    this.#credential = credential;
    this.#scopes = scopes;
  }

  async getAccessToken(): Promise<string> {
    const current = this.#current;
    if (current && current.expiresOnTimestamp - EARLY_REFRESH_MS > Date.now()) return current.token;
    return (await this.#fetch()).token;
  }

  /**
   * Graph answered 401 to `rejected`. Credentials cache tokens too, so a claims request is what makes
   * them fetch a new one: Graph's own challenge when it sent one, otherwise a not-before of now.
   * Parallel requests refused the same token share one refresh.
   */
  async refresh(rejected: string, challengeClaims?: string): Promise<void> {
    if (this.#current && this.#current.token !== rejected) return;
    this.#current = undefined;
    const claims =
      challengeClaims ??
      JSON.stringify({
        access_token: { nbf: { essential: true, value: String(Math.floor(Date.now() / 1000)) } },
      });
    await this.#fetch(claims);
  }

  #fetch(claims?: string): Promise<AccessToken> {
    if (this.#pending) return this.#pending;
    const pending = this.#credential
      .getToken(this.#scopes, claims ? { claims } : {})
      .then((token) => {
        if (!token) throw new Error('the credential returned no access token');
        this.#current = token;
        return token;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    this.#pending = pending;
    return pending;
  }
}
