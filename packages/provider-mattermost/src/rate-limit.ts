/**
 * Spaces requests out to at most `requestsPerSecond`, and holds every request back while the server
 * has said to wait (429, or a budget it reports as spent), so one throttled batch pauses them all.
 */
export class RequestBudget {
  private readonly spacing: number;
  private nextStart = 0;
  private pausedUntil = 0;

  constructor(requestsPerSecond?: number) {
    this.spacing = requestsPerSecond ? 1000 / requestsPerSecond : 0;
  }

  /** Resolves when the next request may start. */
  async take(): Promise<void> {
    const now = Date.now();
    const start = Math.max(now, this.nextStart, this.pausedUntil);
    this.nextStart = start + this.spacing;
    if (start > now) await sleep(start - now);
    // A 429 that arrived while this one waited its turn extends the wait.
    while (Date.now() < this.pausedUntil) await sleep(this.pausedUntil - Date.now());
  }

  /** Holds every request back for `ms`. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Reads the budget a successful response reports; an exhausted one pauses until it resets. */
  observe(headers: Map<string, string>): void {
    const remaining = header(headers, 'X-RateLimit-Remaining');
    if (remaining === undefined || Number(remaining) > 0) return;
    const reset = resetDelay(headers);
    if (reset !== undefined) this.pause(reset);
  }
}

/**
 * How long the server asked to wait, in ms: `Retry-After` (seconds or an HTTP date), else
 * `X-RateLimit-Reset`, else an exponential backoff from one second.
 */
export function retryDelay(headers: Map<string, string>, attempt: number, now = Date.now()): number {
  const retryAfter = header(headers, 'Retry-After');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (retryAfter.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return resetDelay(headers, now) ?? Math.min(30_000, 1000 * 2 ** attempt);
}

/**
 * Mattermost's limiter sends `X-RateLimit-Reset` as seconds until the reset; other proxies send an
 * epoch in seconds, which is told apart by its size.
 */
function resetDelay(headers: Map<string, string>, now = Date.now()): number | undefined {
  const value = header(headers, 'X-RateLimit-Reset');
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  return n > 1e9 ? Math.max(0, n * 1000 - now) : Math.max(0, n * 1000);
}

function header(headers: Map<string, string>, name: string): string | undefined {
  const direct = headers.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
