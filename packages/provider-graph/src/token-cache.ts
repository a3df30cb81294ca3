import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type IdentityPlugin, useIdentityPlugin } from '@azure/identity';

/**
 * The part of MSAL's cache plugin contract this file needs (`ICachePlugin` in @azure/msal-node),
 * written out so the package does not depend on MSAL directly.
 */
interface CacheContext {
  cacheHasChanged: boolean;
  tokenCache: { serialize(): string; deserialize(cache: string): void };
}
interface CachePlugin {
  beforeCacheAccess(context: CacheContext): Promise<void>;
  afterCacheAccess(context: CacheContext): Promise<void>;
}

// The persistence hook @azure/identity gives its plugins (`useIdentityPlugin`), typed `unknown` there.
interface PluginContext {
  cachePluginControl: {
    setPersistence(factory: (options: { name?: string }) => Promise<CachePlugin>): void;
  };
}

/** Cache name -> file, filled by each provider before its credential is created. */
const files = new Map<string, string>();
let installed = false;

/**
 * Keeps a credential's MSAL token cache (refresh token included) in `file`, readable by the owner only,
 * under the cache `name` given to the credential's `tokenCachePersistenceOptions`.
 *
 * Microsoft's `@azure/identity-cache-persistence` encrypts with the OS keychain; on Linux that needs
 * `libsecret` at build time (its `keytar` dependency compiles against it) and a running secret service
 * at run time, which servers and containers seldom have, and its unencrypted fallback writes the same
 * plain file as this. So the plain file is what works everywhere; protect it like an SSH key.
 */
export function persistTokenCache(name: string, file: string): void {
  files.set(name, file);
  if (installed) return;
  installed = true;
  const plugin: IdentityPlugin = (context) => {
    (context as PluginContext).cachePluginControl.setPersistence(async (options) => {
      // @azure/identity appends `.nocae` or `.cae` to the name; both variants share one file family.
      const requested = options.name ?? '';
      const base = requested.replace(/\.(nocae|cae)$/, '');
      const target = files.get(base);
      if (!target) throw new Error(`no token cache file registered for the cache named ${base}`);
      return fileCachePlugin(requested === base ? target : `${target}.${requested.slice(base.length + 1)}`);
    });
  };
  useIdentityPlugin(plugin);
}

function fileCachePlugin(file: string): CachePlugin {
  return {
    async beforeCacheAccess(context) {
      try {
        context.tokenCache.deserialize(await readFile(file, 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
    async afterCacheAccess(context) {
      if (!context.cacheHasChanged) return;
      await writePrivate(file, context.tokenCache.serialize());
    },
  };
}

/** Writes through a temporary file so a crash never leaves half a cache, readable by the owner only. */
export async function writePrivate(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}
