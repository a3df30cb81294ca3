import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { NotifierError } from '../errors.ts';
import { parseRetryAfter } from '../resilience/retry-after.ts';
import { parseOptions } from '../validation.ts';
import { TRACKER_EVENT_TYPES, type TrackerEvent, type TrackerEventType } from './events.ts';
import { type FormatName, type FormatOptions, type Formatter, formatters } from './formatters.ts';
import type { DeliveryContext, Notifier } from './notifier.ts';

// Kept here too: the webhook notifier was where it first lived, and callers import it from here.
export { parseRetryAfter };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The delays before each retry, as the Standard Webhooks spec recommends: after the immediate first
 * attempt, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; then the event is given up.
 */
export const STANDARD_RETRY_SCHEDULE: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

const DEFAULT_TIMEOUT = 15 * SECOND;
const DEFAULT_JITTER = 0.1;

export interface WebhookNotifierOptions {
  /**
   * Where events are POSTed. A token in it (query, user info, a hook path) never reaches logs or
   * errors; user info is sent as Basic auth.
   */
  url: string | URL;
  /** A Standard Webhooks secret, `whsec_` and base64; requests are then signed. */
  secret?: string;
  /** The event types to send; all when absent. */
  events?: TrackerEventType[];
  /** Milliseconds one attempt may take, response included. Default: 15,000. */
  timeout?: number;
  retry?: {
    /** The delays in ms before each retry; the event is given up after the last. Default: `STANDARD_RETRY_SCHEDULE`. */
    schedule?: number[];
    /** Each delay varies at random by up to this fraction, so endpoints are not hit in lockstep. Default: 0.1. */
    jitter?: number;
  };
  /**
   * Names the notifier in logs, errors and the outbox; keep it when the URL changes so that pending
   * events follow. Default: `webhook:` and the URL's host and path, long path segments (hook tokens)
   * replaced by a short hash.
   */
  name?: string;
  /** Extra request headers, e.g. `X-Gotify-Key`. Their values are never logged. */
  headers?: Record<string, string>;
  /** The body: `standard` (`{ type, timestamp, data }`, the default), `gotify`, or a function such as a chat tool's format. */
  format?: FormatName | Formatter;
  /** The time zone of times in chat messages. Default: `UTC`. */
  timeZone?: string;
}

