import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { definePlugin } from '@presence-tracker/core';
import { z } from 'zod';
import { sqliteStore } from './sqlite-store.ts';

/** The database file a configuration without `path` gets, beside the configuration file. */
export const DEFAULT_DATABASE = 'presence-tracker.db';

export const sqliteOptionsSchema = z.strictObject({
  /** The database file, relative to the configuration file; `:memory:` for a private one. */
  path: z.string().min(1).default(DEFAULT_DATABASE),
  /** Keep raw samples: `true` (default), `false`, or `{ days }` for the last days only. */
  keepSamples: z.union([z.boolean(), z.strictObject({ days: z.number().positive() })]).optional(),
  /** How long a statement waits for another process's write, in ms. Default: 5,000. */
  busyTimeout: z.number().int().min(0).optional(),
  /** How long the writer role survives without a heartbeat, in ms. Default: 60,000. */
  lockTimeout: z.number().int().min(1000).optional(),
});

export type SqlitePluginOptions = z.output<typeof sqliteOptionsSchema>;

const at = (path: string, baseDir: string) =>
  path === ':memory:' || isAbsolute(path) ? path : resolve(baseDir, path);

/** `{ "type": "sqlite", "path": "presence.db" }` in a configuration. */
export const sqlite = definePlugin({
  kind: 'store',
  name: 'sqlite',
  description: 'one SQLite file (better-sqlite3); one tracker writes it at a time',
  options: sqliteOptionsSchema,
  create(options, context) {
    const path = at(options.path, context.baseDir);
    // A reader must not leave folders behind for a file that is not there.
    if (path !== ':memory:' && !context.readOnly) mkdirSync(dirname(path), { recursive: true });
    // A reader opens without write access (the store's `readOnly`); a private in-memory file has none to drop.
    const readOnly = context.readOnly === true && path !== ':memory:';
    return sqliteStore({ ...options, path, ...(readOnly && { readOnly }) });
  },
  describe: (options, context) => `sqlite ${at(options.path, context.baseDir)}`,
});

export default sqlite;
