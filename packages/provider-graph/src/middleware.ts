import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { Clock } from '@presence-tracker/core';
import {
  parseRetryAfter,
  type RequestBudget,
  type RetryOptions,
  retryPolicy,
  type Sleep,
} from '@presence-tracker/core/resilience';
import type { TokenSource } from './token.ts';

const RETRY_STATUSES = new Set([429, 503, 504]);
/**
 * A connection closed or reset before any answer came: a server closing an idle keep-alive connection
 * just as a request is sent on it does this. Worth a retry for requests that read.
 */
const DROPPED = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE']);

/** The code of the first error in `error`'s cause chain that names a dropped connection, if any. */
export function droppedConnection(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DROPPED.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface RetryMiddlewareOptions {
  retry: RetryOptions;
  /** How long one attempt may take, in ms, before it is abandoned. */
  timeout: number;
  budget: RequestBudget;
  /** Whether a request spends the budget (presence requests do; look-ups do not). */
  budgeted: (url: string) => boolean;
  /** Whether a request only reads, so that sending it again after a dropped connection is safe. */
  reads: (method: string, url: string) => boolean;
  onRetry: (info: {
    url: string;
    /** The answer's status, or none when the connection dropped (then `dropped` is its code). */
    status?: number;
    dropped?: string;
    attempt: number;
    waitMs: number;
  }) => void;
  clock: Clock;
  sleep?: Sleep;
}

/**
 * Sits after the SDK's `AuthenticationHandler`: spends the request budget, bounds each attempt by a
 * timeout, and retries 429/503/504 after Retry-After or back-off (core's `retryPolicy`), and a read
 * whose connection dropped before any answer. Used instead
 * of the SDK's `RetryHandler` because that one counts in whole seconds, caps Retry-After at its own
 * maximum, and cannot share a pause with the other requests in flight.
 */
export class RetryMiddleware implements Middleware {
  #next: Middleware | undefined;
  readonly #options: RetryMiddlewareOptions;

  constructor(options: RetryMiddlewareOptions) {
    this.#options = options;
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }

  async execute(context: Context): Promise<void> {
    const { budget, timeout, clock, sleep } = this.#options;
    const url = requestUrl(context);
    const budgeted = this.#options.budgeted(url);
    const reads = this.#options.reads(context.options?.method ?? 'GET', url);
    const policy = retryPolicy<Response>({
      ...this.#options.retry,
      clock,
      ...(sleep ? { sleep } : {}),
      retryOn: (outcome) =>
        'value' in outcome
          ? RETRY_STATUSES.has(outcome.value.status)
          : reads && droppedConnection(outcome.error) !== undefined,
      requestedWait: (outcome, now) =>
        'value' in outcome ? parseRetryAfter(outcome.value.headers.get('retry-after'), now) : undefined,
      onRetry: async ({ attempt, waitMs, outcome }) => {
        if (!('value' in outcome)) {
          this.#options.onRetry({ url, dropped: droppedConnection(outcome.error), attempt, waitMs });
          return;
        }
        const response = outcome.value;
        // A 429 is Graph asking this app to slow down: every other presence request waits too.
        if (budgeted && response.status === 429) budget.hold(waitMs);
        this.#options.onRetry({ url, status: response.status, attempt, waitMs });
        await response.body?.cancel();
      },
    });
    // The caller's signal (the tracker stopping) ends the waits between attempts and for the budget; an
    // attempt in flight finishes, bounded by its own timeout.
    const caller = context.options?.signal ?? undefined;
    await policy.execute(async () => {
      // A presence request counts in the budget's window from when its answer came: Graph counts it
      // when it arrives, somewhere between, so trackers splitting the limit exactly never tip it.
      const release = budgeted ? await budget.take(caller) : undefined;
      context.options = { ...context.options, signal: AbortSignal.timeout(timeout) };
      try {
        await this.#next!.execute(context);
      } finally {
        release?.();
      }
      return context.response!;
    }, caller);
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
