const HOUR = 3600_000;
/** A `Retry-After` longer than this is taken as this, so one answer cannot park a client for weeks. */
export const MAX_RETRY_AFTER = 24 * HOUR;

/**
 * `Retry-After` (RFC 9110: whole seconds or an HTTP date) in ms from `now`, at most a day; `undefined`
 * when absent or unreadable. Fractional seconds, which some servers send, are honoured.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER);
}
