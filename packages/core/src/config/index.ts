import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { PolicyOptions } from '../machine/index.ts';
import type { BuiltinPlugins, ConfiguredPlugins } from '../plugin/index.ts';
import { resolvePlugins } from '../plugin/resolve.ts';
import type { Schedule } from '../schedule/index.ts';
import type { UserSpec } from '../tracker/options.ts';
import { type Environment, resolveEnvReferences } from './environment.ts';
import { describeIssues, issue, renameIssues } from './issues.ts';
import { parseJson } from './json.ts';
import {
  type CoordinationConfig,
  type NativeConfigInput,
  nativeConfigSchema,
  type PluginBlock,
  type PushConfig,
} from './schema.ts';

export { type Environment, isEnvReference, resolveEnvReferences } from './environment.ts';
export { describeIssues, issue as configIssue, suggest, typeName } from './issues.ts';
export { isLoopbackAddress, isLoopbackHost } from './loopback.ts';
export {
  type CoordinationConfig,
  type NativeConfigInput,
  nativeConfigSchema,
  type PluginBlock,
  type PushConfig,
  prefixedKey,
} from './schema.ts';

export const DEFAULT_POLL_INTERVAL = 60_000;
export const DEFAULT_REPORT_DAYS = 7;

/**
 * A checked configuration, as plain data: which plugins make the provider, store and notifiers, with
 * their options as written (secrets resolved), and how to track. Paths of core's own fields are
 * absolute; a plugin resolves its own relative paths from `baseDir`.
 */
export interface PresenceTrackerConfig {
  /** What was read: `native`, or the `format` of the translator that turned it into the native shape. */
  format: string;
  /** The file read, when there was one. */
  file: string | null;
  /** Where relative paths resolve from: the file's folder, else the working directory. */
  baseDir: string;
  provider: PluginBlock;
  store: PluginBlock;
  users: UserSpec[] | 'discover';
  schedule?: Schedule;
  policy?: PolicyOptions;
  /** Milliseconds between polls. */
  pollInterval: number;
  /** The longest time between polls while every reading holds (`validUntil`); the tracker's default when absent. */
  maxPollInterval?: number;
  /** How many people a poll asks the provider about at once; the provider's, or the tracker's default, when absent. */
  pollBatchSize?: number;
  /** How many people `run.ended` lists by name; the tracker's default (10,000) when absent. */
  runSummaryPeople?: number;
  /** Each with a unique `name`. */
  notifiers: (PluginBlock & { name: string })[];
  /** Defaults for reports and timelines. */
  report: { days: number; timeZone: string; outDir: string };
  /** Shares the users with other trackers through the store's leases; absent: this tracker tracks all. */
  coordination?: CoordinationConfig;
  /** Where the endpoint for a pushing provider's platform is hosted; absent: none is. */
  push?: PushConfig;
  /** The dashboard `serve` runs: its token (absent: loopback only) and where it listens. */
  web: { token?: string; host: string; port: number };
  /** Defaults a translator took for fields the file left out, in words, to be shown to the user. */
  notices: string[];
  /** Native paths and what the source called them (`provider.url` -> `MM_URL`), for messages. */
  sourceNames: Record<string, string>;
}

/** The plugins a configuration names, loaded and with their options checked. */
export type PluginConfig = PresenceTrackerConfig & { plugins: ConfiguredPlugins };

/**
 * Another shape of configuration that older programs wrote (a params file, environment variables),
 * turned into the native shape before it is checked.
 */
export interface ConfigTranslator {
  /** Reported as the configuration's `format`, e.g. `params.json`. */
  readonly format: string;
  /** True when a parsed file is in this shape rather than the native one. */
  detect(value: Record<string, unknown>): boolean;
  /**
   * The native shape. Problems go to `issues` under the source's own field names; defaults taken for
   * fields left out go to `notices`. Return `sourceNames` to name native fields as the source did,
   * and no `config` when nothing more can be checked.
   */
  translate(
    value: Record<string, unknown>,
    context: TranslateContext,
  ): { config: NativeConfigInput | undefined; sourceNames?: Record<string, string> };
}

export interface TranslateContext {
  /** The zone to read local hours in when the source names none. */
  timeZone: string;
  issues: ConfigIssue[];
  notices: string[];
}

export interface LoadConfigOptions {
  /** Where `{ "env": "NAME" }` references are looked up. Default: `process.env`. */
  env?: Environment;
  /** Where relative paths in a configuration given as an object resolve from. Default: the working directory. */
  baseDir?: string;
  /** The zone for translated hours and for reports when none is configured. Default: the machine's. */
  timeZone?: string;
  /** Other shapes accepted besides the native one, tried in order. */
  translators?: readonly ConfigTranslator[];
  /** The store of a configuration without `store`. Default: `{ type: 'memory' }`. */
  defaultStore?: PluginBlock;
  /** What to call an object given as the source. Default: `native`. */
  format?: string;
  /**
   * The built-in plugins: with them the provider, store and notifier blocks are loaded and checked by
   * their plugins' own schemas too, and every problem of the whole configuration is told at once.
   */
  plugins?: BuiltinPlugins;
}

