export { defineStore, type StoreCall, type StoreDefinition, type StoreDriver } from './define.ts';
export { checkFence } from './fence.ts';
export { type MemoryStoreOptions, memoryStore } from './memory.ts';
export {
  type ImpliedOpen,
  impliedOpen,
  type NewInterval,
  type NewSession,
  type OpenRowChange,
  opensClosed,
  planWrite,
  type SessionChange,
  type Sighting,
  type WritePlan,
} from './plan.ts';
export {
  ROLLUP_DAY_MS,
  RollupBatch,
  type RollupEntry,
  RollupIndex,
  type RollupRead,
  type RollupRecords,
  rollupDay,
  rollupEntryDays,
  STATUS_INDEX,
  sortTriples,
} from './rollup.ts';
export type {
  CounterAdd,
  OpenState,
  OutboxAttempt,
  OutboxEntry,
  OutboxMessage,
  PollWrite,
  PresenceStore,
  RangeQuery,
  StartRunOptions,
  StoreCapabilities,
  StoreChanges,
} from './store.ts';
