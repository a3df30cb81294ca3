import { ConfigError, type ConfigIssue } from '@presence-tracker/core';

export interface SqliteStoreOptions {
  /** The database file, created when missing; `':memory:'` for a private in-memory database. */
  path: string;
  /**
   * Keep raw samples: `true` (default) keeps them all, `false` none, `{ days }` those observed in the
   * last `days` days before the newest poll, removing older ones as polls are written.
   */
  keepSamples?: boolean | { days: number };
  /** How long a statement waits for another process's write to finish, in ms. Default: 5000. */
  busyTimeout?: number;
  /**
   * How long the writer role survives without a heartbeat, in ms, before another instance may take
   * it over. Default: 60000. A holder whose process is gone on the same host is replaced at once.
   */
  lockTimeout?: number;
  /**
   * Open the file only to read it (reports, timelines, dashboards): the file must exist and carry
   * the current schema; nothing is migrated, the writer role is never claimed, and every write is
   * refused with `STORE_READ_ONLY`. Works on a read-only file or folder. Default: false.
   */
  readOnly?: boolean;
}

export interface ResolvedOptions {
  path: string;
  keepSamples: boolean;
  /** Retention in ms, or `null` to keep every sample. */
  retention: number | null;
  busyTimeout: number;
  lockTimeout: number;
  readOnly: boolean;
}

const DAY = 86_400_000;

/** Checks options up front, naming every field that is wrong and what was expected. */
export function resolveOptions(options: SqliteStoreOptions): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const o = (options ?? {}) as Partial<Record<keyof SqliteStoreOptions, unknown>>;
  const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

  if (typeof o.path !== 'string' || o.path.trim() === '') {
    issues.push({ path: 'path', message: 'expected a file path or ":memory:"', received: describe(o.path) });
  }
  let keepSamples = true;
  let retention: number | null = null;
  const keep = o.keepSamples;
  if (typeof keep === 'boolean') keepSamples = keep;
  else if (typeof keep === 'object' && keep !== null && !Array.isArray(keep)) {
    const days = (keep as { days?: unknown }).days;
    if (typeof days === 'number' && Number.isFinite(days) && days > 0) retention = days * DAY;
    else
      issues.push({
        path: 'keepSamples.days',
        message: 'expected a number of days above 0',
        received: String(days),
      });
  } else if (keep !== undefined) {
    issues.push({
      path: 'keepSamples',
      message: 'expected true, false or { days: number }',
      received: describe(keep),
    });
  }
  const milliseconds = (field: 'busyTimeout' | 'lockTimeout', fallback: number, min: number) => {
    const v = o[field];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    issues.push({
      path: field,
      message: `expected whole milliseconds, at least ${min}`,
      received: String(v),
    });
    return fallback;
  };
  const busyTimeout = milliseconds('busyTimeout', 5000, 0);
  const lockTimeout = milliseconds('lockTimeout', 60_000, 1000);

  const readOnly = o.readOnly ?? false;
  if (typeof readOnly !== 'boolean') {
    issues.push({ path: 'readOnly', message: 'expected true or false', received: describe(readOnly) });
  } else if (readOnly && o.path === ':memory:') {
    issues.push({
      path: 'readOnly',
      message: 'expected a database file: a private in-memory database has nothing to read',
      received: 'true',
    });
  }

  if (issues.length > 0) throw new ConfigError('invalid sqliteStore options:', issues);
  return {
    path: o.path as string,
    keepSamples,
    retention,
    busyTimeout,
    lockTimeout,
    readOnly: readOnly === true,
  };
}