/**
 * Reads and checks a configuration: a JSON file's path, or the parsed object. The native shape is
 * accepted, and any shape a translator in `options.translators` detects. Throws a `ConfigError`
 * listing every problem found, each naming its field.
 */
export async function loadConfig(
  source: string | object,
  options: LoadConfigOptions & { plugins: BuiltinPlugins },
): Promise<PluginConfig>;
export async function loadConfig(
  source: string | object,
  options?: LoadConfigOptions,
): Promise<PresenceTrackerConfig>;
export async function loadConfig(
  source: string | object,
  options: LoadConfigOptions = {},
): Promise<PresenceTrackerConfig> {
  if (typeof source === 'string') {
    const file = resolve(source);
    const value = parseJson(await readConfigFile(file), `invalid configuration in ${file}:`);
    return checkConfig(value, { ...options, baseDir: dirname(file) }, file);
  }
  return checkConfig(source, options, null);
}

async function checkConfig(
  value: unknown,
  options: LoadConfigOptions,
  file: string | null,
): Promise<PresenceTrackerConfig> {
  const where = file === null ? 'invalid configuration:' : `invalid configuration in ${file}:`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(where, [issue([], 'expected an object with the configuration', value)]);
  }
  const issues: ConfigIssue[] = [];
  const resolved = resolveEnvReferences(value, options.env ?? process.env, issues) as Record<string, unknown>;
  // A field whose variable is unset is told once, as the missing variable.
  const unset = new Set(issues.map((i) => i.path));
  const fresh = (found: ConfigIssue[]) => found.filter((f) => !unset.has(f.path));
  const zone = options.timeZone ?? localTimeZone();

  let native = resolved as NativeConfigInput;
  let format = options.format ?? 'native';
  let sourceNames: Record<string, string> = {};
  const notices: string[] = [];
  const translator =
    'provider' in resolved ? undefined : options.translators?.find((t) => t.detect(resolved));
  if (translator) {
    const found: ConfigIssue[] = [];
    const translated = translator.translate(resolved, { timeZone: zone, issues: found, notices });
    issues.push(...fresh(found));
    if (translated.config === undefined) throw new ConfigError(where, issues);
    native = translated.config;
    sourceNames = translated.sourceNames ?? {};
    format = translator.format;
  }

  const parsed = nativeConfigSchema.safeParse(native);
  if (!parsed.success) issues.push(...fresh(describeIssues(parsed.error, native, [], nativeConfigSchema)));
  else issues.push(...crossFieldIssues(parsed.data));
  const baseDir = resolve(file === null ? (options.baseDir ?? process.cwd()) : dirname(file));

  let config: PresenceTrackerConfig | undefined;
  if (parsed.success) {
    const data = parsed.data;
    const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
    const schedule = data.schedule && {
      timeZone: data.schedule.timeZone ?? zone,
      windows: data.schedule.windows,
    };
    config = {
      format,
      file,
      baseDir,
      provider: data.provider as PluginBlock,
      store: (data.store ?? options.defaultStore ?? { type: 'memory' }) as PluginBlock,
      users:
        data.users === 'discover'
          ? 'discover'
          : data.users.map((u) =>
              typeof u === 'string' ? parseSeverityPrefix(u) : { severity: 0 as const, ...u },
            ),
      ...(schedule && { schedule }),
      ...(data.policy && { policy: data.policy }),
      ...(data.coordination && { coordination: data.coordination }),
      ...(data.push && {
        push: {
          listen: {
            host: data.push.listen.host ?? '127.0.0.1',
            port: data.push.listen.port,
            path: (data.push.listen.path ?? '/push').replace(/(?<=.)\/+$/, ''),
          },
        },
      }),
      web: {
        ...(data.web?.token !== undefined && { token: data.web.token }),
        host: data.web?.host ?? '127.0.0.1',
        port: data.web?.port ?? 8080,
      },
      pollInterval: data.pollInterval ?? DEFAULT_POLL_INTERVAL,
      ...(data.maxPollInterval !== undefined && { maxPollInterval: data.maxPollInterval }),
      ...(data.pollBatchSize !== undefined && { pollBatchSize: data.pollBatchSize }),
      ...(data.runSummaryPeople !== undefined && { runSummaryPeople: data.runSummaryPeople }),
      notifiers: (data.notifiers ?? []).map((n, i) => ({ ...n, name: n.name ?? notifierName(n.type, i) })),
      report: {
        days: data.report?.days ?? DEFAULT_REPORT_DAYS,
        timeZone: data.report?.timeZone ?? schedule?.timeZone ?? zone,
        outDir: at(data.report?.outDir ?? 'reports'),
      },
      notices,
      sourceNames,
    };
  }

  // The plugins' own checks run even when core's fail, so every problem is told at once.
  let plugins: ConfiguredPlugins | undefined;
  if (options.plugins) {
    const blocks = config ?? pluginBlocks(native, options.defaultStore);
    try {
      plugins = await resolvePlugins(blocks, { builtins: options.plugins, baseDir, skip: unset });
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      issues.push(...fresh(error.issues));
    }
  }
  if (issues.length > 0 || !config) throw new ConfigError(where, renameIssues(issues, sourceNames));
  if (!plugins) return config;
  const withPlugins: PluginConfig = { ...config, plugins };
  return withPlugins;
}

