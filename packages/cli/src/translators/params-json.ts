import type { ConfigIssue } from '@presence-tracker/core';
import {
  type ConfigTranslator,
  describeIssues,
  configIssue as issue,
  isTimeZone,
  type NativeConfigInput,
  parseSeverityPrefix,
  suggest,
} from '@presence-tracker/core/config';
import { z } from 'zod';

/**
 * The Python Teams tracker's `params.json`, accepted unchanged. Unknown fields are ignored, as the
 * Python tracker ignored them, unless they look like a misspelt known one; `time_zone` and
 * `database` are additions it did not have.
 */
export const PARAMS_JSON_FIELDS = [
  'notify_url',
  'azure_client_id',
  'authority',
  'login_username',
  'start_hour',
  'end_hour',
  'ping_seconds',
  'tracked_user_emails',
  'report_days',
  'gotify_url',
  'gotify_app_tokens',
] as const;

/** The fields this reader adds to the Python tracker's. */
const ADDED_FIELDS = ['time_zone', 'database'] as const;

/** What a params.json without these fields gets, as documented in CONFIG.md. */
export const PARAMS_JSON_DEFAULTS = {
  start_hour: 0,
  end_hour: 24,
  ping_seconds: 60,
  report_days: 7,
} as const;

/** The database file name the Python tracker used, so its neighbours find it where they expect. */
export const PARAMS_JSON_DATABASE = 'presence_tracker.db';

const hour = (min: number, max: number) =>
  z
    .number({ error: `expected an hour, a whole number ${min} to ${max}` })
    .int(`expected an hour, a whole number ${min} to ${max}`)
    .min(min, `expected an hour, a whole number ${min} to ${max}`)
    .max(max, `expected an hour, a whole number ${min} to ${max}`);

const token = z
  .string({ error: 'expected a Gotify application token string' })
  .min(1, 'expected a non-empty token');

export const paramsJsonSchema = z.looseObject({
  azure_client_id: z
    .string({ error: 'expected the app registration’s client id, a string' })
    .min(1, 'expected the app registration’s client id, a non-empty string'),
  authority: z
    .url({ error: 'expected a sign-in authority URL such as https://login.microsoftonline.com/common' })
    .optional(),
  login_username: z.string({ error: 'expected the e-mail address to sign in as' }).min(1).optional(),
  start_hour: hour(0, 23).optional(),
  end_hour: hour(1, 24).optional(),
  ping_seconds: z
    .number({ error: 'expected the seconds between polls, a number > 0' })
    .positive('expected the seconds between polls, a number > 0')
    .optional(),
  tracked_user_emails: z
    .array(
      z
        .string({ error: "expected an e-mail address, optionally prefixed with '+' to '+++'" })
        .regex(/^\+{0,3}[^+\s]\S*$/, "expected an e-mail address, optionally prefixed with '+' to '+++'"),
      { error: 'expected a list of e-mail addresses' },
    )
    .min(1, 'expected at least one e-mail address'),
  report_days: z
    .number({ error: 'expected a number of days, a whole number >= 1' })
    .int('expected a number of days, a whole number >= 1')
    .min(1, 'expected a number of days, a whole number >= 1')
    .optional(),
  notify_url: z.url({ error: 'expected a URL to post notifications to' }).optional(),
  gotify_url: z.url({ error: "expected the Gotify server's URL" }).optional(),
  gotify_app_tokens: z
    .union([z.array(token), z.record(z.string(), token)], {
      error: 'expected a list of Gotify application tokens',
    })
    .optional(),
  time_zone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin').optional(),
  database: z.string({ error: 'expected a file path' }).min(1).optional(),
});

/**
 * Fields that go together. Checked on the raw object rather than in the schema, since zod skips
 * refinements once a field fails, and every problem should be told at once.
 */
export function paramsJsonPairIssues(p: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const has = (field: string) => p[field] !== undefined;
  const start = p.start_hour ?? PARAMS_JSON_DEFAULTS.start_hour;
  const end = p.end_hour ?? PARAMS_JSON_DEFAULTS.end_hour;
  if ((has('start_hour') || has('end_hour')) && start === end) {
    issues.push(
      issue(
        [has('end_hour') ? 'end_hour' : 'start_hour'],
        'expected an hour different from start_hour',
        p.end_hour,
      ),
    );
  }
  const known: readonly string[] = [...PARAMS_JSON_FIELDS, ...ADDED_FIELDS];
  for (const field of Object.keys(p)) {
    if (known.includes(field)) continue;
    const meant = suggest(
      field,
      known.filter((k) => !has(k)),
    );
    if (meant !== undefined) {
      issues.push(issue([field], `expected no field of this name (did you mean ${meant}?)`, p[field]));
    }
  }
  const tokens = p.gotify_app_tokens;
  const hasTokens = tokens !== null && typeof tokens === 'object' && Object.keys(tokens).length > 0;
  if (has('gotify_url') && !hasTokens) {
    issues.push(issue(['gotify_app_tokens'], 'expected at least one token, since gotify_url is set', tokens));
  }
  if (hasTokens && !has('gotify_url')) {
    issues.push(
      issue(['gotify_url'], 'expected the Gotify server URL, since gotify_app_tokens is set', undefined),
    );
  }
  return issues;
}

