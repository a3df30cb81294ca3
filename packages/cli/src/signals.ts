/*
 * Loading the command takes a second or more. Without a handler for that time, SIGINT or SIGTERM
 * (a service manager stopping it, Ctrl-C) would kill it mid-way, by the signal. bin.ts (and, when
 * running from source, preload.mjs before it) holds them from its first line; the command then takes
 * the held signal over or, if it has no use for it, lets it act as it would have. The registry is
 * global because preload.mjs is plain JavaScript loaded apart from these sources.
 */

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const HELD = Symbol.for('@presence-tracker/cli:held-signals');

interface Registry {
  signals: NodeJS.Signals[];
  keep: (signal: NodeJS.Signals) => void;
}

const global = globalThis as { [HELD]?: Registry };

/** Keeps SIGINT and SIGTERM from ending the process until `takeHeldSignal` or `releaseSignals`. */
export function holdSignals(): void {
  if (global[HELD] !== undefined) return;
  const registry: Registry = {
    signals: [],
    keep: (signal) => {
      registry.signals.push(signal);
    },
  };
  global[HELD] = registry;
  for (const s of SIGNALS) process.on(s, registry.keep);
}

/** Stops holding signals; returns the first one received meanwhile, if any. */
export function takeHeldSignal(): NodeJS.Signals | undefined {
  const registry = global[HELD];
  if (registry === undefined) return undefined;
  delete global[HELD];
  for (const s of SIGNALS) process.off(s, registry.keep);
  return registry.signals[0];
}

/** For commands that do not handle signals: stop holding them, and end by a held one as if never held. */
export function releaseSignals(): void {
  const signal = takeHeldSignal();
  if (signal !== undefined) process.kill(process.pid, signal);
}
