import { parseRetryAfter, RequestBudget, type TimeSeams } from '@presence-tracker/core/resilience';

/**
 * The request budget: at most `requestsPerSecond` starts, spaced evenly (one per `1000 /
 * requestsPerSecond` ms, as the Mattermost tracker's API_DELAY spaced them). Without a limit it only
 * holds every request back while the server has said to wait (429, or a budget it reports as spent),
 * so one throttled batch pauses them all.
 */
export function requestBudget(requestsPerSecond: number | undefined, seams: Required<TimeSeams>) {
  return requestsPerSecond
    ? new RequestBudget({ requests: 1, perMs: 1000 / requestsPerSecond, ...seams })
    : new RequestBudget({ requests: Number.MAX_SAFE_INTEGER, perMs: 1, ...seams });
}

/**
 * How long the server asked to wait, in ms from `now`: `Retry-After` (seconds or an HTTP date), else
 * `X-RateLimit-Reset`; `undefined` when it said neither, and the retry policy backs off.
 */
export function serverWait(headers: Map<string, string>, now: number): number | undefined {
  return parseRetryAfter(header(headers, 'Retry-After'), now) ?? resetDelay(headers, now);
}

/** Reads the budget a successful response reports; an exhausted one holds every request until it resets. */
export function observe(budget: RequestBudget, headers: Map<string, string>, now: number): void {
  const remaining = header(headers, 'X-RateLimit-Remaining');
  if (remaining === undefined || Number(remaining) > 0) return;
  const reset = resetDelay(headers, now);
  if (reset !== undefined) budget.hold(reset);
}

/**
 * Mattermost's limiter sends `X-RateLimit-Reset` as seconds until the reset; other proxies send an
 * epoch in seconds, which is told apart by its size.
 */
function resetDelay(headers: Map<string, string>, now: number): number | undefined {
  const value = header(headers, 'X-RateLimit-Reset');
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  return n > 1e9 ? Math.max(0, n * 1000 - now) : Math.max(0, n * 1000);
}

/** Client4 keeps response headers in a Map as the server spelled them. */
function header(headers: Map<string, string>, name: string): string | undefined {
  const direct = headers.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}
