import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { PolicyOptions } from '../machine/index.ts';
import type { Schedule } from '../schedule/index.ts';
import type { UserSpec } from '../tracker/options.ts';
import { type Environment, environmentToNative, resolveEnvReferences } from './environment.ts';
import { describeIssues, issue } from './issues.ts';
import {
  isParamsJson,
  paramsJsonPairIssues,
  paramsJsonSchema,
  paramsJsonToNative,
  parseSeverityPrefix,
} from './params-json.ts';
import {
  type CoordinationConfig,
  type NativeConfigInput,
  type NotifierConfig,
  nativeConfigSchema,
  type ProviderConfig,
  type StoreConfig,
} from './schema.ts';

export {
  type Environment,
  hasEnvironmentConfig,
  isEnvReference,
  MATTERMOST_ENV,
  POSTGRES_ENV,
} from './environment.ts';
export {
  isParamsJson,
  PARAMS_JSON_DATABASE,
  PARAMS_JSON_FIELDS,
  parseSeverityPrefix,
} from './params-json.ts';
export {
  type CoordinationConfig,
  type GraphProviderConfig,
  type MattermostProviderConfig,
  type NativeConfigInput,
  type NotifierConfig,
  nativeConfigSchema,
  type ProviderConfig,
  type SimulatedProviderConfig,
  type StoreConfig,
} from './schema.ts';

/** The database file a native configuration without a `store` gets, beside the configuration file. */
export const DEFAULT_DATABASE = 'presence-tracker.db';
export const DEFAULT_POLL_INTERVAL = 60_000;
export const DEFAULT_REPORT_DAYS = 7;

/**
 * A checked configuration, as plain data: which provider, store and notifiers to build and how to
 * track. Paths are absolute; defaults are filled in. Core builds no adapter from it: the command line
 * (or a host app) does, since core knows no adapter.
 */
export interface PresenceTrackerConfig {
  /** What was read: the native shape, the Python tracker's params.json, or the Mattermost tracker's environment. */
  format: 'native' | 'params.json' | 'environment';
  /** The file read, when there was one. */
  file: string | null;
  /** Where relative paths were resolved from: the file's folder, else the working directory. */
  baseDir: string;
  provider: ProviderConfig;
  store: StoreConfig;
  users: UserSpec[] | 'discover';
  schedule?: Schedule;
  policy?: PolicyOptions;
  /** Milliseconds between polls. */
  pollInterval: number;
  /** Each with a unique `name`. */
  notifiers: (NotifierConfig & { name: string })[];
  /** Defaults for reports and timelines. */
  report: { days: number; timeZone: string; outDir: string };
  /** Shares the users with other trackers through the Postgres store; absent: this tracker tracks all. */
  coordination?: CoordinationConfig;
}

export interface LoadConfigOptions {
  /** Where `{ "env": "NAME" }` references are looked up. Default: `process.env`. */
  env?: Environment;
  /** Where relative paths in a configuration given as an object resolve from. Default: the working directory. */
  baseDir?: string;
  /** The zone for a params.json's hours and for reports when none is configured. Default: the machine's. */
  timeZone?: string;
}

/**
 * Reads and checks a configuration: a JSON file's path, or the parsed object. Both the native shape
 * and the Python tracker's params.json are accepted; which one is told by the fields present.
 * Throws a `ConfigError` listing every problem found, each naming its field.
 */
export async function loadConfig(
  source: string | object,
  options: LoadConfigOptions = {},
): Promise<PresenceTrackerConfig> {
  if (typeof source === 'string') {
    const file = resolve(source);
    const value = parseJsonFile(file, await readConfigFile(file));
    return checkConfig(value, { ...options, baseDir: dirname(file) }, file);
  }
  return checkConfig(source, options, null);
}

/**
 * The Mattermost tracker's environment variables (`MM_URL`, `MM_USER`, `MM_PASSWORD` or `MM_TOKEN`,
 * `PG_HOST`, `PG_PORT`, `PG_USER`, `PG_PASSWORD`, `PG_DB`, `API_DELAY`) as a configuration.
 */
export function configFromEnvironment(
  env: Environment = process.env,
  options: LoadConfigOptions = {},
): PresenceTrackerConfig {
  const issues: ConfigIssue[] = [];
  const native = environmentToNative(env, issues);
  if (issues.length > 0) throw new ConfigError('invalid configuration in the environment:', issues);
  return finish(native, 'environment', null, options);
}

function checkConfig(value: unknown, options: LoadConfigOptions, file: string | null): PresenceTrackerConfig {
  const where = file === null ? 'invalid configuration:' : `invalid configuration in ${file}:`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(where, [issue([], 'expected an object with the configuration', value)]);
  }
  const issues: ConfigIssue[] = [];
  const resolved = resolveEnvReferences(value, options.env ?? process.env, issues);
  // A field whose variable is unset is told once, as the missing variable.
  const fresh = (found: ConfigIssue[]) => found.filter((f) => !issues.some((i) => i.path === f.path));

  if (isParamsJson(resolved)) {
    const params = paramsJsonSchema.safeParse(resolved);
    const found = params.success ? [] : describeIssues(params.error, resolved);
    // A pair problem on a field that is already wrong by itself would only repeat it.
    const pairs = paramsJsonPairIssues(resolved as Record<string, unknown>).filter(
      (p) => !found.some((f) => f.path === p.path),
    );
    issues.push(...fresh([...found, ...pairs]));
    if (issues.length > 0 || !params.success) throw new ConfigError(where, issues);
    return finish(
      paramsJsonToNative(params.data, options.timeZone ?? localTimeZone()),
      'params.json',
      file,
      options,
      where,
    );
  }
  return finish(resolved as NativeConfigInput, 'native', file, options, where, issues, fresh);
}

