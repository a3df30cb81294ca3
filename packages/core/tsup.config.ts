import { packageBuild } from '../../tsup.base.ts';

export default packageBuild({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', resilience: 'src/resilience/index.ts' },
  // Optional: loaded only when a PNG is asked for, and never bundled.
  external: ['@resvg/resvg-js'],
  // Both ship as ESM only; bundled, so the CommonJS entry loads on every Node that `engines` claims.
  noExternal: ['cockatiel', 'p-queue'],
});
