import { packageBuild } from '../../tsup.base.ts';

export default packageBuild({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    resilience: 'src/resilience/index.ts',
    timeline: 'src/timeline/index.ts',
    report: 'src/report/index.ts',
    webhook: 'src/entries/webhook.ts',
    config: 'src/entries/config.ts',
  },
  // Optional: loaded only when a PNG is asked for, and never bundled.
  external: ['@resvg/resvg-js'],
  // ESM only (cockatiel, p-queue, import-meta-resolve; d3-scale and the d3 modules it imports); bundled, so every CommonJS
  // entry loads on every Node that `engines` claims. date-fns is bundled for the time it takes to load: each of its
  // few hundred files makes Node parse its 199 KB package.json again, about 3 s of CPU for an import of core; bundled,
  // only the dozen functions core calls are in `dist`, in files of core's own package.
  noExternal: ['cockatiel', 'p-queue', /^d3-/, 'internmap', 'import-meta-resolve', /^date-fns(\/|$)/],
});
