import { readFileSync } from 'node:fs';
import type { calendar_v3 } from '@googleapis/calendar';
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

const HOUR = 3_600_000;
const MINUTE = 60_000;

const milliseconds = (what: string, min: number) =>
  z
    .number({ error: `expected ${what} in milliseconds, ${min.toLocaleString('en')} or more` })
    .min(min, `expected ${what} in milliseconds, ${min.toLocaleString('en')} or more`)
    .refine(Number.isFinite, `expected ${what} in milliseconds, ${min.toLocaleString('en')} or more`);
const whole = (what: string) =>
  z
    .number({ error: `expected a whole number of ${what}, 1 or more` })
    .int(`expected a whole number of ${what}, 1 or more`)
    .min(1, `expected a whole number of ${what}, 1 or more`);

/** The fields of a service account key file that signing in needs; the rest are kept as they are. */
const keyFileSchema = z.looseObject({
  client_email: z.string({ error: 'expected client_email (the service account e-mail)' }).min(1),
  private_key: z
    .string({ error: 'expected private_key (the PEM key from the key file)' })
    .includes('PRIVATE KEY', { error: 'expected private_key to be a PEM private key' }),
  private_key_id: z.string().optional(),
  token_uri: httpsOrLoopbackUrl('token_uri').optional(),
});

export type ServiceAccountCredentials = z.infer<typeof keyFileSchema>;

/**
 * The options a configuration file can hold (the `google-calendar` provider block without `type`):
 * everything but the seams and a ready-made `auth` client. An unknown field is an error.
 */
export const googleCalendarOptionsSchema = z.strictObject({
  credentials: z
    .union([z.string(), z.record(z.string(), z.unknown())], {
      error: "expected the service account key file's JSON, as an object or a string",
    })
    .optional(),
  keyFile: z.string({ error: 'expected the path of a service account key file (JSON)' }).min(1).optional(),
  subject: z
    .string({ error: 'expected the e-mail address of the person to act as (domain-wide delegation)' })
    .regex(
      /^[^@\s]+@[^@\s]+$/,
      'expected the e-mail address of the person to act as (domain-wide delegation)',
    )
    .optional(),
  baseUrl: httpsOrLoopbackUrl('the API root, e.g. https://www.googleapis.com/').optional(),
  lookAhead: milliseconds('lookAhead', MINUTE).optional(),
  outOfOffice: z.boolean({ error: 'expected true or false' }).optional(),
  outOfOfficeEvery: milliseconds('outOfOfficeEvery', 0).optional(),
  requestsPerMinute: whole('requests a minute').optional(),
  concurrency: whole('requests in flight').optional(),
  retry: retryOptionsSchema.optional(),
});

export type GoogleCalendarConfigOptions = z.input<typeof googleCalendarOptionsSchema>;

/** What Google's Calendar client takes as `auth`: an `OAuth2Client` (a `JWT` is one), a `GoogleAuth`, an external account client. */
export type GoogleAuthClient = Exclude<calendar_v3.Options['auth'], string | undefined>;

export interface GoogleCalendarProviderOptions {
  /**
   * The service account's key file (the JSON the Cloud console downloads), as an object or a string.
   * Its `token_uri` is where tokens are asked for. Never logged nor put in an error.
   */
  credentials?: string | object;
  /** The path of the service account key file, instead of `credentials`. */
  keyFile?: string;
  /**
   * The person the service account acts as, through domain-wide delegation: free/busy and events are
   * read with their access. Without it the service account reads as itself (calendars shared with it).
   */
  subject?: string;
  /** An auth client the host app already has (`OAuth2Client`, `JWT`, `GoogleAuth`'s), instead of a key. */
  auth?: GoogleAuthClient;
  /** The API root. Default: `https://www.googleapis.com/`. */
  baseUrl?: string;
  /** How far ahead free/busy and out-of-office events are read, in ms; it bounds `validUntil`. Default: 8 hours. */
  lookAhead?: number;
  /** Whether out-of-office events are read (`calendar.events.readonly`). Default: true. */
  outOfOffice?: boolean;
  /** How long a person's out-of-office events are kept before they are read again, in ms. Default: 15 minutes. */
  outOfOfficeEvery?: number;
  /** Requests started per minute, below the API's 600 a minute per user. Default: 500. */
  requestsPerMinute?: number;
  /** Requests in flight at once. Default: 4. */
  concurrency?: number;
  /** How a throttled or failed request is retried. Default: 4 attempts, 1 s to 32 s. */
  retry?: Partial<RetryOptions>;
  /** `observedAt`, the out-of-office cache and the request budget follow it. Default: the system clock. */
  clock?: Clock;
  /** How waits for the budget and back-off are made; tests pass `advancingSleep`. */
  sleep?: Sleep;
  logger?: Logger;
}

