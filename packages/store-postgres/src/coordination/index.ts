export { checkFence } from './fence.ts';
export type { PostgresCoordinationOptions } from './options.ts';
export {
  type PostgresCoordination,
  postgresCoordination,
  type ShardHolder,
} from './postgres-coordination.ts';
