export { MIGRATIONS, type Migration, SCHEMA_VERSION } from './migrations.ts';
export type { SqliteStoreOptions } from './options.ts';
export { sqliteStore } from './sqlite-store.ts';