export type ParamsJson = z.output<typeof paramsJsonSchema>;

/** A params.json is an object with none of the native top-level fields and some of its own. */
export function isParamsJson(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if ('provider' in value) return false;
  return PARAMS_JSON_FIELDS.some((field) => field in value);
}

/**
 * Maps a checked params.json onto the native shape. The Python tracker watched between its hours on
 * every day it was running, so the window covers all seven days; the time zone is the machine's,
 * as it was for the Python tracker, unless `time_zone` says otherwise. A field left out takes its
 * default from `PARAMS_JSON_DEFAULTS`, said in `notices`.
 */
export function paramsJsonToNative(
  params: ParamsJson,
  localTimeZone: string,
  notices: string[] = [],
): NativeConfigInput {
  const timeZone = params.time_zone ?? localTimeZone;
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  const tokens = params.gotify_app_tokens === undefined ? [] : Object.values(params.gotify_app_tokens);
  const gotifyBase = params.gotify_url?.replace(/\/+$/, '');
  const hours = params.start_hour !== undefined || params.end_hour !== undefined;
  const start = params.start_hour ?? PARAMS_JSON_DEFAULTS.start_hour;
  const end = params.end_hour ?? PARAMS_JSON_DEFAULTS.end_hour;
  if (!hours) notices.push('start_hour and end_hour not set: tracking at every hour of every day');
  else if (params.start_hour === undefined) notices.push(`start_hour not set: took ${start} (from midnight)`);
  else if (params.end_hour === undefined) notices.push(`end_hour not set: took ${end} (until midnight)`);
  if (params.ping_seconds === undefined)
    notices.push(`ping_seconds not set: took ${PARAMS_JSON_DEFAULTS.ping_seconds} (a poll a minute)`);
  if (params.report_days === undefined)
    notices.push(`report_days not set: took ${PARAMS_JSON_DEFAULTS.report_days} (reports cover a week)`);

  return {
    provider: {
      type: 'graph',
      clientId: params.azure_client_id,
      ...(params.authority !== undefined && { authority: params.authority }),
      ...(params.login_username !== undefined && { loginHint: params.login_username }),
    },
    store: { type: 'sqlite', path: params.database ?? PARAMS_JSON_DATABASE },
    users: params.tracked_user_emails.map(parseSeverityPrefix),
    ...(hours && {
      schedule: { timeZone, windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: hh(start), end: hh(end) }] },
    }),
    pollInterval: Math.max(1, Math.round((params.ping_seconds ?? PARAMS_JSON_DEFAULTS.ping_seconds) * 1000)),
    notifiers: [
      ...(params.notify_url !== undefined
        ? [{ type: 'webhook', name: 'notify_url', url: params.notify_url }]
        : []),
      ...tokens.map((t, i) => ({
        type: 'webhook',
        name: tokens.length === 1 ? 'gotify' : `gotify-${i + 1}`,
        url: `${gotifyBase}/message?token=${encodeURIComponent(t)}`,
        format: 'gotify',
      })),
    ],
    report: { timeZone, days: params.report_days ?? PARAMS_JSON_DEFAULTS.report_days },
  };
}

/** The Python tracker's params.json, for `loadConfig`'s `translators`. */
export const paramsJson: ConfigTranslator = {
  format: 'params.json',
  detect: isParamsJson,
  translate(value, { timeZone, issues, notices }) {
    const params = paramsJsonSchema.safeParse(value);
    const found = params.success ? [] : describeIssues(params.error, value);
    // A pair problem on a field that is already wrong by itself would only repeat it.
    const pairs = paramsJsonPairIssues(value).filter((p) => !found.some((f) => f.path === p.path));
    issues.push(...found, ...pairs);
    return {
      config:
        params.success && found.length + pairs.length === 0
          ? paramsJsonToNative(params.data, timeZone, notices)
          : undefined,
      sourceNames: {
        'provider.clientId': 'azure_client_id',
        'provider.authority': 'authority',
        'provider.loginHint': 'login_username',
        'store.path': 'database',
      },
    };
  },
};
