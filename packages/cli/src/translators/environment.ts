import { join } from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  loadConfig,
  type PluginConfig,
  type PresenceTrackerConfig,
} from '@presence-tracker/core';
import {
  type BuiltinPlugins,
  type Environment,
  configIssue as issue,
  type NativeConfigInput,
} from '@presence-tracker/core/config';

// The sqlite plugin's default file name; not imported, so reading the environment loads no SQLite driver.
const DEFAULT_DATABASE = 'presence-tracker.db';

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
export function environmentToNative(
  env: Environment,
  issues: ConfigIssue[],
  baseDir: string = process.cwd(),
): NativeConfigInput {
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
      : { type: 'sqlite', path: join(baseDir, DEFAULT_DATABASE) },
    users: 'discover',
  };
}

/** Each native field and the variable it came from, so problems are told by variable. */
const SOURCE_NAMES: Record<string, string> = {
  'provider.url': 'MM_URL',
  'provider.loginId': 'MM_USER',
  'provider.password': 'MM_PASSWORD',
  'provider.token': 'MM_TOKEN',
  'provider.requestsPerSecond': 'API_DELAY',
  'store.host': 'PG_HOST',
  'store.port': 'PG_PORT',
  'store.user': 'PG_USER',
  'store.password': 'PG_PASSWORD',
  'store.database': 'PG_DB',
  'store.schema': 'PG_SCHEMA',
};

export interface EnvironmentConfigOptions {
  /** Where the SQLite file goes when no PG_* variable is set. Default: the working directory. */
  baseDir?: string;
  /** With the built-in plugins, the provider's and store's options are checked too. */
  plugins?: BuiltinPlugins;
}

/**
 * The Mattermost tracker's environment variables (`MM_URL`, `MM_USER`, `MM_PASSWORD` or `MM_TOKEN`,
 * `PG_HOST`, `PG_PORT`, `PG_USER`, `PG_PASSWORD`, `PG_DB`, `API_DELAY`) as a configuration. Every
 * problem is told at once, by variable name.
 */
export async function configFromEnvironment(
  env: Environment,
  options: EnvironmentConfigOptions & { plugins: BuiltinPlugins },
): Promise<PluginConfig>;
export async function configFromEnvironment(
  env?: Environment,
  options?: EnvironmentConfigOptions,
): Promise<PresenceTrackerConfig>;
export async function configFromEnvironment(
  env: Environment = process.env,
  options: EnvironmentConfigOptions = {},
): Promise<PresenceTrackerConfig> {
  const baseDir = options.baseDir ?? process.cwd();
  const issues: ConfigIssue[] = [];
  const native = environmentToNative(env, issues, baseDir);
  let config: PresenceTrackerConfig | undefined;
  try {
    config = await loadConfig(native, {
      env,
      baseDir,
      format: 'environment',
      ...(options.plugins && { plugins: options.plugins }),
    });
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    // A variable already told as missing or malformed is not told again through its field.
    const told = new Set(issues.map((i) => i.path));
    for (const found of error.issues) {
      const path = renamed(found.path);
      if (!told.has(path)) issues.push({ ...found, path });
    }
  }
  if (issues.length > 0 || !config)
    throw new ConfigError('invalid configuration in the environment:', issues);
  return { ...config, sourceNames: SOURCE_NAMES };
}

function renamed(path: string): string {
  const from = Object.keys(SOURCE_NAMES).find((n) => path === n || path.startsWith(`${n}.`));
  return from === undefined ? path : SOURCE_NAMES[from] + path.slice(from.length);
}
