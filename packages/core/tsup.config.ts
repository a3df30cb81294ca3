import { packageBuild } from '../../tsup.base.ts';

export default packageBuild({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  // Optional: loaded only when a PNG is asked for, and never bundled.
  external: ['@resvg/resvg-js'],
});
