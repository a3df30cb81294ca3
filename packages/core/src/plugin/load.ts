import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve as resolveModule } from 'import-meta-resolve';
import { ConfigError } from '../errors.ts';
import { isPlugin, type Plugin, type PluginKind } from './plugin.ts';

/** Loads a built-in plugin when a configuration names it, so unused ones cost no import. */
export type PluginLoader = () => Plugin | Promise<Plugin>;

/** The plugins a host knows by name, per kind: `{ provider: { acme: () => import('...').then(m => m.default) } }`. */
export type BuiltinPlugins = { readonly [K in PluginKind]?: Readonly<Record<string, PluginLoader>> };

export type PluginOfKind<K extends PluginKind> = Extract<Plugin, { kind: K }>;

export interface LoadPluginOptions {
  builtins: BuiltinPlugins;
  /** Where module paths resolve from: the configuration file's folder. */
  baseDir: string;
  /** The configuration field naming the plugin, for messages, e.g. `provider.type`. */
  path: string;
}

/**
 * The plugin a configuration's `type` names: a built-in name, or a module specifier resolved from
 * `baseDir` (`./plugins/acme.mjs`, `/opt/acme.mjs`, `@acme/presence-provider`) whose default export is
 * a plugin or a list of plugins. Throws a `ConfigError` naming the field and what was expected.
 */
export async function loadPlugin<K extends PluginKind>(
  kind: K,
  type: string,
  options: LoadPluginOptions,
): Promise<PluginOfKind<K>> {
  const builtin = options.builtins[kind]?.[type];
  if (builtin) return checkKind(kind, await builtin(), `the built-in ${kind} '${type}'`, options.path);

  const known = Object.keys(options.builtins[kind] ?? {});
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError('invalid configuration:', [{ path: options.path, message, received: 'a string' }], {
      cause,
    });
  };
  const base = pathToFileURL(`${options.baseDir.replace(/\/+$/, '')}/`).href;
  let url: string;
  try {
    url = isAbsolute(type) ? pathToFileURL(type).href : resolveModule(type, base);
  } catch (error) {
    const builtins = known.length > 0 ? `one of ${known.map((k) => `"${k}"`).join(', ')}, ` : '';
    const other = (Object.keys(options.builtins) as PluginKind[]).find((k) => options.builtins[k]?.[type]);
    return fail(
      `expected a ${kind}: ${builtins}or a module path such as ./plugins/acme.mjs or an installed package ` +
        (other === undefined
          ? `(no built-in ${kind} is named so, and no module of this name is found from ${options.baseDir})`
          : `('${type}' is a ${other}, not a ${kind})`),
      error,
    );
  }
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === 'ERR_MODULE_NOT_FOUND'
        ? `expected a ${kind} plugin module, but no file is found there (paths resolve from ${options.baseDir})`
        : `expected a ${kind} plugin module that loads, but loading it failed: ${(error as Error).message}`,
      error,
    );
  }
  // A module compiled to CommonJS from `export default` keeps its export one level down.
  let exported = module.default;
  const nested = (exported as { default?: unknown } | undefined)?.default;
  if (!isPluginList(exported) && isPluginList(nested)) exported = nested;
  const candidates = [exported].flat();
  if (!candidates.some(isPlugin)) {
    return fail(
      `expected a module whose default export is a ${kind} plugin (made with definePlugin) or a list of plugins; ` +
        'this one has none',
    );
  }
  const ofKind = (candidates.filter(isPlugin) as Plugin[]).filter((p) => p.kind === kind);
  if (ofKind.length > 1) {
    return fail(
      `expected one ${kind} plugin in the module, found ${ofKind.length} (${ofKind.map((p) => p.name).join(', ')})`,
    );
  }
  return checkKind(kind, ofKind[0] ?? (candidates.find(isPlugin) as Plugin), 'the module', options.path);
}

function isPluginList(value: unknown): boolean {
  return isPlugin(value) || (Array.isArray(value) && value.some(isPlugin));
}

function checkKind<K extends PluginKind>(
  kind: K,
  plugin: unknown,
  what: string,
  path: string,
): PluginOfKind<K> {
  if (!isPlugin(plugin)) {
    throw new ConfigError('invalid configuration:', [
      { path, message: `expected ${what} to be a plugin made with definePlugin`, received: 'something else' },
    ]);
  }
  if (plugin.kind !== kind) {
    throw new ConfigError('invalid configuration:', [
      {
        path,
        message: `expected a ${kind} plugin, but ${what} holds the ${plugin.kind} plugin '${plugin.name}'`,
        received: `a ${plugin.kind} plugin`,
      },
    ]);
  }
  return plugin as PluginOfKind<K>;
}
