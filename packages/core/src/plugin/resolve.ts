import type { Coordination } from '../coordination/index.ts';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { Notifier } from '../notifier/index.ts';
import type { PresenceProvider } from '../provider/index.ts';
import type { PresenceStore } from '../store/index.ts';
import { withInnerPlugins } from './inner.ts';
import { type BuiltinPlugins, loadPlugin } from './load.ts';
import { validatePluginOptions } from './options.ts';
import type {
  CoordinationOptions,
  NotifierPlugin,
  Plugin,
  PluginContext,
  ProviderPlugin,
  StorePlugin,
} from './plugin.ts';

/** A plugin with its checked options: ready to create its provider, store or notifier. */
export interface ConfiguredPlugin<P extends Plugin, Made> {
  readonly plugin: P;
  /** The options as the plugin's schema returned them (defaults filled). */
  readonly options: unknown;
  /** The configuration field it came from, e.g. `notifiers.1`. */
  readonly path: string;
  create(context: PluginContext): Promise<Made>;
  /** In a few words, what this instance reaches (`acme eu.acme.example`), without secrets. */
  describe(context: Pick<PluginContext, 'baseDir'>): string;
}

export interface ConfiguredStore extends ConfiguredPlugin<StorePlugin, PresenceStore> {
  /** Present when the store's plugin keeps leases for several trackers. */
  coordination?(
    store: PresenceStore,
    options: CoordinationOptions,
    context: PluginContext,
  ): Promise<Coordination>;
}

export interface ConfiguredNotifier extends ConfiguredPlugin<NotifierPlugin, Notifier> {
  readonly name: string;
}

export interface ConfiguredPlugins {
  provider: ConfiguredPlugin<ProviderPlugin, PresenceProvider>;
  store: ConfiguredStore;
  notifiers: ConfiguredNotifier[];
}

interface Block {
  type: string;
  [option: string]: unknown;
}

export interface PluginBlocks {
  provider: Block | undefined;
  store: Block | undefined;
  notifiers: ((Block & { name: string }) | undefined)[];
  coordination?: unknown;
}

export interface ResolvePluginsOptions {
  builtins: BuiltinPlugins;
  /** Where module paths resolve from: the configuration file's folder. */
  baseDir: string;
  /** Fields already reported (an unset environment variable): not reported again. */
  skip?: ReadonlySet<string>;
}

/**
 * Loads the plugins a configuration names and checks each block's options with its plugin's own
 * schema. Throws one `ConfigError` listing every problem by path (`provider.region: ...`), values
 * never quoted. A block that is missing (already reported by the configuration's check) is skipped.
 */
export async function resolvePlugins(
  blocks: PluginBlocks,
  options: ResolvePluginsOptions,
): Promise<ConfiguredPlugins> {
  const issues: ConfigIssue[] = [];
  const attempt = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      issues.push(...error.issues.filter((i) => !options.skip?.has(i.path)));
      return undefined;
    }
  };
  const loaded = new Map<string, Plugin>();
  const configure = async <P extends Plugin>(
    kind: P['kind'],
    block: Block | undefined,
    path: string,
  ): Promise<{ plugin: P; options: unknown; path: string } | undefined> => {
    if (block === undefined) return undefined;
    const { type, ...rest } = block;
    if (kind === 'notifier') delete rest.name;
    const plugin = (await attempt(() =>
      loadPlugin(kind, type, { builtins: options.builtins, baseDir: options.baseDir, path: `${path}.type` }),
    )) as P | undefined;
    if (!plugin) return undefined;
    loaded.set(path, plugin);
    const checked = await attempt(async () => ({ value: await validatePluginOptions(plugin, rest, path) }));
    if (!checked) return undefined;
    // Blocks inside the options (a provider made of providers) are checked now too, by their full paths.
    const inner = plugin.blocks?.(checked.value as never) ?? {};
    const ok = await Promise.all(
      Object.entries(inner).map(([at, b]) => configure(b.kind, b.block, `${path}.${at}`)),
    );
    return ok.every(Boolean) ? { plugin, options: checked.value as unknown, path } : undefined;
  };

  const provider = await configure<ProviderPlugin>('provider', blocks.provider, 'provider');
  const store = await configure<StorePlugin>('store', blocks.store, 'store');
  const notifiers = await Promise.all(
    blocks.notifiers.map(async (block, i) => {
      const made = await configure<NotifierPlugin>('notifier', block, `notifiers.${i}`);
      return made && block && { ...made, name: block.name };
    }),
  );
  const storePlugin = loaded.get('store') as StorePlugin | undefined;
  if (blocks.coordination !== undefined && storePlugin && !storePlugin.coordination) {
    issues.push({
      path: 'coordination',
      message: `expected a store whose plugin shares users between trackers; the '${storePlugin.name}' store plugin does not`,
      received: 'an object',
    });
  }
  if (issues.length > 0 || !provider || !store || notifiers.some((n) => n === undefined)) {
    throw new ConfigError('invalid configuration:', issues);
  }

  const describe = (p: { plugin: Plugin; options: unknown }) => (context: Pick<PluginContext, 'baseDir'>) =>
    p.plugin.describe?.(p.options as never, context) ?? p.plugin.name;
  const at = (context: PluginContext, path: string) =>
    withInnerPlugins(context, { builtins: options.builtins, baseDir: options.baseDir }, path);
  return {
    provider: {
      ...provider,
      create: async (context) =>
        provider.plugin.create(provider.options as never, at(context, provider.path)),
      describe: describe(provider),
    },
    store: {
      ...store,
      create: async (context) => store.plugin.create(store.options as never, at(context, store.path)),
      describe: describe(store),
      ...(store.plugin.coordination && {
        coordination: async (made: PresenceStore, o: CoordinationOptions, context: PluginContext) =>
          store.plugin.coordination!(made, o, context),
      }),
    },
    notifiers: notifiers.map((n) => {
      const made = n!;
      return {
        ...made,
        create: async (context: PluginContext) =>
          made.plugin.create(made.options as never, { ...at(context, made.path), name: made.name }),
        describe: describe(made),
      };
    }),
  };
}