/** The plugin blocks of a configuration whose other fields are wrong, so their options are checked too. */
function pluginBlocks(input: NativeConfigInput, defaultStore: PluginBlock | undefined) {
  const block = (v: unknown): PluginBlock | undefined =>
    v !== null &&
    typeof v === 'object' &&
    typeof (v as PluginBlock).type === 'string' &&
    (v as PluginBlock).type !== ''
      ? (v as PluginBlock)
      : undefined;
  const notifiers = Array.isArray(input.notifiers) ? input.notifiers : [];
  return {
    provider: block(input.provider),
    store: block(input.store ?? defaultStore ?? { type: 'memory' }),
    notifiers: notifiers.map((n, i) => {
      const b = block(n);
      return b && { ...b, name: typeof b.name === 'string' ? b.name : notifierName(b.type, i) };
    }),
    coordination: input.coordination,
  };
}

/** `webhook-1` for the first notifier of type `webhook`; `notifier-2` for a module path. */
function notifierName(type: string, index: number): string {
  return `${/^[a-z][a-z0-9-]*$/i.test(type) ? type : 'notifier'}-${index + 1}`;
}

/** What one field's schema cannot say: fields that only make sense together. */
function crossFieldIssues(config: z.output<typeof nativeConfigSchema>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = (config.notifiers ?? []).map((n, i) => n.name ?? notifierName(n.type, i));
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      issues.push(issue(['notifiers', i, 'name'], 'expected a name no other notifier has', name));
  });
  return issues;
}

/** `+++ada@example.com` -> `{ key: 'ada@example.com', severity: 3 }`. */
export function parseSeverityPrefix(entry: string): { key: string; severity: 0 | 1 | 2 | 3 } {
  const plus = /^\+{0,3}/.exec(entry)![0].length as 0 | 1 | 2 | 3;
  return { key: entry.slice(plus), severity: plus };
}

// Field names that hold secrets in any plugin's options, by the words such fields are named with.
const SECRET_FIELD = /secret|password|passwd|token|credential|apikey|api_key|connectionstring|dsn/i;

/**
 * A copy safe to print, as plain data: secret-named fields replaced, URLs' credentials and query
 * strings hidden, loaded plugins left out.
 */
export function redactConfig(config: PresenceTrackerConfig): PresenceTrackerConfig {
  const hidden = '[hidden]';
  const safeUrl = (raw: string) => {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || !URL.canParse(raw)) return raw;
    const url = new URL(raw);
    if (url.password) url.password = hidden;
    if (url.search) url.search = `?${hidden}`;
    return url.toString();
  };
  const hide = (value: unknown, key: string): unknown => {
    if (value === undefined) return value;
    if (SECRET_FIELD.test(key)) return hidden;
    if (typeof value === 'string') return safeUrl(value);
    if (Array.isArray(value)) return value.map((v) => hide(v, ''));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hide(v, k)]));
    return value;
  };
  const { plugins: _loaded, ...plain } = config as Partial<PluginConfig>;
  return {
    ...(plain as PresenceTrackerConfig),
    provider: hide(config.provider, '') as PluginBlock,
    store: hide(config.store, '') as PluginBlock,
    notifiers: config.notifiers.map((n) => hide(n, '')) as PresenceTrackerConfig['notifiers'],
  };
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

async function readConfigFile(file: string): Promise<string> {
  try {
    if ((await stat(file)).isDirectory()) {
      throw new ConfigError(
        `cannot read the configuration file ${file}: it is a folder; name a JSON file in it`,
      );
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if (ConfigError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new ConfigError(`cannot read the configuration file ${file}: ${reason}`, [], { cause: error });
  }
}
