import type { Coordination, Notifier, PluginConfig, PluginContext } from '@presence-tracker/core';
import { type BuiltinPlugins, type ConfiguredPlugins, corePlugins } from '@presence-tracker/core/config';

/*
 * The plugins the command knows by name. Each adapter package is imported only when a configuration
 * names it, so a Mattermost user's command never loads the Azure libraries, nor a SQLite user's the
 * Postgres driver. Any other `type` is a module path or package, loaded by core's `loadPlugin`.
 */
export const BUILTIN_PLUGINS = {
  provider: {
    ...corePlugins.provider,
    graph: async () => (await import('@presence-tracker/provider-graph')).graph,
    mattermost: async () => (await import('@presence-tracker/provider-mattermost')).mattermost,
    slack: async () => (await import('@presence-tracker/provider-slack')).slack,
    zoom: async () => (await import('@presence-tracker/provider-zoom')).zoom,
    'google-calendar': async () =>
      (await import('@presence-tracker/provider-google-calendar')).googleCalendar,
  },
  store: {
    ...corePlugins.store,
    sqlite: async () => (await import('@presence-tracker/store-sqlite')).sqlite,
    postgres: async () => (await import('@presence-tracker/store-postgres')).postgres,
  },
  notifier: {
    ...corePlugins.notifier,
    slack: async () => (await import('@presence-tracker/provider-slack/webhook')).slackWebhook,
    mattermost: async () => (await import('@presence-tracker/provider-mattermost/webhook')).mattermostWebhook,
    teams: async () => (await import('@presence-tracker/provider-graph/webhook')).teamsWebhook,
  },
} satisfies BuiltinPlugins;

/** The store of a configuration that names none: a SQLite file beside it. */
export const DEFAULT_STORE = { type: 'sqlite' } as const;

/** Every notifier the configuration lists, created with the context. */
export function makeNotifiers(plugins: ConfiguredPlugins, context: PluginContext): Promise<Notifier[]> {
  return Promise.all(plugins.notifiers.map((n) => n.create(context)));
}

/**
 * Leases kept by the store, so several `track` processes share the users. The configuration's check
 * has already refused `coordination` with a store whose plugin cannot keep them.
 */
export async function makeCoordination(
  config: PluginConfig,
  store: Awaited<ReturnType<ConfiguredPlugins['store']['create']>>,
  context: PluginContext,
): Promise<Coordination | undefined> {
  if (!config.coordination || !config.plugins.store.coordination) return undefined;
  return config.plugins.store.coordination(store, config.coordination, context);
}
