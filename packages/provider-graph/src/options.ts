import type { TokenCredential } from '@azure/identity';
import { type Clock, ConfigError, type ConfigIssue, type Logger } from '@presence-tracker/core';
import {
  checkRetryOptions,
  type RetryOptions,
  type RetryOptionsInput,
} from '@presence-tracker/core/resilience';
import type { GraphAuth } from './auth.ts';
import { type GraphPushOptions, type ResolvedPush, resolvePush } from './push/index.ts';

export interface GraphProviderOptions {
  /** Any `TokenCredential` from @azure/identity or elsewhere. Give this or `auth`. */
  credential?: TokenCredential;
  /** Let the provider build the credential: app-only secret or certificate, or a person's device-code sign-in. */
  auth?: GraphAuth;
  /** Microsoft Graph's root, for national clouds and tests. Default: `https://graph.microsoft.com`. */
  baseUrl?: string;
  /** The token's scopes. Default: `<baseUrl>/.default`, or Presence.Read.All and User.ReadBasic.All for device code. */
  scopes?: string[];
  /** Where `observedAt` comes from. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /**
   * How many presence requests may be in flight at once; look-ups take at most 4 of them. Default: 16,
   * enough to spend Graph's whole limit (50 requests a second) at 300 ms a request.
   */
  concurrency?: number;
  /**
   * The most presence requests started in any window. Default: 1,200 per 30 s, under Graph's 1,500
   * per 30 s per app and tenant, leaving room for other programs using the same app registration.
   */
  budget?: { requests?: number; perMs?: number };
  /**
   * Retries of throttled (429) and unavailable (503, 504) requests, in core's one shape:
   * `{ attempts, baseDelay, maxDelay }`. Default: 5 attempts, from 1 s up to 30 s.
   */
  retry?: RetryOptionsInput;
  /** How long one attempt may take, in ms, before it is abandoned. Default: 30,000. */
  timeout?: number;
  /**
   * Change notifications instead of polling every minute: Graph calls `notificationUrl` when someone's
   * presence changes. Presence subscriptions need a person's (delegated) sign-in: Graph refuses them
   * to app-only access.
   */
  push?: GraphPushOptions;
}

/** Presence requests in flight: Graph's 1,500 per 30 s at 300 ms a request need 15. */
export const DEFAULT_CONCURRENCY = 16;
/** Look-ups in flight at most: each `$batch` carries 20 user reads, which directory limits count one by one. */
export const LOOKUP_CONCURRENCY = 4;

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelay: 1000, maxDelay: 30_000 };

export interface ResolvedOptions {
  baseUrl: string;
  host: string;
  scopes: string[] | undefined;
  concurrency: number;
  budget: { requests: number; perMs: number };
  retry: RetryOptions;
  timeout: number;
  push: ResolvedPush | undefined;
}

const MODES = ['clientSecret', 'clientCertificate', 'deviceCode'] as const;
const REQUIRED: Record<(typeof MODES)[number], string[]> = {
  clientSecret: ['tenantId', 'clientId', 'clientSecret'],
  clientCertificate: ['tenantId', 'clientId', 'certificatePath'],
  deviceCode: ['clientId'],
};
// Values of these fields are never repeated in an error message.
const SECRET = new Set(['clientSecret', 'certificatePassword']);

export function resolveOptions(options: GraphProviderOptions): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const describe = (field: string, value: unknown) =>
    SECRET.has(field) ? typeof value : value === undefined ? 'nothing' : JSON.stringify(value);

  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('graphProvider: invalid options', [
      { path: '', message: 'expected an options object' },
    ]);
  }
  if (!options.credential === !options.auth) {
    issues.push({
      path: 'credential',
      message: 'give exactly one of `credential` (a TokenCredential) or `auth`',
    });
  }
  if (options.credential && typeof options.credential.getToken !== 'function') {
    issues.push({
      path: 'credential',
      message: 'expected a TokenCredential, an object with getToken(scopes)',
    });
  }
  const auth = options.auth as Record<string, unknown> | undefined;
  if (auth) {
    const mode = auth.mode as (typeof MODES)[number];
    if (!MODES.includes(mode)) {
      issues.push({
        path: 'auth.mode',
        message: `expected one of ${MODES.join(', ')}`,
        received: describe('mode', mode),
      });
    } else {
      for (const field of REQUIRED[mode]) {
        const value = auth[field];
        if (typeof value !== 'string' || value.trim() === '') {
          issues.push({
            path: `auth.${field}`,
            message: 'expected a non-empty string',
            received: describe(field, value),
          });
        }
      }
    }
    for (const field of ['tenantId', 'loginHint', 'authorityHost', 'certificatePassword']) {
      if (auth[field] !== undefined && typeof auth[field] !== 'string') {
        issues.push({
          path: `auth.${field}`,
          message: 'expected a string',
          received: describe(field, auth[field]),
        });
      }
    }
  }

  let baseUrl = 'https://graph.microsoft.com';
  let host = 'graph.microsoft.com';
  if (options.baseUrl !== undefined) {
    const url = URL.canParse(String(options.baseUrl)) ? new URL(String(options.baseUrl)) : undefined;
    if (url?.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search) {
      issues.push({
        path: 'baseUrl',
        message:
          'expected an https:// origin such as https://graph.microsoft.com (the token is only sent over https)',
        received: describe('baseUrl', options.baseUrl),
      });
    } else {
      baseUrl = url.origin;
      host = url.hostname;
    }
  }

  if (
    options.scopes !== undefined &&
    (!Array.isArray(options.scopes) || options.scopes.some((s) => typeof s !== 'string' || s === ''))
  ) {
    issues.push({
      path: 'scopes',
      message: 'expected a list of scope strings',
      received: describe('scopes', options.scopes),
    });
  }

  const positive = (path: string, value: unknown, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      issues.push({ path, message: `expected a number of at least ${min}`, received: describe(path, value) });
      return fallback;
    }
    return value;
  };
  const concurrency = Math.floor(positive('concurrency', options.concurrency, DEFAULT_CONCURRENCY));
  const budget = {
    requests: Math.floor(positive('budget.requests', options.budget?.requests, 1200)),
    perMs: positive('budget.perMs', options.budget?.perMs, 30_000),
  };
  const retry = checkRetryOptions(options.retry, DEFAULT_RETRY);
  issues.push(...retry.issues);
  const timeout = positive('timeout', options.timeout, 30_000);
  const push = options.push === undefined ? undefined : resolvePush(options.push, issues);
  if (options.push !== undefined && (auth?.mode === 'clientSecret' || auth?.mode === 'clientCertificate')) {
    issues.push({
      path: 'push',
      message:
        'presence subscriptions need a signed-in person (delegated Presence.Read.All): Graph refuses them to app-only sign-in; use deviceCode or leave push out',
    });
  }

  if (issues.length > 0) throw new ConfigError('graphProvider: invalid options', issues);
  return { baseUrl, host, scopes: options.scopes, concurrency, budget, retry: retry.value, timeout, push };
}