/** A failed attempt: what the endpoint answered (or that it did not), and whether to try again. */
export class WebhookDeliveryError extends NotifierError {
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** The endpoint's `Retry-After`, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    notifier: string,
    message: string,
    options: { status?: number; retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown },
  ) {
    super(notifier, message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

const httpUrl = z.custom<string | URL>(
  (v) => {
    if (typeof v !== 'string' && !(v instanceof URL)) return false;
    const url = URL.parse(String(v));
    return url !== null && (url.protocol === 'http:' || url.protocol === 'https:');
  },
  // The URL itself is not repeated: it may hold a token.
  { message: 'expected an http(s) URL' },
);

const secret = z.custom<string>(
  (v) => {
    if (typeof v !== 'string' || !v.startsWith('whsec_')) return false;
    try {
      new Webhook(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a Standard Webhooks secret: whsec_ followed by base64' },
);

const optionsSchema = z.object({
  url: httpUrl,
  secret: secret.optional(),
  events: z.array(z.enum(TRACKER_EVENT_TYPES)).optional(),
  timeout: z.number().int().positive('expected timeout > 0 milliseconds').optional(),
  retry: z
    .object({
      schedule: z.array(z.number().int().nonnegative('expected delays >= 0 milliseconds')).optional(),
      jitter: z.number().min(0).max(1, 'expected jitter between 0 and 1').optional(),
    })
    .optional(),
  name: z.string().min(1, 'expected a non-empty name').optional(),
  headers: z
    .record(z.string(), z.string().regex(/^[^\r\n]*$/, 'expected a header value without line breaks'))
    .optional(),
  format: z
    .union([
      z.enum(Object.keys(formatters) as [FormatName, ...FormatName[]], {
        error: `expected ${Object.keys(formatters).join(' or ')}, or a function from an event to a body`,
      }),
      z.custom<Formatter>((v) => typeof v === 'function'),
    ])
    .optional(),
  timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone, e.g. Europe/Berlin').optional(),
});

/**
 * A durable notifier that POSTs each event as JSON: through the store's outbox, in order, at least
 * once, with the same `webhook-id` on every attempt. Retries network errors, timeouts, 408, 429 and
 * 5xx on `retry.schedule` (honouring `Retry-After`), never other 4xx; a 410 disables it.
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  parseOptions(optionsSchema, options, 'webhook notifier options');
  const url = new URL(String(options.url));
  const name = options.name ?? webhookName(url);
  const signer = options.secret ? new Webhook(options.secret) : null;
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const schedule = options.retry?.schedule ?? STANDARD_RETRY_SCHEDULE;
  const jitter = options.retry?.jitter ?? DEFAULT_JITTER;
  const format =
    typeof options.format === 'function' ? options.format : formatters[options.format ?? 'standard'];
  const formatOptions: FormatOptions = options.timeZone ? { timeZone: options.timeZone } : {};
  const extraHeaders: Record<string, string> = { ...options.headers };
  // fetch refuses URLs with credentials; they are sent the way a browser would, as Basic auth.
  if (url.username || url.password) {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    extraHeaders.authorization ??= `Basic ${Buffer.from(user).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  let gone = false;

  const fail = (message: string, o: ConstructorParameters<typeof WebhookDeliveryError>[2]) =>
    new WebhookDeliveryError(name, `${name}: ${message}`, o);

  return {
    name,
    ...(options.events ? { events: [...options.events] } : {}),
    durable: true,
    get disabled() {
      return gone;
    },

    async deliver(event: TrackerEvent, context: DeliveryContext) {
      if (gone)
        throw fail('disabled after the endpoint answered 410 Gone', { status: 410, retryable: false });
      const body = JSON.stringify(format(event, formatOptions));
      const now = new Date();
      const headers: Record<string, string> = {
        'user-agent': 'presence-tracker',
        'content-type': 'application/json',
        ...extraHeaders,
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      };
      if (signer) headers['webhook-signature'] = signer.sign(event.id, now, body);

      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeout)]);
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers, body, signal });
        // Read the (small) answer so the connection is reused; a failure to read it changes nothing.
        await response.arrayBuffer().catch(() => {});
      } catch (error) {
        if (context.signal.aborted) throw error;
        if (signal.aborted) throw fail(`no answer within ${timeout} ms`, { retryable: true });
        throw fail(`request failed (${networkReason(error)})`, { retryable: true });
      }
      if (response.ok) return;
      const status = response.status;
      if (status === 410) {
        gone = true;
        throw fail('the endpoint answered 410 Gone', { status, retryable: false });
      }
      const retryable = status === 408 || status === 429 || status >= 500;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw fail(`the endpoint answered HTTP ${status}`, { status, retryable, retryAfterMs });
    },

    retryDelay(attempt: number, error: unknown): number | null {
      if (!(error instanceof WebhookDeliveryError) || !error.retryable) return null;
      const base = schedule[attempt - 1];
      if (base === undefined) return null;
      const delay = Math.round(base * (1 + jitter * (2 * Math.random() - 1)));
      return error.retryAfterMs === undefined ? delay : Math.max(delay, error.retryAfterMs);
    },
  };
}

/**
 * `webhook:` and the URL's host and path, without user info, query or fragment, and with every path
 * segment of 16 characters or more (hook tokens, as chat tools put them in the path)
 * replaced by `~` and 8 hex digits of its hash: stable across restarts, unique per token, revealing none.
 */
export function webhookName(url: URL): string {
  const path = url.pathname
    .split('/')
    .map((segment) =>
      segment.length >= 16 ? `~${createHash('sha256').update(segment).digest('hex').slice(0, 8)}` : segment,
    )
    .join('/');
  return `webhook:${url.host}${path === '/' ? '' : path}`;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A network error's code (`ECONNREFUSED`, ...), never its text, which may quote the URL. */
function networkReason(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 3 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return 'network error';
}
