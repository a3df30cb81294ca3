// The root: the contracts, the tracker, reports, the model, the errors and seams, and the few
// implementations the public API names. The rest is published at `/report`, `/webhook`, `/config`,
// `/resilience`, `/timeline` and `/testing`.
export {
  type Clock,
  manualClock,
  systemClock,
} from './clock.ts';
export {
  type LoadConfigOptions,
  loadConfig,
  type PluginConfig,
  type PresenceTrackerConfig,
} from './config/index.ts';
export {
  type Coordination,
  type LeaseRecord,
  memoryCoordination,
  type ShardLease,
  shardOf,
} from './coordination/index.ts';
export {
  ConfigError,
  type ConfigIssue,
  type ErrorCode,
  NotifierError,
  PresenceTrackerError,
  ProviderError,
  StoreError,
} from './errors.ts';
export {
  consoleLogger,
  type Logger,
  silentLogger,
} from './logger.ts';
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
  type Session,
  type SessionEndReason,
  type Severity,
  STATUSES,
  type Status,
  type TimeRange,
  type User,
} from './model.ts';
export {
  type DeliveryContext,
  type Notifier,
  TRACKER_EVENT_TYPES,
  type TrackerEvent,
  type TrackerEventBody,
  type TrackerEventData,
  type TrackerEventType,
  type UserRunStats,
  verifyWebhook,
  WebhookDeliveryError,
  type WebhookNotifierOptions,
  webhookNotifier,
} from './notifier/index.ts';
export {
  type CoordinationOptions,
  definePlugin,
  type NotifierPlugin,
  type Plugin,
  type PluginContext,
  type PluginKind,
  type ProviderPlugin,
  type StorePlugin,
} from './plugin/index.ts';
export {
  defineProvider,
  type PresenceProvider,
  type PushEndpoint,
  type ResolveResult,
  type SimulatedProviderOptions,
  simulatedProvider,
} from './provider/index.ts';
export {
  buildReport,
  type Report,
  type ReportGroupBy,
  type ReportQuery,
  type ReportRow,
  type ReportUser,
  toCsv,
  type UnavailablePeriod,
} from './report/index.ts';
export type {
  Schedule,
  ScheduleWindow,
} from './schedule/index.ts';
export {
  checkFence,
  defineStore,
  type MemoryStoreOptions,
  memoryStore,
  type NewInterval,
  type NewSession,
  type OpenRowChange,
  type OpenState,
  type OutboxAttempt,
  type OutboxEntry,
  type OutboxMessage,
  type PollWrite,
  type PresenceStore,
  planWrite,
  type RangeQuery,
  type SessionChange,
  type Sighting,
  type StartRunOptions,
  type StoreCall,
  type StoreCapabilities,
  type StoreDefinition,
  type StoreDriver,
  usersTouched,
  type WritePlan,
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
