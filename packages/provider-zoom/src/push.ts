import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, Logger, PresenceSample, PushEndpoint } from '@presence-tracker/core';
import { toStatus } from './status.ts';
import { PROVIDER } from './token.ts';

/** The event Zoom sends when a user's presence changes. */
export const PRESENCE_EVENT = 'user.presence_status_updated';
/** The challenge Zoom sends when the endpoint is saved and every 72 hours after. */
export const VALIDATION_EVENT = 'endpoint.url_validation';

export interface ZoomPushOptions {
  /** The event subscription's Secret Token, from the app's Features page. Never logged. */
  secretToken: string;
  /** The event notification endpoint URL entered in the app, for the host's checks and `doctor`. */
  url?: string;
  /** How far `x-zm-request-timestamp` may be from the clock, in ms, before a request is refused as a replay. */
  tolerance: number;
}

interface ZoomEvent {
  event?: unknown;
  event_ts?: unknown;
  payload?: { account_id?: unknown; plainToken?: unknown; object?: Record<string, unknown> };
}

/** `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the secret token, as Zoom signs. */
export function zoomSignature(secretToken: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secretToken).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The answer to a URL validation challenge: the hex HMAC-SHA256 of `plainToken` under the secret token. */
export function encryptedToken(secretToken: string, plainToken: string): string {
  return createHmac('sha256', secretToken).update(plainToken).digest('hex');
}

/**
 * Zoom's webhook receiver: every request verified (signature over the raw body, timestamp within
 * `tolerance` of the clock), URL validation answered, `user.presence_status_updated` turned into a
 * pushed reading for the people subscribed. Zoom's `event_ts` orders events of one person, so a late
 * duplicate or an event overtaken by a newer one is not applied.
 */
export class ZoomPush {
  readonly endpoint: PushEndpoint;
  #listener: ((samples: PresenceSample[]) => void) | null = null;
  #ids = new Map<string, string>();
  readonly #lastEvent = new Map<string, number>();
  private readonly options: ZoomPushOptions;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;

  constructor(options: ZoomPushOptions, clock: Clock, logger: Logger | undefined) {
    this.options = options;
    this.clock = clock;
    this.logger = logger;
    this.endpoint = {
      urls: options.url ? [options.url] : [],
      handle: (request) => this.handle(request),
      handshake: (url) => this.handshake(url),
    };
  }

  subscribe(userIds: string[], onSamples: (samples: PresenceSample[]) => void): { close(): Promise<void> } {
    this.#ids = new Map(userIds.map((id) => [id.toLowerCase(), id]));
    this.#listener = onSamples;
    return {
      close: async () => {
        if (this.#listener === onSamples) this.#listener = null;
      },
    };
  }

  async handle(request: Request): Promise<Response> {
    if (request.method !== 'POST') return text(405, 'expected POST');
    const body = await request.text();
    const refusal = this.verify(request.headers, body);
    if (refusal) {
      this.logger?.warn({ provider: PROVIDER, reason: refusal }, 'zoom: webhook request refused');
      return text(401, refusal);
    }
    let event: ZoomEvent;
    try {
      event = JSON.parse(body) as ZoomEvent;
    } catch {
      return text(400, 'expected a JSON body');
    }
    if (event.event === VALIDATION_EVENT) {
      const plainToken = event.payload?.plainToken;
      if (typeof plainToken !== 'string' || plainToken === '')
        return text(400, 'expected payload.plainToken');
      return Response.json({
        plainToken,
        encryptedToken: encryptedToken(this.options.secretToken, plainToken),
      });
    }
    if (event.event === PRESENCE_EVENT) this.apply(event);
    // Other events the subscription may carry are acknowledged, so Zoom does not retry them.
    return new Response(null, { status: 204 });
  }

  /** Why a request is not Zoom's, or null when its signature and timestamp hold. */
  private verify(headers: Headers, body: string): string | null {
    const signature = headers.get('x-zm-signature');
    const timestamp = headers.get('x-zm-request-timestamp');
    if (!signature || !timestamp) return 'expected the x-zm-signature and x-zm-request-timestamp headers';
    if (!/^\d+$/.test(timestamp)) return 'expected x-zm-request-timestamp in seconds';
    const skew = Math.abs(this.clock.now().getTime() - Number(timestamp) * 1000);
    if (skew > this.options.tolerance) return 'x-zm-request-timestamp is outside the allowed window';
    const expected = Buffer.from(zoomSignature(this.options.secretToken, timestamp, body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return 'x-zm-signature does not match the body';
    return null;
  }

  private apply(event: ZoomEvent) {
    const object = event.payload?.object ?? {};
    const id = typeof object.id === 'string' ? this.#ids.get(object.id.toLowerCase()) : undefined;
    if (id === undefined || this.#listener === null) return;
    const at = typeof event.event_ts === 'number' ? event.event_ts : undefined;
    const last = this.#lastEvent.get(id);
    if (at !== undefined && last !== undefined && at < last) return;
    if (at !== undefined) this.#lastEvent.set(id, at);
    this.#listener([
      {
        userId: id,
        status: toStatus(object.presence_status),
        // When it was heard: a reading stamped earlier than one already applied would be dropped.
        observedAt: this.clock.now(),
        raw: {
          status: object.presence_status,
          ...(object.date_time !== undefined && { date_time: object.date_time }),
          ...(at !== undefined && { event_ts: at }),
        },
        source: 'push',
      },
    ]);
  }

  async handshake(url: string): Promise<{ ok: boolean; detail: string }> {
    const plainToken = randomBytes(16).toString('base64url');
    const body = JSON.stringify({
      payload: { plainToken },
      event_ts: this.clock.now().getTime(),
      event: VALIDATION_EVENT,
    });
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    try {
      const answer = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': zoomSignature(this.options.secretToken, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(3000),
      });
      if (answer.status !== 200) return { ok: false, detail: `${url} answered ${answer.status}` };
      const json = (await answer.json().catch(() => ({}))) as Record<string, unknown>;
      return json.plainToken === plainToken &&
        json.encryptedToken === encryptedToken(this.options.secretToken, plainToken)
        ? { ok: true, detail: `${url} answers Zoom's URL validation` }
        : { ok: false, detail: `${url} did not answer Zoom's URL validation with the token expected` };
    } catch (error) {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      return { ok: false, detail: `${url} could not be reached: ${reason}` };
    }
  }
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
