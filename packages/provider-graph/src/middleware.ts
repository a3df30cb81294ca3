import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { RequestBudget } from './budget.ts';
import type { TokenSource } from './token.ts';

export interface RetryOptions {
  /** How many times a throttled (429) or unavailable (503, 504) request is tried again. */
  retries: number;
  /** The first back-off wait in ms when Graph gives no Retry-After; it doubles each time. */
  baseDelay: number;
  /** The longest back-off wait in ms. A Retry-After from Graph is honoured even when longer. */
  maxDelay: number;
  /** How long one attempt may take, in ms, before it is abandoned. */
  timeout: number;
}

const RETRY_STATUSES = new Set([429, 503, 504]);

/**
 * Sits after the SDK's `AuthenticationHandler`: spends the request budget, bounds each attempt by a
 * timeout, and retries 429/503/504 after Retry-After or an exponential back-off with jitter. Used
 * instead of the SDK's `RetryHandler` because that one counts in whole seconds, caps Retry-After at its
 * own maximum, and cannot share a pause with the other requests in flight.
 */
export class RetryMiddleware implements Middleware {
  #next: Middleware | undefined;
  readonly #options: RetryOptions;
  readonly #budget: RequestBudget;
  readonly #budgeted: (url: string) => boolean;
  readonly #onRetry: (info: { url: string; status: number; attempt: number; waitMs: number }) => void;

  constructor(
    options: RetryOptions,
    budget: RequestBudget,
    budgeted: (url: string) => boolean,
    onRetry: (info: { url: string; status: number; attempt: number; waitMs: number }) => void,
  ) {
    this.#options = options;
    this.#budget = budget;
    this.#budgeted = budgeted;
    this.#onRetry = onRetry;
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }

  async execute(context: Context): Promise<void> {
    const url = requestUrl(context);
    const budgeted = this.#budgeted(url);
    for (let attempt = 0; ; attempt++) {
      if (budgeted) await this.#budget.acquire();
      context.options = { ...context.options, signal: AbortSignal.timeout(this.#options.timeout) };
      await this.#next!.execute(context);
      const response = context.response!;
      if (!RETRY_STATUSES.has(response.status) || attempt >= this.#options.retries) return;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      const waitMs = retryAfter ?? backoff(attempt, this.#options.baseDelay, this.#options.maxDelay);
      if (budgeted && response.status === 429) this.#budget.hold(waitMs);
      this.#onRetry({ url, status: response.status, attempt: attempt + 1, waitMs });
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/**
 * Sits before the SDK's `AuthenticationHandler`: when Graph answers 401, gets a fresh token and tries
 * once more.
 */
export class RefreshOn401Middleware implements Middleware {
  #next: Middleware | undefined;
  readonly #tokens: TokenSource;

  constructor(tokens: TokenSource) {
    this.#tokens = tokens;
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }

  async execute(context: Context): Promise<void> {
    await this.#next!.execute(context);
    const response = context.response!;
    if (response.status !== 401) return;
    const sent = readHeader(context, 'authorization')?.replace(/^Bearer /, '');
    if (!sent) return;
    await response.body?.cancel();
    await this.#tokens.refresh(sent, challengeClaims(response.headers.get('www-authenticate')));
    // The authentication handler appends; without this the retry would carry both tokens.
    removeHeader(context, 'authorization');
    await this.#next!.execute(context);
  }
}

export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function backoff(attempt: number, base: number, max: number): number {
  const exponential = Math.min(max, base * 2 ** attempt);
  return exponential / 2 + Math.random() * (exponential / 2);
}

/** The `claims` of a continuous-access-evaluation challenge, decoded, if Graph sent one. */
function challengeClaims(header: string | null): string | undefined {
  const match = header?.match(/claims="([^"]+)"/);
  if (!match) return undefined;
  try {
    return Buffer.from(match[1]!, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

function requestUrl(context: Context): string {
  return typeof context.request === 'string' ? context.request : context.request.url;
}

function readHeader(context: Context, name: string): string | undefined {
  const headers = context.options?.headers;
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (Array.isArray(headers)) return headers.find(([k]) => k?.toLowerCase() === name)?.[1];
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return entry?.[1] as string | undefined;
}

function removeHeader(context: Context, name: string): void {
  const headers = context.options?.headers;
  if (!headers) return;
  if (headers instanceof Headers) headers.delete(name);
  else if (Array.isArray(headers))
    context.options!.headers = headers.filter(([k]) => k?.toLowerCase() !== name);
  else
    for (const key of Object.keys(headers))
      if (key.toLowerCase() === name) delete (headers as Record<string, string>)[key];
}