export interface ResolvedOptions {
  credentials: ServiceAccountCredentials | undefined;
  subject: string | undefined;
  auth: GoogleAuthClient | undefined;
  baseUrl: string;
  lookAhead: number;
  outOfOffice: boolean;
  outOfOfficeEvery: number;
  requestsPerMinute: number;
  concurrency: number;
  retry: RetryOptions;
  clock: Clock;
  sleep: Sleep;
  logger: Logger | undefined;
}

/** Google's advice for quota errors is exponential back-off from about a second. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelay: 1000, maxDelay: 32_000 };

/** Reads the key from `credentials` or `keyFile`; issues name the field, never a value. */
function readKey(
  credentials: string | object | undefined,
  keyFile: string | undefined,
  issues: ConfigIssue[],
): ServiceAccountCredentials | undefined {
  let raw: unknown = credentials;
  let path = 'credentials';
  if (keyFile !== undefined) {
    path = 'keyFile';
    try {
      raw = readFileSync(keyFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issues.push({ path, message: `could not read the key file ${keyFile} (${code ?? 'error'})` });
      return undefined;
    }
  }
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      issues.push({ path, message: "expected the service account key file's JSON; it is not JSON" });
      return undefined;
    }
  }
  const parsed = keyFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      issues.push({ path: [path, ...issue.path.map(String)].join('.'), message: issue.message });
    return undefined;
  }
  return parsed.data;
}

/** Checks what a host app passed, naming every wrong field; values (keys among them) are never echoed. */
export function resolveOptions(options: GoogleCalendarProviderOptions): ResolvedOptions {
  const { clock, sleep, logger, auth, ...data } = (options ?? {}) as GoogleCalendarProviderOptions;
  const issues: ConfigIssue[] = [];
  const parsed = googleCalendarOptionsSchema.safeParse(data);
  // Core's wording: what was expected, the type received (never the value), "did you mean" for a typo.
  if (!parsed.success) issues.push(...describeIssues(parsed.error, data, [], googleCalendarOptionsSchema));
  const o = parsed.success ? parsed.data : undefined;
  const sources = [o?.credentials, o?.keyFile, auth].filter((v) => v !== undefined).length;
  if (o && sources !== 1)
    issues.push({
      path: 'credentials',
      message:
        sources === 0
          ? 'expected one of credentials (a service account key), keyFile or auth'
          : 'expected only one of credentials, keyFile and auth',
    });
  if (auth !== undefined && typeof (auth as { request?: unknown })?.request !== 'function')
    issues.push({ path: 'auth', message: 'expected a google-auth-library client (with request())' });
  const key =
    o && sources === 1 && auth === undefined ? readKey(o.credentials, o.keyFile, issues) : undefined;
  const retry = o ? checkRetryOptions(o.retry, DEFAULT_RETRY) : null;
  issues.push(...(retry?.issues ?? []));
  if (clock !== undefined && typeof clock?.now !== 'function')
    issues.push({ path: 'clock', message: 'expected an object with now(): Date' });
  if (sleep !== undefined && typeof sleep !== 'function')
    issues.push({ path: 'sleep', message: 'expected a function (ms, signal) => Promise<void>' });
  if (issues.length > 0 || !o || !retry)
    throw new ConfigError('googleCalendarProvider: invalid options', issues);
  const baseUrl = o.baseUrl ?? 'https://www.googleapis.com/';
  return {
    credentials: key,
    subject: o.subject,
    auth,
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    lookAhead: o.lookAhead ?? 8 * HOUR,
    outOfOffice: o.outOfOffice ?? true,
    outOfOfficeEvery: o.outOfOfficeEvery ?? 15 * MINUTE,
    requestsPerMinute: o.requestsPerMinute ?? 500,
    concurrency: o.concurrency ?? 4,
    retry: retry.value,
    clock: clock ?? systemClock,
    sleep: sleep ?? timerSleep,
    logger,
  };
}
