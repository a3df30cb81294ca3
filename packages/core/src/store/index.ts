export { dayRowPeople } from './day-row-people.ts';
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
  type RollupDayRow,
  type RollupEntry,
  type RollupRead,
  rollupDay,
  STATUS_INDEX,
} from './rollup.ts';
export {
  RollupIndex,
  type RollupRecords,
  rollupReadDays,
  sortTriples,
} from './rollup-read.ts';
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
