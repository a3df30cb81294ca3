import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/** What every package publishes: ESM and CJS with declarations and source maps, for Node 22 and later. */
export function packageBuild(options: Options = {}, dir = '.') {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node22',
    banner: { js: requireNode(JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'))) },
    ...options,
  });
}

/**
 * The first statement of every built file: on a Node older than the package's `engines` claims, one
 * error naming the version needed, before anything else runs, instead of a failure deep inside (a
 * native module built for another Node can crash the process). Plain syntax any Node parses, in a
 * function of its own so that it declares nothing in the module.
 */
export function requireNode(manifest: { name: string; engines: { node: string } }): string {
  const found = /^>=\s*(\d+)(?:\.(\d+))?/.exec(manifest.engines.node);
  if (!found) throw new Error(`${manifest.name}: engines.node must read ">=major[.minor]"`);
  const [major, minor] = [Number(found[1]), Number(found[2] ?? 0)];
  const needed = `${major}.${minor}`;
  return [
    '(function () {',
    "  var v = process.versions.node.split('.').map(Number);",
    `  if (v[0] > ${major} || (v[0] === ${major} && v[1] >= ${minor})) return;`,
    `  var e = new Error(${JSON.stringify(`${manifest.name} needs Node ${needed} or newer; this is Node `)} + process.versions.node + '.');`,
    '  e.stack = e.message;',
    '  throw e;',
    '})();',
  ].join('\n');
}
