import type { Logger } from '@presence-tracker/core';
import { pino } from 'pino';
import type { Io } from './io.ts';

export type LogFormat = 'pretty' | 'json';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * A pino logger writing to standard error, so standard output carries only what a command produces
 * (a report, a file list). JSON lines for machines; on a terminal, short readable lines, made here
 * from the same JSON rather than through pino-pretty's worker thread, which a command that exits on
 * a signal would have to wait for.
 */
export function createLogger(
  io: Io,
  format: LogFormat | undefined,
  level: LogLevel = 'info',
): Logger & { flush(): void } {
  const pretty = (format ?? (io.stderr.isTTY ? 'pretty' : 'json')) === 'pretty';
  const destination = pretty
    ? { write: (line: string) => io.stderr.write(prettyLine(line)) }
    : { write: (line: string) => io.stderr.write(line) };
  const logger = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush: () => logger.flush(),
  };
}

function prettyLine(line: string): string {
  const { level, time, msg, err, ...fields } = JSON.parse(line) as Record<string, unknown>;
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  const error =
    err && typeof err === 'object' ? ` error=${JSON.stringify((err as { message?: string }).message)}` : '';
  return `${clock} ${(LABELS[level as number] ?? String(level)).padEnd(5)} ${msg ?? ''}${rest ? ` ${rest}` : ''}${error}\n`;
}
