import { type BuiltinPlugins, loadPlugin } from './load.ts';
import { validatePluginOptions } from './options.ts';
import type { Plugin, PluginBlock, PluginContext, PluginKind, PluginProduct } from './plugin.ts';

/**
 * The context a plugin at `path` is created with: its path, and `createPlugin` for the plugin blocks
 * inside its options, made by the same registry of names and from the same folder as the
 * configuration's own blocks.
 */
export function withInnerPlugins(
  context: PluginContext,
  registry: { builtins: BuiltinPlugins; baseDir: string },
  path: string,
): PluginContext {
  return {
    ...context,
    path,
    async createPlugin<K extends PluginKind>(
      kind: K,
      block: PluginBlock,
      at: string,
    ): Promise<PluginProduct<K>> {
      const { type, name, ...rest } = block;
      const plugin = (await loadPlugin(kind, type, { ...registry, path: `${at}.type` })) as Plugin;
      const options = await validatePluginOptions(
        plugin,
        kind === 'notifier' ? rest : { ...rest, ...(name !== undefined && { name }) },
        at,
      );
      const inner = withInnerPlugins(context, registry, at);
      const made =
        plugin.kind === 'notifier'
          ? plugin.create(options as never, { ...inner, name: typeof name === 'string' ? name : at })
          : plugin.create(options as never, inner);
      return (await made) as PluginProduct<K>;
    },
  };
}
