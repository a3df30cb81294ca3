import { ProviderError } from '@presence-tracker/core';
import { parseRetryAfter, RequestBudget, retryPolicy } from '@presence-tracker/core/resilience';
import { type Category, DailyAllowance, nextUtcMidnight, PLAN_LIMITS } from './limits.ts';
import type { ResolvedOptions } from './options.ts';
import { PROVIDER, TokenSource } from './token.ts';

/** One path segment: e-mail keys carry `@` and `+`, which must not change the path. */
export const segment = (value: string) => encodeURIComponent(value);

/** Zoom's error body: `{ code, message }`. */
interface ZoomError {
  code?: number;
  message?: string;
}

/** A 429 for the day's cap rather than for the second: Zoom says which in `X-RateLimit-Type`. */
function isDailyLimit(response: Response, body: ZoomError): boolean {
  const type = response.headers.get('x-ratelimit-type');
  if (type) return /daily/i.test(type);
  return /daily/i.test(body.message ?? '');
}

/** fetch's failure to connect (a TypeError), raw or as the token service's ProviderError cause. */
function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError || (ProviderError.isInstance(error) && error.cause instanceof TypeError);
}

/**
 * The Zoom REST API over `fetch`, on core's resilience toolkit: a per-second budget and a daily
 * allowance per rate-limit category, a token renewed once on a 401, and a 429 for the second waited
 * out as its Retry-After asks (with the whole category held meanwhile).
 */
export class ZoomClient {
  readonly tokens: TokenSource;
  readonly budgets: Record<Category, RequestBudget>;
  readonly daily: Record<Category, DailyAllowance>;
  readonly #o: ResolvedOptions;

  constructor(options: ResolvedOptions) {
    this.#o = options;
    this.tokens = new TokenSource(options);
    const limits = PLAN_LIMITS[options.plan];
    const seams = { clock: options.clock, sleep: options.sleep };
    const budget = (c: Category) =>
      new RequestBudget({ requests: limits[c].perSecond, perMs: 1000, ...seams });
    const day = (c: Category) => new DailyAllowance(limits[c].perDay, options.clock);
    this.budgets = { light: budget('light'), medium: budget('medium'), heavy: budget('heavy') };
    this.daily = { light: day('light'), medium: day('medium'), heavy: day('heavy') };
  }

  /**
   * GETs `path` (below the API address); `null` when Zoom says the user does not exist (1001). An abort
   * of `signal` ends a wait for the budget or before a retry, with the signal's reason.
   */
  async get<T>(
    category: Category,
    path: string,
    query?: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T | null> {
    const o = this.#o;
    const url = new URL(`${o.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const endpoint = `GET ${path.replace(/\/users\/[^/?]+/, '/users/{userId}')}`;

    const send = async ({ signal: attempt }: { signal: AbortSignal }): Promise<Response> => {
      if (this.daily[category].remaining <= 0) throw this.#dailyError(category, endpoint);
      await this.budgets[category].acquire(attempt);
      this.daily[category].spend();
      const token = await this.tokens.get();
      return fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }).then(
        async (response) => {
          if (response.status !== 401) return response;
          // Zoom revoked or expired the token early: one new token, one more try.
          await response.body?.cancel();
          this.tokens.invalidate(token);
          const fresh = await this.tokens.get();
          await this.budgets[category].acquire(attempt);
          this.daily[category].spend();
          return fetch(url, { headers: { authorization: `Bearer ${fresh}`, accept: 'application/json' } });
        },
      );
    };

    const policy = retryPolicy<Response>({
      ...o.retry,
      clock: o.clock,
      sleep: o.sleep,
      retryOn: (outcome) =>
        'error' in outcome
          ? isNetworkFailure(outcome.error)
          : outcome.value.status === 429
            ? outcome.value.headers.get('x-ratelimit-type')?.toLowerCase().includes('daily') !== true
            : outcome.value.status >= 500,
      requestedWait: (outcome, now) =>
        'value' in outcome ? parseRetryAfter(outcome.value.headers.get('retry-after'), now) : undefined,
      onRetry: async (info) => {
        if ('value' in info.outcome) {
          await info.outcome.value.body?.cancel();
          if (info.outcome.value.status === 429) this.budgets[category].hold(info.waitMs);
        }
        o.logger?.warn(
          { provider: PROVIDER, endpoint, attempt: info.attempt, waitMs: info.waitMs },
          'zoom: retrying a request',
        );
      },
    });

    let response: Response;
    try {
      response = await policy.execute(send, signal);
    } catch (error) {
      // An abort is the caller giving up (the tracker stopping): its reason.
      if (signal?.aborted) throw signal.reason;
      if (ProviderError.isInstance(error)) throw error;
      throw new ProviderError(PROVIDER, `could not reach Zoom at ${o.baseUrl} (${endpoint})`, {
        cause: error,
      });
    }
    if (response.ok) return (await response.json()) as T;
    const body = (await response.json().catch(() => ({}))) as ZoomError;
    if (response.status === 404 && body.code === 1001) return null;
    throw this.#error(category, endpoint, response, body);
  }

  #dailyError(category: Category, endpoint: string): ProviderError {
    const resetAt = this.daily[category].resetsAt;
    return new ProviderError(
      PROVIDER,
      `Zoom's daily limit for ${category} requests (${endpoint}) is spent; requests resume at ${resetAt.toISOString()}`,
      { code: 'PROVIDER_THROTTLED', status: 429, details: { category, resetAt: resetAt.toISOString() } },
    );
  }

  #error(category: Category, endpoint: string, response: Response, body: ZoomError): ProviderError {
    const status = response.status;
    const said = body.message ? ` (${body.code ?? status}: ${body.message})` : '';
    const details = { code: body.code, zoomMessage: body.message, endpoint };
    if (status === 429) {
      if (isDailyLimit(response, body)) {
        const now = this.#o.clock.now().getTime();
        const wait = parseRetryAfter(response.headers.get('retry-after'), now);
        this.daily[category].close(wait === undefined ? nextUtcMidnight(now) : now + wait);
        return this.#dailyError(category, endpoint);
      }
      return new ProviderError(
        PROVIDER,
        `Zoom kept refusing ${endpoint} for its per-second limit after ${this.#o.retry.attempts} attempts`,
        { code: 'PROVIDER_THROTTLED', status, details },
      );
    }
    const missing = /does not contain scopes?:?\s*\[([^\]]*)\]/i.exec(body.message ?? '');
    if (missing || body.code === 4711 || body.code === 4700) {
      const scopes = missing?.[1]?.split(/[\s,]+/).filter(Boolean) ?? [];
      return new ProviderError(
        PROVIDER,
        `the Server-to-Server OAuth app lacks the scope${scopes.length === 1 ? '' : 's'} ${scopes.join(', ') || '(not named)'} that ${endpoint} needs; add ${scopes.length === 1 ? 'it' : 'them'} under Scopes on the app's Marketplace page`,
        { code: 'PROVIDER_AUTH', status, details: { ...details, missingScopes: scopes } },
      );
    }
    if (status === 401)
      return new ProviderError(
        PROVIDER,
        `Zoom refused a freshly issued access token for ${endpoint}${said}; check that the Server-to-Server OAuth app is still activated`,
        { code: 'PROVIDER_AUTH', status, details },
      );
    if (status === 403)
      return new ProviderError(PROVIDER, `Zoom does not let the app call ${endpoint}${said}`, {
        code: 'PROVIDER_AUTH',
        status,
        details,
      });
    return new ProviderError(PROVIDER, `Zoom answered ${status} to ${endpoint}${said}`, { status, details });
  }
}
