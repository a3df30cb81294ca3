/**
 * The log calls the library makes: structured fields first, then the message, as pino takes them, so a
 * pino logger can be passed as it is. Secrets never reach a log call.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

const nothing = () => {};

export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

/** Short readable lines on the console, for scripts and examples. */
export function consoleLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = ['debug', 'info', 'warn', 'error'] as const;
  const at = order.indexOf(level);
  const line =
    (l: (typeof order)[number], write: (text: string) => void) =>
    (fields: Record<string, unknown>, message?: string) => {
      if (order.indexOf(l) < at) return;
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${l.padEnd(5)} ${message ?? ''}${rest ? ` ${rest}` : ''}`);
    };
  return {
    debug: line('debug', (t) => console.debug(t)),
    info: line('info', (t) => console.info(t)),
    warn: line('warn', (t) => console.warn(t)),
    error: line('error', (t) => console.error(t)),
  };
}
