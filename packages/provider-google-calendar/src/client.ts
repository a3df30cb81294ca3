import { calendar, type calendar_v3 } from '@googleapis/calendar';
import {
  concurrencyLimit,
  parseRetryAfter,
  RequestBudget,
  retryPolicy,
} from '@presence-tracker/core/resilience';
import { makeAuth } from './auth.ts';
import { isRetryable, isThrottled, PROVIDER, readFailure, toProviderError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';

/** Free/busy takes at most 50 calendars in one request (`calendarExpansionMax`, documented maximum). */
export const FREEBUSY_BATCH = 50;
/** Out-of-office events are few; one page of this many is nearly always the only one. */
const EVENTS_PAGE = 250;

/**
 * Google's own Calendar client on core's resilience toolkit: every request takes a slot of a per-minute
 * budget and a place in the concurrency limit, and a per-minute quota refusal (403 `usageLimits`, 429)
 * or a server error is retried with back-off, the whole budget held meanwhile. gaxios' own retries are
 * off, so that one policy decides.
 */
export class CalendarClient {
  readonly budget: RequestBudget;
  readonly #api: calendar_v3.Calendar;
  readonly #o: ResolvedOptions;
  readonly #limit;

  constructor(o: ResolvedOptions) {
    this.#o = o;
    this.#api = calendar({ version: 'v3', auth: makeAuth(o), rootUrl: o.baseUrl });
    this.budget = new RequestBudget({
      requests: o.requestsPerMinute,
      perMs: 60_000,
      clock: o.clock,
      sleep: o.sleep,
    });
    this.#limit = concurrencyLimit(o.concurrency);
  }

  /** Free/busy of up to 50 calendars between two instants; `signal` gives up the waits and the request. */
  freeBusy(
    ids: string[],
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<calendar_v3.Schema$FreeBusyResponse> {
    if (ids.length > FREEBUSY_BATCH) throw new RangeError(`at most ${FREEBUSY_BATCH} calendars a request`);
    return this.#send(
      'freebusy.query',
      (signal) =>
        this.#api.freebusy.query(
          {
            requestBody: {
              timeMin: from.toISOString(),
              timeMax: to.toISOString(),
              items: ids.map((id) => ({ id })),
            },
          },
          { retry: false, signal },
        ),
      signal,
    );
  }

  /** The out-of-office events of one calendar that overlap `[from, to)`, every page. */
  async outOfOffice(
    calendarId: string,
    from: Date,
    to: Date,
    signal?: AbortSignal,
  ): Promise<calendar_v3.Schema$Event[]> {
    const events: calendar_v3.Schema$Event[] = [];
    let pageToken: string | undefined;
    do {
      const page: calendar_v3.Schema$Events = await this.#send(
        'events.list',
        (signal) =>
          this.#api.events.list(
            {
              calendarId,
              eventTypes: ['outOfOffice'],
              timeMin: from.toISOString(),
              timeMax: to.toISOString(),
              singleEvents: true,
              orderBy: 'startTime',
              maxResults: EVENTS_PAGE,
              ...(pageToken ? { pageToken } : {}),
            },
            { retry: false, signal },
          ),
        signal,
      );
      events.push(...(page.items ?? []));
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return events;
  }

  /** Drops requests not yet started. */
  close(): void {
    this.#limit.clear();
  }

  #send<T>(
    what: string,
    call: (signal: AbortSignal) => Promise<{ data: T }>,
    signal?: AbortSignal,
  ): Promise<T> {
    const o = this.#o;
    const policy = retryPolicy<T>({
      ...o.retry,
      clock: o.clock,
      sleep: o.sleep,
      retryOn: (outcome) => 'error' in outcome && isRetryable(readFailure(outcome.error)),
      requestedWait: (outcome, now) =>
        'error' in outcome ? parseRetryAfter(readFailure(outcome.error).retryAfter, now) : undefined,
      onRetry: (info) => {
        const failure = 'error' in info.outcome ? readFailure(info.outcome.error) : undefined;
        if (failure && isThrottled(failure)) this.budget.hold(info.waitMs);
        o.logger?.warn(
          {
            provider: PROVIDER,
            request: what,
            attempt: info.attempt,
            waitMs: info.waitMs,
            status: failure?.status,
            reason: failure?.reason,
          },
          'google-calendar: retrying a request',
        );
      },
    });
    return this.#limit(async () => {
      try {
        // The caller's signal ends a wait for the budget or before a retry; a request in flight is
        // left to finish (gaxios' own timeout bounds it), so its answer is kept.
        return await policy.execute(async () => {
          await this.budget.acquire(signal);
          return (await call(new AbortController().signal)).data;
        }, signal);
      } catch (error) {
        // An abort is the caller giving up (the tracker stopping): its reason, never gaxios' error.
        if (signal?.aborted) throw signal.reason;
        // A ProviderError in plain words; gaxios' error holds the request and its token, so it is not kept.
        throw toProviderError(what, readFailure(error), o.retry.attempts);
      }
    });
  }
}
