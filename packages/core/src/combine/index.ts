export { type CombineProvidersOptions, combineProviders } from './combine.ts';
export {
  completeOrder,
  DEFAULT_MERGE_ORDER,
  type MergeRule,
  mergeReadings,
  type PlatformReading,
} from './merge.ts';
export { type PlatformIntervalsOptions, platformIntervals } from './parts.ts';
export { combinePlugin } from './plugin.ts';
export { type CombinedRaw, combinedRaw, type PlatformRaw } from './raw.ts';
