import { packageBuild } from '../../tsup.base.ts';

export default packageBuild({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', webhook: 'src/webhook.ts' },
});
