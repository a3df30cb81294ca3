export { MIGRATIONS, type Migration, SCHEMA_VERSION } from './migrations.ts';
export type { SqliteStoreOptions } from './options.ts';
export {
  DEFAULT_DATABASE,
  type SqlitePluginOptions,
  sqlite,
  sqlite as default,
  sqlite as plugin,
  sqliteOptionsSchema,
} from './plugin.ts';
export { sqliteStore } from './sqlite-store.ts';
