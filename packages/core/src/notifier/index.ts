export {
  createEvent,
  eventBody,
  TRACKER_EVENT_TYPES,
  type TrackerEvent,
  type TrackerEventType,
} from './events.ts';
export {
  chatText,
  describeEvent,
  type EventText,
  type FormatName,
  type FormatOptions,
  type Formatter,
  formatDuration,
  formatters,
  gotifyFormat,
  listedDetails,
  standardFormat,
} from './formatters.ts';
export * from './notifier.ts';
export { DEFAULT_RUN_SUMMARY_PEOPLE, type RunSummaryOptions, runSummary } from './run-summary.ts';
export {
  eventDataSchemas,
  eventSchemas,
  personSchema,
  runEndedDataSchema,
  runStartedDataSchema,
  sessionEndedDataSchema,
  sessionStartedDataSchema,
  type TrackerEventBody,
  type TrackerEventData,
  trackerErrorDataSchema,
  trackerEventSchema,
  trackerRecoveredDataSchema,
  type UserRunStats,
  unavailableLongDataSchema,
  userRunStatsSchema,
} from './schemas.ts';
export { verifyWebhook, type WebhookHeaders } from './verify.ts';
export {
  parseRetryAfter,
  STANDARD_RETRY_SCHEDULE,
  WebhookDeliveryError,
  type WebhookNotifierOptions,
  webhookName,
  webhookNotifier,
} from './webhook.ts';
