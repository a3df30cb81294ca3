import { type Clock, ConfigError, type ConfigIssue, type Logger, systemClock } from '@presence-tracker/core';
import {
  checkRetryOptions,
  type RetryOptions,
  type RetryOptionsInput,
  type Sleep,
  type TimeSeams,
  timerSleep,
} from '@presence-tracker/core/resilience';

/** A personal access token or a bot's token. */
export interface MattermostTokenAuth {
  /** The server's address, e.g. `https://chat.example.com`. */
  url: string;
  token: string;
}

/** A user's login name (username or e-mail) and password, as the Mattermost tracker's MM_USER and MM_PASSWORD. */
export interface MattermostPasswordAuth {
  url: string;
  loginId: string;
  password: string;
}

export type MattermostAuth = MattermostTokenAuth | MattermostPasswordAuth;

export interface MattermostProviderOptions {
  /**
   * Teams whose members `discoverUsers()` returns, by id or by name (the team's URL name). With
   * neither `teams` nor `channels`, every team the account belongs to.
   */
  teams?: string[];
  /** Channels whose members `discoverUsers()` returns, by id or as `team-name/channel-name`. */
  channels?: string[];
  /** Track bot accounts too. Default: false. */
  includeBots?: boolean;
  /** Track deactivated accounts too. Default: false. */
  includeDeactivated?: boolean;
  /** How long lists of teams, channels, members and profiles are reused, in ms. Default: 600,000 (10 min). */
  refreshInterval?: number;
  /** User ids per `POST /users/status/ids` request. Default: 1,000. */
  batchSize?: number;
  /** The most requests started per second, across all calls (the tracker's API_DELAY). Default: no limit. */
  requestsPerSecond?: number;
  /** Requests in flight at once. Default: 4. */
  concurrency?: number;
  /**
   * Retries of a request refused with 429, in core's one shape `{ attempts, baseDelay, maxDelay }`:
   * the wait the server asks for (`Retry-After`, `X-RateLimit-Reset`), else a back-off from
   * `baseDelay` doubling up to `maxDelay`. Default: 6 attempts (5 retries), from 1 s up to 30 s.
   */
  retry?: RetryOptionsInput;
  /** The longest wait the server may ask for, in ms; a longer one fails the request. Default: 60,000. */
  maxRetryWait?: number;
  /**
   * Also push the account's own status changes through Mattermost's WebSocket (`subscribe`). The
   * server sends `status_change` only to the user concerned, so this helps only a tracker that
   * watches its own account. Default: false.
   */
  pushOwnStatus?: boolean;
  /** Where `observedAt` comes from. Default: the system clock. */
  clock?: Clock;
  /**
   * How the provider waits (its request budget, 429 waits and back-off). Given, the waits count on
   * `clock` too, so a test on a manual clock passes core's `advancingSleep(clock)` and needs no wall
   * clock. Default: timers, counting on the system clock (`clock` may be a manual one that only
   * stamps readings).
   */
  sleep?: Sleep;
  logger?: Logger;
}

/** A retry per 429, as the Mattermost tracker waited: five retries, backing off from 1 s to 30 s. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelay: 1000, maxDelay: 30_000 };

export interface ResolvedOptions {
  url: string;
  auth: { token: string } | { loginId: string; password: string };
  teams: string[] | undefined;
  channels: string[] | undefined;
  includeBots: boolean;
  includeDeactivated: boolean;
  pushOwnStatus: boolean;
  refreshInterval: number;
  batchSize: number;
  requestsPerSecond: number | undefined;
  concurrency: number;
  retry: RetryOptions;
  maxRetryWait: number;
  clock: Clock;
  /** What the budget and the retries wait with and count on. */
  seams: Required<TimeSeams>;
  logger: Logger | undefined;
}

const describe = (value: unknown) =>
  value === undefined
    ? 'nothing'
    : typeof value === 'string'
      ? 'a string'
      : Array.isArray(value)
        ? 'an array'
        : typeof value;

