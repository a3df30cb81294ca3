export {
  corePlugins,
  formattedWebhookPlugin,
  memoryPlugin,
  simulatedPlugin,
  type WebhookPluginOptions,
  webhookPlugin,
} from './builtins.ts';
export { withInnerPlugins } from './inner.ts';
export { type BuiltinPlugins, type LoadPluginOptions, loadPlugin, type PluginLoader } from './load.ts';
export { validatePluginOptions } from './options.ts';
export {
  type CoordinationOptions,
  definePlugin,
  type Environment,
  isPlugin,
  type NotifierPlugin,
  type Plugin,
  type PluginBlock,
  type PluginContext,
  type PluginKind,
  type PluginProduct,
  type ProviderPlugin,
  type StorePlugin,
} from './plugin.ts';
export {
  type ConfiguredNotifier,
  type ConfiguredPlugin,
  type ConfiguredPlugins,
  type ConfiguredStore,
  type PluginBlocks,
  type ResolvePluginsOptions,
  resolvePlugins,
} from './resolve.ts';
