export { graphAuth, makeNotifiers, makeProvider, openStore, postgresUrl } from './adapters.ts';
export { DEFAULT_CONFIG_FILES, loadDotenv, resolveConfig } from './config.ts';
export { EXIT, exitCodeFor, explain } from './explain.ts';
export { type Io, processIo } from './io.ts';
export { createLogger, type LogFormat, type LogLevel } from './logger.ts';
export { createProgram, run } from './program.ts';
