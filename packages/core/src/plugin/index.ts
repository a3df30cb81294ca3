export { validatePluginOptions } from './options.ts';
export {
  type CoordinationOptions,
  definePlugin,
  type Environment,
  isPlugin,
  type NotifierPlugin,
  type Plugin,
  type PluginContext,
  type PluginKind,
  type ProviderPlugin,
  type StorePlugin,
} from './plugin.ts';
