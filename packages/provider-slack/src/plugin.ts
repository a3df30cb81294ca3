import { definePlugin } from '@presence-tracker/core';
import { slackOptionsSchema } from './options.ts';
import { slackProvider } from './slack-provider.ts';

/**
 * `{ "type": "slack", "token": { "env": "SLACK_TOKEN" } }` in a configuration. The tracker's clock and
 * logger fill the provider's, so budgets and do-not-disturb windows follow replayed time.
 */
export const slack = definePlugin({
  kind: 'provider',
  name: 'slack',
  description: 'Slack presence and do-not-disturb (@slack/web-api)',
  options: slackOptionsSchema,
  describe: (options) => (options.baseUrl ? `slack ${new URL(options.baseUrl).host}` : 'slack'),
  create: (options, context) => slackProvider({ ...options, clock: context.clock, logger: context.logger }),
});

export const plugin = slack;
export default slack;
