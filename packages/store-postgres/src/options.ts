import { ConfigError, type ConfigIssue, type Logger } from '@presence-tracker/core';
import {
  checkRetryOptions,
  type RetryOptionsInput,
  type Sleep,
  timerSleep,
} from '@presence-tracker/core/resilience';
import type pg from 'pg';
import { DEFAULT_RETRY, type StoreRetry } from './connection.ts';

/**
 * The store's `retry` option: core's `RetryOptions`, each field optional. `minDelay` is the old name of
 * `baseDelay`, still accepted (with a warning in the log).
 */
export type PostgresRetryOptions = RetryOptionsInput & {
  /** @deprecated The old name of `baseDelay`. */
  minDelay?: number;
};

interface CommonOptions {
  /** The schema every table and view lives in; created when missing. Default: `presence_tracker`. */
  schema?: string;
  /**
   * Keep raw samples (and fill `channel_user_status`): `true` forever, `false` never, or
   * `{ days }` to delete samples older than that many days. Default: `true`.
   */
  keepSamples?: boolean | { days: number };
  /**
   * How a call that fails because the server is away is tried again: `{ attempts, baseDelay, maxDelay }`
   * (core's `RetryOptions`); `false` not to. Default: 10 attempts from 250 ms up to 5 s, which keeps
   * trying for 14 to 28 s.
   */
  retry?: PostgresRetryOptions | false;
  /**
   * How the retries wait. Tests pass core's `advancingSleep(clock)` or a sleep of their own to run
   * through the back-off without a wall clock. Default: timers.
   */
  sleep?: Sleep;
  /** Connections in the pool the store makes from `connectionString`. Default: 10. */
  maxConnections?: number;
  /** Where retries are reported. Default: silent. */
  logger?: Logger;
  /**
   * Only read (reports, timelines, dashboards): the schema must exist at this package's version;
   * nothing is created or migrated, every write is refused with `STORE_READ_ONLY`, and the store's
   * own connections run with `default_transaction_read_only`. Default: false.
   */
  readOnly?: boolean;
}

export type PostgresStoreOptions = CommonOptions &
  (
    | {
        /** `postgres://user:password@host:port/database`; the store makes and closes its own pool. */
        connectionString: string;
        pool?: undefined;
      }
    | {
        /** A pool the host application owns; the store never ends it. */
        pool: pg.Pool;
        connectionString?: undefined;
      }
  );

export interface ResolvedOptions {
  connectionString: string | undefined;
  pool: pg.Pool | undefined;
  schema: string;
  keepSamples: boolean;
  /** Samples older than this many milliseconds are deleted; `null` keeps them. */
  retainMs: number | null;
  retry: StoreRetry;
  maxConnections: number;
  readOnly: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A URL with the `postgres:` or `postgresql:` scheme (a socket folder goes in `?host=`). */
export function isPostgresUrl(value: string): boolean {
  return URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol);
}
const DAY = 86_400_000;

/** Checks the options, naming every field that is wrong and what was expected. */
export function resolveOptions(options: PostgresStoreOptions): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const bad = (path: string, message: string, received?: unknown) =>
    issues.push({ path, message, ...(received === undefined ? {} : { received: describe(received) }) });

  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('postgresStore: invalid options:', [
      { path: '(root)', message: 'expected an object with connectionString or pool' },
    ]);
  }
  const { connectionString, pool } = options;
  if (connectionString !== undefined && pool !== undefined) {
    bad('connectionString', 'give either connectionString or pool, not both');
  } else if (pool !== undefined) {
    if (typeof pool !== 'object' || pool === null || typeof (pool as pg.Pool).connect !== 'function') {
      bad('pool', 'expected a pg.Pool', pool);
    }
  } else if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    // Only a blank or non-string value reaches here, so echoing it cannot leak a password.
    bad('connectionString', 'expected a postgres:// connection string (or pass pool)', connectionString);
  } else if (!isPostgresUrl(connectionString)) {
    // node-postgres reads `user:pw@host/db` as a path on localhost:5432, and an unparsable string fails
    // only at the first connection. The string may hold a password: it is never echoed.
    bad(
      'connectionString',
      'expected a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/database (the value is not shown: it may hold a password)',
    );
  }

  const schema = options.schema ?? 'presence_tracker';
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    bad(
      'schema',
      'expected a name of letters, digits and underscores, not starting with a digit, at most 63 long',
      schema,
    );
  }

  let keepSamples = true;
  let retainMs: number | null = null;
  const keep = options.keepSamples;
  if (typeof keep === 'boolean') keepSamples = keep;
  else if (typeof keep === 'object' && keep !== null) {
    if (typeof keep.days !== 'number' || !(keep.days > 0) || !Number.isFinite(keep.days)) {
      bad('keepSamples.days', 'expected a positive number of days', keep.days);
    } else retainMs = keep.days * DAY;
  } else if (keep !== undefined) bad('keepSamples', 'expected true, false or { days }', keep);

  const sleep = options.sleep ?? timerSleep;
  if (typeof sleep !== 'function') bad('sleep', 'expected a function (ms, signal?) => Promise<void>');
  const retry = resolveRetry(options.retry, issues, options.logger);

  const maxConnections = options.maxConnections ?? 10;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    bad('maxConnections', 'expected a whole number, at least 1', maxConnections);
  }

  const readOnly = options.readOnly ?? false;
  if (typeof readOnly !== 'boolean') bad('readOnly', 'expected true or false', readOnly);

  if (issues.length > 0) throw new ConfigError('postgresStore: invalid options:', issues);
  return {
    connectionString,
    pool,
    schema,
    keepSamples,
    retainMs,
    retry: { ...retry, sleep },
    maxConnections,
    readOnly,
  };
}

/** `retry` checked by core's rules, its old spelling `minDelay` taken as `baseDelay`. */
function resolveRetry(
  input: PostgresRetryOptions | false | undefined,
  issues: ConfigIssue[],
  logger?: Logger,
) {
  if (input === false) return { ...DEFAULT_RETRY, attempts: 1 };
  let given: unknown = input;
  if (typeof input === 'object' && input !== null && 'minDelay' in input) {
    const { minDelay, ...rest } = input;
    if (rest.baseDelay !== undefined) {
      issues.push({ path: 'retry.minDelay', message: 'expected baseDelay alone: minDelay is its old name' });
    } else {
      given = { ...rest, baseDelay: minDelay };
      logger?.warn({ store: 'postgres' }, 'retry.minDelay is deprecated: call it retry.baseDelay');
    }
  }
  const checked = checkRetryOptions(given, DEFAULT_RETRY);
  issues.push(...checked.issues);
  return checked.value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
