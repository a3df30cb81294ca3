import { defineConfig, type Options } from 'tsup';

/** What every package publishes: ESM and CJS with declarations and source maps, for Node 22 and later. */
export function packageBuild(options: Options = {}) {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node22',
    ...options,
  });
}
