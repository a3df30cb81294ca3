import { ProviderError } from '@presence-tracker/core';
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';

export const PROVIDER = 'slack';

/** Slack's answers that mean the token itself is refused: no retry can help. */
const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

/** What a scope lets the app do, for a message an operator can act on. */
const SCOPE_PURPOSE: Record<string, string> = {
  'users:read': 'see people and their presence',
  'users:read.email': 'look people up by e-mail address',
  'dnd:read': "read people's do-not-disturb",
};

/**
 * A Slack client error as a `ProviderError`: refused credentials and missing scopes are
 * `PROVIDER_AUTH`, `ratelimited` is `PROVIDER_THROTTLED`. The token is never part of the message.
 */
export function toProviderError(error: unknown, method: string): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    const details = { method, slackError: code };
    if (code === 'missing_scope') {
      const data = error.data as { needed?: unknown; provided?: unknown };
      const needed = typeof data.needed === 'string' ? data.needed : 'a scope';
      const provided = typeof data.provided === 'string' ? data.provided : '';
      const purpose = needed
        .split(',')
        .map((scope: string) => SCOPE_PURPOSE[scope])
        .filter(Boolean)
        .join(' and ');
      return new ProviderError(
        PROVIDER,
        `the Slack token lacks the ${needed} scope${purpose ? ` (to ${purpose})` : ''}, which ${method} needs: add it under OAuth & Permissions, reinstall the app, and use the new token${provided ? ` (the token has: ${provided})` : ''}`,
        // Slack answers 200; 403 says "signed in, not allowed" to whoever reads the status.
        { code: 'PROVIDER_AUTH', status: 403, cause: error, details: { ...details, needed, provided } },
      );
    }
    if (AUTH_ERRORS.has(code)) {
      return new ProviderError(
        PROVIDER,
        `Slack refused the token (${code}) on ${method}: ${authAdvice(code)}`,
        { code: 'PROVIDER_AUTH', status: 401, cause: error, details },
      );
    }
    if (code === 'ratelimited') {
      return new ProviderError(PROVIDER, `Slack rate-limited ${method}`, {
        code: 'PROVIDER_THROTTLED',
        cause: error,
        details,
      });
    }
    return new ProviderError(PROVIDER, `Slack answered ${method} with ${code}`, { cause: error, details });
  }
  if (error instanceof WebAPIRateLimitedError) {
    return new ProviderError(PROVIDER, `Slack rate-limited ${method}; retry after ${error.retryAfter} s`, {
      code: 'PROVIDER_THROTTLED',
      status: 429,
      cause: error,
      details: { method, retryAfter: error.retryAfter * 1000 },
    });
  }
  if (error instanceof WebAPIHTTPError) {
    return new ProviderError(PROVIDER, `Slack answered ${method} with HTTP ${error.statusCode}`, {
      status: error.statusCode,
      cause: error,
      details: { method },
    });
  }
  if (error instanceof WebAPIRequestError) {
    return new ProviderError(PROVIDER, `could not reach Slack for ${method}: ${error.original.message}`, {
      cause: error,
      details: { method },
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(PROVIDER, `${method} failed: ${message}`, { cause: error, details: { method } });
}

function authAdvice(code: string): string {
  switch (code) {
    case 'not_authed':
      return 'no token was sent; set token (a bot token xoxb-... or a user token xoxp-...)';
    case 'account_inactive':
      return 'the token belongs to a deleted user or workspace; install the app again and use its new token';
    case 'token_revoked':
    case 'token_expired':
      return 'the token was revoked or has expired; reinstall the app and use its new token';
    default:
      return 'check that the token is copied whole from the app\'s "OAuth & Permissions" page';
  }
}
