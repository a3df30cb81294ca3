export { DEFAULT_RETRY, isTransient } from './connection.ts';
export {
  type PostgresCoordination,
  type PostgresCoordinationOptions,
  postgresCoordination,
  type ShardHolder,
} from './coordination/index.ts';
export { LATEST_VERSION, LOCK_NAMESPACE } from './migrations.ts';
export type {
  PostgresRetryOptions,
  /** @deprecated The `retry` option's type is `PostgresRetryOptions`, core's `RetryOptions` shape. */
  PostgresRetryOptions as RetryOptions,
  PostgresStoreOptions,
} from './options.ts';
export {
  type PostgresPluginOptions,
  postgres,
  postgres as default,
  postgres as plugin,
  postgresOptionsSchema,
  postgresUrl,
} from './plugin.ts';
export { type PostgresStore, postgresStore } from './postgres-store.ts';
