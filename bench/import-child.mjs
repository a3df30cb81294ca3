// The process `pnpm bench import` measures: `node import-child.mjs [url] [--count]` imports the module
// at `url` (nothing without one: the baseline) and prints one JSON line with the CPU the whole process
// used, the CPU of the import alone, the RSS and V8's heap. With `--count` it counts the modules loaded
// instead, by package, through a loader hook that would slow the timed runs. Plain JavaScript, so that
// a run of the built packages loads no TypeScript support.
import { registerHooks } from 'node:module';

const [url, flag] = process.argv.slice(2);
const modules = new Map();
if (flag === '--count') {
  registerHooks({
    load(module, context, next) {
      const owner = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(module);
      const workspace = /\/packages\/([^/]+)\//.exec(module);
      const name = owner?.[1] ?? (workspace ? `@presence-tracker/${workspace[1]}` : 'node:');
      modules.set(name, (modules.get(name) ?? 0) + 1);
      return next(module, context);
    },
  });
}
const before = process.cpuUsage();
if (url) await import(url);
const ms = (usage) => (usage.user + usage.system) / 1000;
const memory = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    cpuMs: ms(process.cpuUsage()),
    importCpuMs: ms(process.cpuUsage(before)),
    rss: memory.rss,
    heapTotal: memory.heapTotal,
    modules: Object.fromEntries([...modules].sort((a, b) => b[1] - a[1])),
  })}\n`,
);
