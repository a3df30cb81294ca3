// `@presence-tracker/core/config`: what a command or host building on `loadConfig` needs beyond it:
// translators' support types, issue helpers, redaction, plugin loading and schedules.

export { combinePlugin } from '../combine/index.ts';
export {
  type ConfigTranslator,
  type CoordinationConfig,
  configIssue,
  describeIssues,
  type Environment,
  isLoopbackAddress,
  isLoopbackHost,
  type LoadConfigOptions,
  loadConfig,
  localTimeZone,
  type NativeConfigInput,
  type PluginBlock,
  type PluginConfig,
  type PresenceTrackerConfig,
  type PushConfig,
  parseSeverityPrefix,
  redactConfig,
  suggest,
  type TranslateContext,
} from '../config/index.ts';
export {
  type BuiltinPlugins,
  type ConfiguredNotifier,
  type ConfiguredPlugin,
  type ConfiguredPlugins,
  type ConfiguredStore,
  corePlugins,
  isPlugin,
  loadPlugin,
  memoryPlugin,
  type PluginLoader,
  resolvePlugins,
  simulatedPlugin,
  validatePluginOptions,
  webhookPlugin,
  withInnerPlugins,
} from '../plugin/index.ts';
export { httpsOrLoopbackUrl } from '../provider/push-address.ts';
export {
  type CompiledSchedule,
  compileSchedule,
  isTimeZone,
  type Schedule,
  type ScheduleWindow,
} from '../schedule/index.ts';
