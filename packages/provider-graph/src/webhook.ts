// `@presence-tracker/provider-graph/webhook`: the tracker's events as Microsoft Teams message cards,
// through an incoming webhook. Loads nothing of the Graph client or Azure Identity.
import type { NotifierPlugin } from '@presence-tracker/core';
import {
  describeEvent,
  type Formatter,
  formattedWebhookPlugin,
  listedDetails,
  type WebhookPluginOptions,
} from '@presence-tracker/core/webhook';

/** Card colours by severity, from normal to loudest. */
const THEME = ['0076D7', 'E3A21A', 'E3711A', 'D13438'];

/**
 * A Teams incoming webhook's body: a `MessageCard` with a title, the readable line, a colour that
 * follows the person's severity, and people as facts under a run's end
 * (https://learn.microsoft.com/outlook/actionable-messages/message-card-reference).
 */
export const teamsFormat: Formatter = (event, options) => {
  const e = describeEvent(event, options);
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: e.title,
    themeColor: THEME[e.severity] ?? THEME[0],
    title: e.title,
    text: e.text,
    ...(e.details.length > 0 ? { sections: [{ facts: listedDetails(e.details) }] } : {}),
  };
};

/** The notifier `{ "type": "teams", "url": ... }`: the `webhook` notifier's options, as Teams message cards. */
export const teamsWebhook: NotifierPlugin<WebhookPluginOptions> = formattedWebhookPlugin({
  name: 'teams',
  description:
    'POSTs events as Microsoft Teams message cards to an incoming webhook, durably through the store’s outbox',
  format: teamsFormat,
});

export default teamsWebhook;
