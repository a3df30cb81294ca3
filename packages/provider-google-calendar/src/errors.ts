import { ProviderError } from '@presence-tracker/core';
import { EVENTS_SCOPE, FREEBUSY_SCOPE } from './scopes.ts';

export const PROVIDER = 'google-calendar';

/** What a failed request said, read from gaxios' error without its request (which holds the token). */
export interface Failure {
  /** The HTTP status, or undefined when no answer came (a network failure). */
  status: number | undefined;
  /** Calendar's `errors[0].reason` (`rateLimitExceeded`, `notFound`), or the token endpoint's `error`. */
  reason: string | undefined;
  domain: string | undefined;
  message: string | undefined;
  retryAfter: string | null;
  /** The failure came from the token endpoint. */
  token: boolean;
  /** A network error code (`ECONNREFUSED`), when no answer came. */
  code: string | undefined;
}

interface GaxiosLike {
  status?: number;
  code?: string | number;
  message?: string;
  config?: { url?: URL | string };
  response?: { status?: number; data?: unknown; headers?: { get?(name: string): string | null } };
}

export function readFailure(error: unknown): Failure {
  const e = (error ?? {}) as GaxiosLike;
  const data = e.response?.data as
    | { error?: string | { errors?: Array<{ reason?: string; domain?: string }>; message?: string } }
    | { error_description?: string }
    | undefined;
  const status = e.response?.status ?? e.status;
  const body = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const url = String(e.config?.url ?? '');
  if (typeof body.error === 'string')
    return {
      status,
      reason: body.error,
      domain: undefined,
      message: typeof body.error_description === 'string' ? body.error_description : undefined,
      retryAfter: null,
      token: true,
      code: undefined,
    };
  const inner = (body.error ?? {}) as {
    errors?: Array<{ reason?: string; domain?: string }>;
    message?: string;
  };
  return {
    status,
    reason: inner.errors?.[0]?.reason,
    domain: inner.errors?.[0]?.domain,
    message: inner.message,
    retryAfter: e.response?.headers?.get?.('retry-after') ?? null,
    token: /\/token\b/.test(url),
    code: status === undefined && typeof e.code === 'string' ? e.code : undefined,
  };
}

const QUOTA_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

/** A per-minute quota (403 `usageLimits`, or 429): waiting helps. The day's quota does not come back soon. */
export function isThrottled(f: Failure): boolean {
  if (f.token) return false;
  if (f.status === 429) return true;
  return f.status === 403 && f.reason !== undefined && QUOTA_REASONS.has(f.reason);
}

/** Worth another attempt: throttled, a server error, or no answer at all. */
export function isRetryable(f: Failure): boolean {
  if (isThrottled(f)) return true;
  if (f.status === undefined) return f.code !== undefined || !f.token;
  return f.status >= 500;
}

/** A failure in plain words, with what to do where there is something to do; no secret in it. */
export function toProviderError(what: string, f: Failure, attempts: number): ProviderError {
  const details = { status: f.status, reason: f.reason, domain: f.domain };
  const said = f.message ? ` (${f.reason ?? f.status}: ${f.message})` : f.reason ? ` (${f.reason})` : '';
  if (f.token) {
    if (f.reason === 'unauthorized_client')
      return new ProviderError(
        PROVIDER,
        `Google refused the service account's token request${said}: in the Admin console, under Security > Access and data control > API controls > Domain-wide delegation, give the service account's client ID the scopes ${FREEBUSY_SCOPE} and ${EVENTS_SCOPE} (or set outOfOffice: false and give only the first)`,
        { code: 'PROVIDER_AUTH', status: f.status, details },
      );
    if (f.status !== undefined)
      return new ProviderError(PROVIDER, `Google refused the service account's token request${said}`, {
        code: 'PROVIDER_AUTH',
        status: f.status,
        details,
      });
  }
  if (f.status === undefined)
    return new ProviderError(PROVIDER, `could not reach Google for ${what}${f.code ? ` (${f.code})` : ''}`, {
      details: { code: f.code },
    });
  if (isThrottled(f))
    return new ProviderError(
      PROVIDER,
      `Google kept refusing ${what} for its per-minute quota after ${attempts} attempts${said}`,
      { code: 'PROVIDER_THROTTLED', status: f.status, details },
    );
  if (f.status === 403 && (f.reason === 'dailyLimitExceeded' || f.domain === 'usageLimits'))
    return new ProviderError(PROVIDER, `the project's Calendar API quota for today is spent${said}`, {
      code: 'PROVIDER_THROTTLED',
      status: f.status,
      details,
    });
  if (f.status === 401)
    return new ProviderError(PROVIDER, `Google refused the credentials for ${what}${said}`, {
      code: 'PROVIDER_AUTH',
      status: f.status,
      details,
    });
  if (f.status === 403 && f.reason === 'insufficientPermissions')
    return new ProviderError(
      PROVIDER,
      `the token lacks the scope ${what} needs${said}: grant ${FREEBUSY_SCOPE} and ${EVENTS_SCOPE}`,
      { code: 'PROVIDER_AUTH', status: f.status, details },
    );
  return new ProviderError(PROVIDER, `Google answered ${f.status} to ${what}${said}`, {
    status: f.status,
    details,
  });
}