function finish(
  input: NativeConfigInput,
  format: PresenceTrackerConfig['format'],
  file: string | null,
  options: LoadConfigOptions,
  where = 'invalid configuration:',
  issues: ConfigIssue[] = [],
  fresh: (found: ConfigIssue[]) => ConfigIssue[] = (found) => found,
): PresenceTrackerConfig {
  const parsed = nativeConfigSchema.safeParse(input);
  if (!parsed.success) issues.push(...fresh(describeIssues(parsed.error, input)));
  // Fields that go together are judged once each field is right by itself, and no variable is missing.
  else if (issues.length === 0) issues.push(...crossFieldIssues(parsed.data));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(where, issues);

  const config = parsed.data;
  const baseDir = resolve(file === null ? (options.baseDir ?? process.cwd()) : dirname(file));
  const zone = options.timeZone ?? localTimeZone();
  const at = (path: string) => (path === ':memory:' || isAbsolute(path) ? path : resolve(baseDir, path));

  const provider: ProviderConfig =
    config.provider.type === 'graph'
      ? {
          ...config.provider,
          ...(config.provider.certificatePath !== undefined && {
            certificatePath: at(config.provider.certificatePath),
          }),
          ...(config.provider.tokenCacheDir !== undefined && {
            tokenCacheDir: at(config.provider.tokenCacheDir),
          }),
        }
      : config.provider;
  const store: StoreConfig = config.store ?? { type: 'sqlite' };
  const schedule = config.schedule && {
    timeZone: config.schedule.timeZone ?? zone,
    windows: config.schedule.windows,
  };

  return {
    format,
    file,
    baseDir,
    provider,
    store: store.type === 'sqlite' ? { ...store, path: at(store.path ?? DEFAULT_DATABASE) } : store,
    users:
      config.users === 'discover'
        ? 'discover'
        : config.users.map((u) =>
            typeof u === 'string' ? parseSeverityPrefix(u) : { severity: 0 as const, ...u },
          ),
    ...(schedule && { schedule }),
    ...(config.policy && { policy: config.policy }),
    ...(config.coordination && { coordination: config.coordination }),
    pollInterval: config.pollInterval ?? DEFAULT_POLL_INTERVAL,
    notifiers: (config.notifiers ?? []).map((n, i) => ({ ...n, name: n.name ?? `webhook-${i + 1}` })),
    report: {
      days: config.report?.days ?? DEFAULT_REPORT_DAYS,
      timeZone: config.report?.timeZone ?? schedule?.timeZone ?? zone,
      outDir: at(config.report?.outDir ?? 'reports'),
    },
  };
}

/** What one field's schema cannot say: fields that only make sense together. */
function crossFieldIssues(config: z.output<typeof nativeConfigSchema>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { provider, store } = config;
  if (config.coordination && store?.type !== 'postgres') {
    issues.push(
      issue(['coordination'], 'expected a postgres store: trackers share users through it', undefined),
    );
  }
  if (provider.type === 'mattermost' && provider.token === undefined) {
    if (provider.loginId === undefined) {
      issues.push(
        issue(['provider', 'loginId'], 'expected a user name with password, or a token', undefined),
      );
    }
    if (provider.password === undefined) {
      issues.push(issue(['provider', 'password'], 'expected a password with loginId, or a token', undefined));
    }
  }
  if (provider.type === 'graph') {
    const appOnly = provider.clientSecret !== undefined || provider.certificatePath !== undefined;
    if (provider.clientSecret !== undefined && provider.certificatePath !== undefined) {
      issues.push(
        issue(
          ['provider', 'certificatePath'],
          'expected clientSecret or certificatePath, not both',
          provider.certificatePath,
        ),
      );
    }
    if (appOnly && provider.tenantId === undefined) {
      issues.push(issue(['provider', 'tenantId'], 'expected the tenant id for app-only sign-in', undefined));
    }
  }
  if (store?.type === 'postgres' && store.connectionString === undefined && store.host === undefined) {
    issues.push(issue(['store', 'connectionString'], 'expected a connectionString or a host', undefined));
  }
  const names = (config.notifiers ?? []).map((n, i) => n.name ?? `webhook-${i + 1}`);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      issues.push(issue(['notifiers', i, 'name'], 'expected a name no other notifier has', name));
  });
  return issues;
}

/** A copy safe to print: secrets replaced, URLs' credentials and query strings hidden. */
export function redactConfig(config: PresenceTrackerConfig): PresenceTrackerConfig {
  const hidden = '[hidden]';
  const hide = <T extends object>(o: T, keys: string[]): T =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, keys.includes(k) && v !== undefined ? hidden : v]),
    ) as T;
  const safeUrl = (raw: string) => {
    try {
      const url = new URL(raw);
      if (url.password) url.password = hidden;
      if (url.search) url.search = `?${hidden}`;
      return url.toString();
    } catch {
      return hidden;
    }
  };
  return {
    ...config,
    provider: hide(config.provider, ['clientSecret', 'password', 'token']),
    store: hide(config.store, ['password', 'connectionString']),
    notifiers: config.notifiers.map((n) => ({ ...hide(n, ['secret']), url: safeUrl(n.url) })),
  };
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new ConfigError(`cannot read the configuration file ${file}: ${reason}`, [], { cause: error });
  }
}

/** JSON.parse's messages quote the text around a mistake, which may be a secret: tell the place only. */
function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message));
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new ConfigError(`invalid configuration in ${file}:`, [
      { path: '', message: `expected valid JSON, received text that is not${where}`, received: 'a string' },
    ]);
  }
}
