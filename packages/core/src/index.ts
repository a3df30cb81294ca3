export { type Clock, manualClock, systemClock } from './clock.ts';
export {
  type ConfigIssue,
  ConfigError,
  type ErrorCode,
  NotifierError,
  ProviderError,
  PresenceTrackerError,
  StoreError,
} from './errors.ts';
export { consoleLogger, type Logger, silentLogger } from './logger.ts';
export {
  DEFAULT_POLICY,
  type Effect,
  initialState,
  isObserved,
  type LeftOpen,
  type MachineEvent,
  type OpenInterval,
  type OpenSession,
  type Policy,
  type PolicyOptions,
  resolvePolicy,
  type TransitionResult,
  transition,
  type UserState,
} from './machine/index.ts';
export {
  type Group,
  type Interval,
  isStatus,
  type PresenceSample,
  type RawPresence,
  type ResolvedUser,
  type Run,
  STATUSES,
  type Session,
  type SessionEndReason,
  type Severity,
  type Status,
  type TimeRange,
  type User,
} from './model.ts';
export {
  type DeliveryContext,
  type Notifier,
  TRACKER_EVENT_TYPES,
  type TrackerEvent,
  type TrackerEventType,
} from './notifier/index.ts';
export {
  defineProvider,
  type PresenceProvider,
  type ResolveResult,
  type SimulatedProviderOptions,
  simulatedProvider,
} from './provider/index.ts';
export { type CompiledSchedule, compileSchedule, type Schedule, type ScheduleWindow } from './schedule/index.ts';
export {
  type MemoryStoreOptions,
  memoryStore,
  type OpenState,
  type OutboxAttempt,
  type OutboxEntry,
  type OutboxMessage,
  type PollWrite,
  type PresenceStore,
  type RangeQuery,
  type StoreCapabilities,
} from './store/index.ts';
export {
  createTracker,
  type PollResult,
  type SessionEnded,
  type SessionStarted,
  type StatusChange,
  type Tracker,
  type TrackerEvents,
  type TrackerOptions,
  type TrackerState,
  type UnavailableLong,
  type UserSpec,
} from './tracker/index.ts';
