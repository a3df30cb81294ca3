import type { ConfigIssue } from '../errors.ts';
import { issue } from './issues.ts';
import type { NativeConfigInput } from './schema.ts';

export type Environment = Record<string, string | undefined>;

/**
 * `{ "env": "NAME" }` anywhere in a configuration stands for the environment variable `NAME`, so
 * secrets can stay out of the file. An object form rather than `${NAME}` inside strings: it cannot be
 * mistaken for a password that happens to contain `${`, and JSON editors can check it.
 */
export function isEnvReference(value: unknown): value is { env: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'env' && typeof (value as { env: unknown }).env === 'string';
}

/** Replaces every `{ env }` reference by the variable's value; an unset one becomes an issue. */
export function resolveEnvReferences(
  value: unknown,
  env: Environment,
  issues: ConfigIssue[],
  path: PropertyKey[] = [],
): unknown {
  if (isEnvReference(value)) {
    const resolved = env[value.env];
    if (resolved === undefined || resolved === '') {
      issues.push({
        path: path.map(String).join('.'),
        message: `expected the environment variable ${value.env} to be set, received nothing`,
        received: 'nothing',
      });
      return undefined;
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvReferences(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvReferences(v, env, issues, [...path, k])]),
    );
  }
  return value;
}

/** The variables the Mattermost tracker was configured with. */
export const MATTERMOST_ENV = ['MM_URL', 'MM_USER', 'MM_PASSWORD', 'MM_TOKEN', 'API_DELAY'] as const;
export const POSTGRES_ENV = ['PG_HOST', 'PG_PORT', 'PG_USER', 'PG_PASSWORD', 'PG_DB', 'PG_SCHEMA'] as const;

/** True when the environment holds a Mattermost tracker's configuration. */
export function hasEnvironmentConfig(env: Environment): boolean {
  return Boolean(env.MM_URL);
}

/**
 * The Mattermost tracker's environment (`MM_URL`, `MM_USER`, `MM_PASSWORD`, `PG_*`, `API_DELAY`) as a
 * native configuration: every user the account can see, into Postgres when any `PG_*` variable is
 * set and into a SQLite file otherwise. `API_DELAY` was the seconds to wait between API calls; it
 * becomes a request budget of `1 / API_DELAY` requests a second. `MM_TOKEN` may replace user and
 * password.
 */
export function environmentToNative(env: Environment, issues: ConfigIssue[]): NativeConfigInput {
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const url = set('MM_URL');
  if (url === undefined) issues.push(issue(['MM_URL'], "expected the Mattermost server's URL", undefined));
  const token = set('MM_TOKEN');
  const loginId = set('MM_USER');
  const password = set('MM_PASSWORD');
  if (token === undefined) {
    if (loginId === undefined)
      issues.push(issue(['MM_USER'], 'expected the user to sign in as (or MM_TOKEN)', undefined));
    if (password === undefined)
      issues.push(issue(['MM_PASSWORD'], "expected the user's password (or MM_TOKEN)", undefined));
  }

  const number = (name: string, check: (n: number) => boolean, expected: string): number | undefined => {
    const raw = set(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
      issues.push({
        path: name,
        message: `${expected}, received a string that is not one`,
        received: 'a string',
      });
      return undefined;
    }
    return n;
  };
  const delay = number('API_DELAY', (n) => n >= 0, 'expected the seconds between API calls, a number >= 0');
  const port = number(
    'PG_PORT',
    (n) => Number.isInteger(n) && n > 0 && n < 65536,
    'expected a port number 1 to 65535',
  );

  const postgres = POSTGRES_ENV.some((name) => set(name) !== undefined);
  return {
    provider: {
      type: 'mattermost',
      url: url ?? '',
      ...(token !== undefined ? { token } : { loginId, password }),
      ...(delay !== undefined && delay > 0 && { requestsPerSecond: 1 / delay }),
    },
    store: postgres
      ? {
          type: 'postgres',
          host: set('PG_HOST') ?? 'localhost',
          port: port ?? 5432,
          ...(set('PG_USER') !== undefined && { user: set('PG_USER') }),
          ...(set('PG_PASSWORD') !== undefined && { password: set('PG_PASSWORD') }),
          ...(set('PG_DB') !== undefined && { database: set('PG_DB') }),
          ...(set('PG_SCHEMA') !== undefined && { schema: set('PG_SCHEMA') }),
        }
      : { type: 'sqlite' },
    users: 'discover',
  };
}
