import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type PluginConfig } from '@presence-tracker/core';
import { parse } from 'dotenv';
import type { Io } from './io.ts';
import { BUILTIN_PLUGINS, DEFAULT_STORE } from './plugins.ts';
import { configFromEnvironment, hasEnvironmentConfig } from './translators/environment.ts';
import { paramsJson } from './translators/params-json.ts';

/** The files looked for in the working folder, in order, when no `--config` is given. */
export const DEFAULT_CONFIG_FILES = ['presence-tracker.json', 'params.json'] as const;

/**
 * Reads `.env` from the working folder into the environment, as the Mattermost tracker did. Variables
 * already set win, so a deployment can override the file.
 */
export function loadDotenv(io: Io): string | null {
  const file = join(io.cwd, '.env');
  if (!existsSync(file)) return null;
  const parsed = parse(readFileSync(file));
  for (const [name, value] of Object.entries(parsed)) {
    if (io.env[name] === undefined) io.env[name] = value;
  }
  return file;
}

/**
 * Where the configuration comes from: `--config`, else `PRESENCE_TRACKER_CONFIG`, else a
 * presence-tracker.json or params.json in the working folder, else the Mattermost tracker's
 * environment variables. The plugins it names are loaded and their options checked, so every problem
 * is told here, before anything is opened.
 */
export async function resolveConfig(io: Io, explicit: string | undefined): Promise<PluginConfig> {
  const file =
    explicit ??
    io.env.PRESENCE_TRACKER_CONFIG ??
    DEFAULT_CONFIG_FILES.map((f) => join(io.cwd, f)).find((f) => existsSync(f));
  if (file !== undefined) {
    return loadConfig(resolve(io.cwd, file), {
      env: io.env,
      translators: [paramsJson],
      defaultStore: DEFAULT_STORE,
      plugins: BUILTIN_PLUGINS,
    });
  }
  if (hasEnvironmentConfig(io.env)) {
    return configFromEnvironment(io.env, { baseDir: io.cwd, plugins: BUILTIN_PLUGINS });
  }
  throw new ConfigError(
    `no configuration found: pass --config FILE, put ${DEFAULT_CONFIG_FILES.join(' or ')} in ${io.cwd}, ` +
      'or set MM_URL (with MM_USER and MM_PASSWORD) in the environment or a .env file. ' +
      'To try the command without any account, run `presence-tracker demo`.',
  );
}