/** Checks what a host app passed, naming every wrong field; secrets are never echoed. */
export function resolveOptions(
  auth: MattermostAuth,
  options: MattermostProviderOptions = {},
): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const a = (auth ?? {}) as unknown as Record<string, unknown>;
  const o = (options ?? {}) as Record<string, unknown>;

  let url = '';
  if (typeof a.url !== 'string' || a.url.length === 0) {
    issues.push({
      path: 'url',
      message: `expected the server's address, e.g. https://chat.example.com, received ${describe(a.url)}`,
    });
  } else {
    try {
      const parsed = new URL(a.url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      url = parsed.href.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
    } catch {
      issues.push({
        path: 'url',
        message: 'expected an http or https address, e.g. https://chat.example.com',
        received: a.url,
      });
    }
  }

  let resolvedAuth: ResolvedOptions['auth'] | undefined;
  const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  if ('token' in a) {
    if (nonEmpty(a.token)) resolvedAuth = { token: a.token };
    else
      issues.push({
        path: 'token',
        message: `expected a personal access token or bot token, received ${describe(a.token)}`,
      });
  } else if ('loginId' in a || 'password' in a) {
    if (!nonEmpty(a.loginId))
      issues.push({
        path: 'loginId',
        message: `expected a username or e-mail address, received ${describe(a.loginId)}`,
      });
    if (!nonEmpty(a.password))
      issues.push({
        path: 'password',
        message: `expected the account's password, received ${describe(a.password)}`,
      });
    if (nonEmpty(a.loginId) && nonEmpty(a.password))
      resolvedAuth = { loginId: a.loginId, password: a.password };
  } else {
    issues.push({ path: 'token', message: 'expected either token, or loginId and password' });
  }

  const list = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length === 0)) {
      issues.push({ path: key, message: `expected a list of non-empty strings, received ${describe(v)}` });
      return undefined;
    }
    return [...new Set(v as string[])];
  };
  const flag = (key: string): boolean => {
    const v = o[key];
    if (v === undefined) return false;
    if (typeof v !== 'boolean')
      issues.push({ path: key, message: `expected true or false, received ${describe(v)}` });
    return v === true;
  };
  const number = (key: string, fallback: number, integer: boolean, min: number): number => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      issues.push({
        path: key,
        message: `expected ${integer ? 'a whole number' : 'a number'} of at least ${min}, received ${typeof v === 'number' ? v : describe(v)}`,
      });
      return fallback;
    }
    return v;
  };

  const teams = list('teams');
  const channels = list('channels');
  for (const c of channels ?? []) {
    if (!isId(c) && !/^[^/]+\/[^/]+$/.test(c)) {
      issues.push({
        path: 'channels',
        message: 'expected channel ids or team-name/channel-name',
        received: c,
      });
    }
  }
  const requestsPerSecond =
    o.requestsPerSecond === undefined ? undefined : number('requestsPerSecond', 0, false, Number.MIN_VALUE);
  const clock = o.clock as Clock | undefined;
  if (clock !== undefined && typeof clock?.now !== 'function') {
    issues.push({ path: 'clock', message: 'expected an object with now(): Date' });
  }
  const sleep = o.sleep as Sleep | undefined;
  if (sleep !== undefined && typeof sleep !== 'function') {
    issues.push({ path: 'sleep', message: 'expected a function (ms, signal?) => Promise<void>' });
  }
  const retry = checkRetryOptions(o.retry, DEFAULT_RETRY);
  const resolved: ResolvedOptions = {
    url,
    auth: resolvedAuth ?? { token: '' },
    teams,
    channels,
    includeBots: flag('includeBots'),
    includeDeactivated: flag('includeDeactivated'),
    pushOwnStatus: flag('pushOwnStatus'),
    refreshInterval: number('refreshInterval', 600_000, false, 0),
    batchSize: number('batchSize', 1000, true, 1),
    requestsPerSecond,
    concurrency: number('concurrency', 4, true, 1),
    retry: retry.value,
    maxRetryWait: number('maxRetryWait', 60_000, false, 0),
    clock: clock ?? systemClock,
    seams:
      typeof sleep === 'function'
        ? { clock: clock ?? systemClock, sleep }
        : { clock: systemClock, sleep: timerSleep },
    logger: o.logger as Logger | undefined,
  };
  issues.push(...retry.issues);
  if (issues.length > 0) throw new ConfigError('mattermostProvider: invalid options', issues);
  return resolved;
}

/** Mattermost's ids: 26 lowercase letters and digits. */
export function isId(value: string): boolean {
  return /^[a-z0-9]{26}$/.test(value);
}
