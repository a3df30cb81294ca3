import { ProviderError } from '@presence-tracker/core';

export const PROVIDER = 'graph';

// What @azure/identity throws when it cannot get a token; the Graph client keeps the name as `code`.
const AUTH_FAILURES = new Set([
  'AuthenticationError',
  'AuthenticationRequiredError',
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
  'ProviderError',
]);

interface GraphErrorLike {
  statusCode?: number;
  code?: string | null;
  message?: string;
  headers?: Headers;
}

/** Turns whatever the Graph client or the credential threw into a `ProviderError` saying what to do. */
export function toProviderError(error: unknown, doing: string): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as GraphErrorLike;
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : undefined;
  const graphSays = [e.code, e.message].filter(Boolean).join(': ');
  const details = { code: e.code ?? undefined, requestId: e.headers?.get?.('request-id') ?? undefined };

  if (status === 403) {
    return new ProviderError(
      PROVIDER,
      `${doing}: Microsoft Graph answered 403 Forbidden (${graphSays}). The app has not been granted the permission ` +
        'this needs: an administrator must grant admin consent for Presence.Read.All (presence) and User.Read.All ' +
        'or User.ReadBasic.All (looking people up) in the app registration\'s "API permissions".',
      { status, code: 'PROVIDER_AUTH', cause: error, details },
    );
  }
  if (status === 401) {
    return new ProviderError(
      PROVIDER,
      `${doing}: Microsoft Graph refused the access token (401 ${graphSays}), even after fetching a fresh one. ` +
        'Check the tenant id and that the token is issued for Microsoft Graph.',
      { status, code: 'PROVIDER_AUTH', cause: error, details },
    );
  }
  if (status === undefined && e.code && AUTH_FAILURES.has(e.code)) {
    return new ProviderError(PROVIDER, `${doing}: could not get an access token: ${e.message}`, {
      code: 'PROVIDER_AUTH',
      cause: error,
      details,
    });
  }
  if (status === 429) {
    return new ProviderError(PROVIDER, `${doing}: Microsoft Graph kept throttling (429) after every retry`, {
      status,
      code: 'PROVIDER_THROTTLED',
      cause: error,
      details,
    });
  }
  if (e.code === 'TimeoutError' || e.code === 'AbortError') {
    return new ProviderError(PROVIDER, `${doing}: Microsoft Graph did not answer in time`, {
      cause: error,
      details,
    });
  }
  return new ProviderError(
    PROVIDER,
    `${doing}: Microsoft Graph ${status ? `answered ${status}` : 'could not be reached'} (${graphSays || 'no detail'})`,
    { status, cause: error, details },
  );
}
