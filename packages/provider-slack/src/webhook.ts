// `@presence-tracker/provider-slack/webhook`: the tracker's events as Slack messages, through an
// incoming webhook. Loads nothing of the Slack Web API.
import type { NotifierPlugin } from '@presence-tracker/core';
import {
  chatText,
  describeEvent,
  type Formatter,
  formattedWebhookPlugin,
  type WebhookPluginOptions,
} from '@presence-tracker/core/webhook';

/**
 * A Slack incoming webhook's body: `{ text }`, one readable line, people listed under a run's end
 * (https://api.slack.com/messaging/webhooks).
 */
export const slackFormat: Formatter = (event, options) => ({ text: chatText(describeEvent(event, options)) });

/** The notifier `{ "type": "slack", "url": ... }`: the `webhook` notifier's options, in Slack's format. */
export const slackWebhook: NotifierPlugin<WebhookPluginOptions> = formattedWebhookPlugin({
  name: 'slack',
  description: 'POSTs events as Slack messages to an incoming webhook, durably through the store’s outbox',
  format: slackFormat,
});

export default slackWebhook;
