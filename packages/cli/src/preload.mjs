// Loaded by `node --import` before the command's TypeScript sources, which take a second or more to
// load: names the Node version needed, and holds SIGINT and SIGTERM meanwhile (see signals.ts, which
// takes them over through the same registry), so a stop request during start-up is not fatal.
import '../../../scripts/require-node.mjs';

const HELD = Symbol.for('@presence-tracker/cli:held-signals');
if (globalThis[HELD] === undefined) {
  const registry = { signals: [], keep: (signal) => registry.signals.push(signal) };
  globalThis[HELD] = registry;
  process.on('SIGINT', registry.keep);
  process.on('SIGTERM', registry.keep);
}
