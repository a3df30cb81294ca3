export * from './machine.ts';
export { DEFAULT_POLICY, type Policy, type PolicyOptions, resolvePolicy } from './policy.ts';
export { StateTable, type TableEvent } from './table.ts';
