import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Clock } from '../clock.ts';
import type { Coordination } from '../coordination/index.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from '../notifier/index.ts';
import type { PresenceProvider } from '../provider/index.ts';
import type { PresenceStore } from '../store/index.ts';

/** Where `{ "env": "NAME" }` references and a plugin's own variables are read from. */
export type Environment = Record<string, string | undefined>;

/** What a plugin is handed besides its options: where it runs and the tracker's seams. */
export interface PluginContext {
  /** The folder relative paths in the options resolve from: the configuration file's folder. */
  baseDir: string;
  /** The environment the configuration was read with. */
  env: Environment;
  logger: Logger;
  /** The tracker's clock: budgets, caches and token expiry follow it, so replayed days stay exact. */
  clock: Clock;
  /** The configuration's time zone (its reports'), for plugins that show local times. */
  timeZone?: string;
  /**
   * The host only reads (a report, a timeline, a dashboard): a store opens without write access where
   * it can, so it works on a read-only file or role and never waits for a writer.
   */
  readOnly?: boolean;
  /**
   * The tracker's `staleAfter` (ms), for plugins that keep readings and must let them go stale as the
   * tracker would (a provider merging several platforms). Absent when the host does not track.
   */
  staleAfter?: number;
  /** The configuration field of the block being created, e.g. `provider`; set by `resolvePlugins`. */
  path?: string;
  /**
   * Makes a provider, store or notifier from an ordinary plugin block found in this plugin's options
   * (a provider made of other providers), exactly as the host makes the configuration's own blocks:
   * its `type` a built-in name or a module path from `baseDir`, its options checked by its plugin's
   * schema, every problem a `ConfigError` by its full path (`provider.providers.chat.url`).
   * `path` is that full path. Set by `resolvePlugins`; declare such blocks in the plugin's `blocks`
   * so that they are checked with the configuration.
   */
  createPlugin?<K extends PluginKind>(kind: K, block: PluginBlock, path: string): Promise<PluginProduct<K>>;
}

/** A configuration block naming a plugin by `type`, its other fields the plugin's options. */
export interface PluginBlock {
  type: string;
  [option: string]: unknown;
}

/** What a plugin of each kind makes. */
export type PluginProduct<K extends PluginKind> = K extends 'provider'
  ? PresenceProvider
  : K extends 'store'
    ? PresenceStore
    : Notifier;

/** The options a store plugin's coordination is created with (the configuration's `coordination`). */
export interface CoordinationOptions {
  /** How many shards users are spread over; the same for every tracker of a group. */
  shards?: number;
  /** A lease not renewed for this long may be taken over by another tracker (ms). */
  leaseTtl?: number;
}

interface PluginBase<Kind extends string, Options> {
  readonly kind: Kind;
  /** The configuration's `type` for this plugin, e.g. `acme`. Unique per kind. */
  readonly name: string;
  /** One line for `doctor` and error messages. */
  readonly description?: string;
  /**
   * Checks and completes the options (the configuration block without `type`). Any Standard Schema v1
   * validator: a zod schema is one. Its issues are reported with their paths under the block's path.
   */
  readonly options: StandardSchemaV1<unknown, Options>;
  /**
   * In a few words, what an instance with these options reaches, for logs and `doctor`
   * (`acme eu.acme.example`). Never a secret. Default: the plugin's name.
   */
  describe?(options: Options, context: Pick<PluginContext, 'baseDir'>): string;
  /**
   * The plugin blocks inside these options, by their path under this block (`providers.chat`), with
   * the kind each makes. The host loads and checks them with the configuration, every problem told by
   * its full path; `create` makes them with `context.createPlugin`.
   */
  blocks?(options: Options): Readonly<Record<string, { kind: PluginKind; block: PluginBlock }>>;
}

export interface ProviderPlugin<Options = unknown> extends PluginBase<'provider', Options> {
  create(options: Options, context: PluginContext): PresenceProvider | Promise<PresenceProvider>;
}

export interface StorePlugin<Options = unknown> extends PluginBase<'store', Options> {
  create(options: Options, context: PluginContext): PresenceStore | Promise<PresenceStore>;
  /**
   * Leases in this store, so several trackers share the users. A store plugin without it cannot be
   * used with `coordination`.
   */
  coordination?(
    store: PresenceStore,
    options: CoordinationOptions,
    context: PluginContext,
  ): Coordination | Promise<Coordination>;
}

export interface NotifierPlugin<Options = unknown> extends PluginBase<'notifier', Options> {
  /** `name` is the notifier's unique name in this configuration (`webhook-1`, or the block's `name`). */
  create(options: Options, context: PluginContext & { name: string }): Notifier | Promise<Notifier>;
}

// Options are checked by the plugin's own schema before `create` sees them, so any plugin fits here.
export type Plugin = ProviderPlugin | StorePlugin | NotifierPlugin;
export type PluginKind = Plugin['kind'];

/**
 * Types a plugin: a provider, store or notifier that a configuration can name by `type`. Costs nothing
 * at run time; the descriptor is returned as it is.
 *
 * ```ts
 * export default definePlugin({
 *   kind: 'provider',
 *   name: 'acme',
 *   options: z.object({ url: z.url(), token: z.string() }),
 *   create: (options, context) => acmeProvider({ ...options, clock: context.clock }),
 * });
 * ```
 */
export function definePlugin<Options>(plugin: ProviderPlugin<Options>): ProviderPlugin<Options>;
export function definePlugin<Options>(plugin: StorePlugin<Options>): StorePlugin<Options>;
export function definePlugin<Options>(plugin: NotifierPlugin<Options>): NotifierPlugin<Options>;
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

/** True for a value shaped like a plugin descriptor, as a module's default export must be. */
export function isPlugin(value: unknown): value is Plugin {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return (
    (p.kind === 'provider' || p.kind === 'store' || p.kind === 'notifier') &&
    typeof p.name === 'string' &&
    typeof p.create === 'function' &&
    typeof p.options === 'object' &&
    p.options !== null &&
    '~standard' in p.options
  );
}
