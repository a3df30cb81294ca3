import type { Writable } from 'node:stream';
import { format } from 'node:util';
import { takeHeldSignal } from './signals.ts';

/**
 * Where a command reads and writes. The real process's streams by default; tests and host apps that
 * run the command in-process pass their own.
 */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  cwd: string;
  /** The instant "now" for ranges such as `--days 7`. */
  now(): Date;
  /** Resolves on SIGINT or SIGTERM, with the signal's name. */
  signal(): Promise<NodeJS.Signals>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    signal: () =>
      new Promise((resolve) => {
        const on = (signal: NodeJS.Signals) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          // A second signal while stopping means "now": leave without waiting for deliveries.
          const force = () => process.exit(130);
          process.once('SIGINT', force);
          process.once('SIGTERM', force);
          resolve(signal);
        };
        process.once('SIGINT', on);
        process.once('SIGTERM', on);
        // One that came while the command was loading counts as if it came now.
        const early = takeHeldSignal();
        if (early !== undefined) on(early);
      }),
  };
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/**
 * Standard output is for data (a report's CSV, JSON): a dependency that prints with `console.log`,
 * `console.info` or `console.debug` (the Mattermost client's WebSocket does, on every connection) goes
 * to standard error instead. For the command's own process only; returns what puts them back.
 */
export function keepStandardOutputForData(): () => void {
  const { log, info, debug } = console;
  console.log =
    console.info =
    console.debug =
      (...args: unknown[]) => {
        process.stderr.write(`${format(...args)}\n`);
      };
  return () => {
    Object.assign(console, { log, info, debug });
  };
}
