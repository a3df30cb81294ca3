export { DEFAULT_CONFIG_FILES, loadDotenv, resolveConfig } from './config.ts';
export { EXIT, exitCodeFor, explain } from './explain.ts';
export { type Io, processIo } from './io.ts';
export { createLogger, type LogFormat, type LogLevel } from './logger.ts';
export { BUILTIN_PLUGINS, DEFAULT_STORE, makeCoordination, makeNotifiers } from './plugins.ts';
export { createProgram, run } from './program.ts';
export {
  configFromEnvironment,
  environmentToNative,
  hasEnvironmentConfig,
  MATTERMOST_ENV,
  POSTGRES_ENV,
} from './translators/environment.ts';
export {
  isParamsJson,
  PARAMS_JSON_DATABASE,
  PARAMS_JSON_DEFAULTS,
  PARAMS_JSON_FIELDS,
  paramsJson,
  paramsJsonToNative,
} from './translators/params-json.ts';
