// `@presence-tracker/provider-mattermost/webhook`: the tracker's events as Mattermost messages, through
// an incoming webhook. Loads nothing of the Mattermost client.
import type { NotifierPlugin } from '@presence-tracker/core';
import {
  chatText,
  describeEvent,
  type Formatter,
  formattedWebhookPlugin,
  type WebhookPluginOptions,
} from '@presence-tracker/core/webhook';

/**
 * A Mattermost incoming webhook's body: `{ text }` in Markdown, people listed under a run's end
 * (https://developers.mattermost.com/integrate/webhooks/incoming/).
 */
export const mattermostFormat: Formatter = (event, options) => ({
  text: chatText(describeEvent(event, options)),
});

/** The notifier `{ "type": "mattermost", "url": ... }`: the `webhook` notifier's options, in Mattermost's format. */
export const mattermostWebhook: NotifierPlugin<WebhookPluginOptions> = formattedWebhookPlugin({
  name: 'mattermost',
  description:
    'POSTs events as Mattermost messages to an incoming webhook, durably through the store’s outbox',
  format: mattermostFormat,
});

export default mattermostWebhook;
