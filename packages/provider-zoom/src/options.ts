import { type Clock, ConfigError, type ConfigIssue, type Logger, systemClock } from '@presence-tracker/core';
import { describeIssues, httpsOrLoopbackUrl } from '@presence-tracker/core/config';
import {
  checkRetryOptions,
  type RetryOptions,
  retryOptionsSchema,
  type Sleep,
  timerSleep,
} from '@presence-tracker/core/resilience';
import { z } from 'zod';
import type { Plan } from './limits.ts';

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);
const httpUrl = (what: string) =>
  z
    .string({ error: `expected ${what} (an http or https address)` })
    .refine(
      (v) => /^https?:\/\/[^/]/.test(v) && URL.canParse(v),
      `expected ${what} (an http or https address)`,
    );

/**
 * The options a configuration file can hold (the `zoom` provider block without `type`): everything but
 * the seams. An unknown field is an error, so a misspelt option is never silently ignored.
 */
export const zoomOptionsSchema = z.strictObject({
  accountId: text("the Server-to-Server OAuth app's Account ID"),
  clientId: text("the app's Client ID"),
  clientSecret: text("the app's Client Secret"),
  baseUrl: httpsOrLoopbackUrl('the API address, e.g. https://api.zoom.us/v2').optional(),
  oauthUrl: httpsOrLoopbackUrl('the token address, e.g. https://zoom.us/oauth/token').optional(),
  plan: z
    .enum(['free', 'pro', 'business'], { error: 'expected the account plan: free, pro or business' })
    .optional(),
  concurrency: z
    .number({ error: 'expected a whole number of requests in flight, 1 or more' })
    .int('expected a whole number of requests in flight, 1 or more')
    .min(1, 'expected a whole number of requests in flight, 1 or more')
    .optional(),
  pollWindow: z
    .number({ error: 'expected milliseconds, 1,000 or more' })
    .min(1000, 'expected milliseconds, 1,000 or more')
    .refine(Number.isFinite, 'expected milliseconds, 1,000 or more')
    .optional(),
  retry: retryOptionsSchema.optional(),
  push: z
    .strictObject({
      secretToken: text("the event subscription's Secret Token"),
      url: httpUrl('the event notification endpoint URL entered in the app').optional(),
      tolerance: z
        .number({ error: 'expected milliseconds, 1,000 or more' })
        .int('expected milliseconds, 1,000 or more')
        .min(1000, 'expected milliseconds, 1,000 or more')
        .optional(),
    })
    .optional(),
});

export type ZoomConfigOptions = z.input<typeof zoomOptionsSchema>;

export interface ZoomProviderOptions {
  /** The Server-to-Server OAuth app's Account ID. */
  accountId: string;
  /** The app's Client ID. */
  clientId: string;
  /** The app's Client Secret. Never logged nor put in an error. */
  clientSecret: string;
  /** The API address. Default: `https://api.zoom.us/v2`. */
  baseUrl?: string;
  /** Where tokens come from. Default: `https://zoom.us/oauth/token`. */
  oauthUrl?: string;
  /** The account's plan, which sets Zoom's rate limits. Default: `pro`. */
  plan?: Plan;
  /** Requests in flight at once. Default: 10. */
  concurrency?: number;
  /**
   * How much of the rate budget one poll may spend, in ms of the per-second limit: a poll reads at
   * most `perSecond × pollWindow / 1000` people (the least recently read first). Default: 10,000.
   */
  pollWindow?: number;
  /**
   * The `user.presence_status_updated` webhook: the event subscription's Secret Token, the endpoint
   * URL entered in the app (for checks), and how far a request's timestamp may be from the clock
   * (default 300,000 ms) before it is refused as a replay.
   */
  push?: { secretToken: string; url?: string; tolerance?: number };
  /** How a request that met a 429 or a network failure is retried. Default: 3 attempts, 500 ms to 10 s. */
  retry?: Partial<RetryOptions>;
  /** Budgets, daily limits, token expiry and `observedAt` follow it. Default: the system clock. */
  clock?: Clock;
  /** How waits for the per-second budget and Retry-After are made; tests pass `advancingSleep`. */
  sleep?: Sleep;
  logger?: Logger;
}

export interface ResolvedOptions {
  accountId: string;
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  oauthUrl: string;
  plan: Plan;
  concurrency: number;
  pollWindow: number;
  retry: RetryOptions;
  push: { secretToken: string; url?: string; tolerance: number } | undefined;
  clock: Clock;
  sleep: Sleep;
  logger: Logger | undefined;
}

/** Zoom documents no window; five minutes is the usual one for signed webhooks. */
export const DEFAULT_TOLERANCE = 300_000;

export const DEFAULT_RETRY: RetryOptions = { attempts: 3, baseDelay: 500, maxDelay: 10_000 };

/** Checks what a host app passed, naming every wrong field; values (secrets among them) are never echoed. */
export function resolveOptions(options: ZoomProviderOptions): ResolvedOptions {
  const { clock, sleep, logger, ...data } = (options ?? {}) as ZoomProviderOptions;
  const issues: ConfigIssue[] = [];
  const parsed = zoomOptionsSchema.safeParse(data);
  // Core's wording: what was expected, the type received (never the value), "did you mean" for a typo.
  if (!parsed.success) issues.push(...describeIssues(parsed.error, data, [], zoomOptionsSchema));
  // The schema has checked each field of `retry`; this adds maxDelay against baseDelay and the defaults.
  const retry = parsed.success ? checkRetryOptions(parsed.data.retry, DEFAULT_RETRY) : null;
  issues.push(...(retry?.issues ?? []));
  if (clock !== undefined && typeof clock?.now !== 'function')
    issues.push({ path: 'clock', message: 'expected an object with now(): Date' });
  if (sleep !== undefined && typeof sleep !== 'function')
    issues.push({ path: 'sleep', message: 'expected a function (ms, signal) => Promise<void>' });
  if (issues.length > 0 || !parsed.success || !retry)
    throw new ConfigError('zoomProvider: invalid options', issues);
  const o = parsed.data;
  return {
    accountId: o.accountId,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    baseUrl: (o.baseUrl ?? 'https://api.zoom.us/v2').replace(/\/+$/, ''),
    oauthUrl: o.oauthUrl ?? 'https://zoom.us/oauth/token',
    plan: o.plan ?? 'pro',
    concurrency: o.concurrency ?? 10,
    pollWindow: o.pollWindow ?? 10_000,
    retry: retry.value,
    push: o.push && {
      secretToken: o.push.secretToken,
      ...(o.push.url !== undefined && { url: o.push.url }),
      tolerance: o.push.tolerance ?? DEFAULT_TOLERANCE,
    },
    clock: clock ?? systemClock,
    sleep: sleep ?? timerSleep,
    logger,
  };
}
