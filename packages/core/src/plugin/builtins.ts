import { z } from 'zod';
import { combinePlugin } from '../combine/plugin.ts';
import { type FormatName, type Formatter, formatters } from '../notifier/formatters.ts';
import { TRACKER_EVENT_TYPES, webhookNotifier } from '../notifier/index.ts';
import { simulatedProvider } from '../provider/index.ts';
import { isTimeZone } from '../schedule/index.ts';
import { memoryStore } from '../store/index.ts';
import type { BuiltinPlugins } from './load.ts';
import { definePlugin, type NotifierPlugin } from './plugin.ts';

/*
 * The plugins core brings: a store in memory, simulated people, and webhooks. Their options are the
 * configuration block's fields besides `type`.
 */

const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin');

export const memoryPlugin = definePlugin({
  kind: 'store',
  name: 'memory',
  description: 'keeps everything in memory; forgets it when the process ends',
  options: z.strictObject({
    /** Keep raw samples so that `samples()` answers. Default: true. */
    keepSamples: z.boolean().optional(),
  }),
  create: (options) => memoryStore(options),
});

export const simulatedPlugin = definePlugin({
  kind: 'provider',
  name: 'simulated',
  description: 'seeded, made-up people with working days; no account needed',
  options: z.strictObject({
    /** How many simulated people (default 10), or their keys. */
    users: z.union([z.number().int().min(1).max(1_000_000), z.array(z.string().min(1)).min(1)]).optional(),
    /** The same seed gives the same presence for the same instant. Default: 1. */
    seed: z.number().int().optional(),
    /** The simulated people's local time zone for their working hours. Default: UTC. */
    timeZone: timeZone.optional(),
  }),
  create: (options, context) => simulatedProvider({ ...options, clock: context.clock }),
});

const webhookOptions = z.strictObject({
  url: z.url({ error: 'expected a URL such as https://example.com', protocol: /^https?$/ }),
  /** `whsec_...` signs requests as Standard Webhooks says. */
  secret: z.string().min(1).optional(),
  /** The event types to send; all when absent. */
  events: z.array(z.enum(TRACKER_EVENT_TYPES)).optional(),
  /** Milliseconds one attempt may take. Default: 15,000. */
  timeout: z.number().int().min(1).optional(),
  retry: z
    .strictObject({
      /** The delays in ms before each retry. Default: the Standard Webhooks schedule. */
      schedule: z.array(z.number().int().nonnegative()).optional(),
      jitter: z.number().min(0).max(1).optional(),
    })
    .optional(),
  /** Extra request headers, e.g. `X-Gotify-Key`; their values are never logged. */
  headers: z.record(z.string(), z.string()).optional(),
});

/** The options of a webhook notifier block besides `type` and `format`. */
export type WebhookPluginOptions = z.infer<typeof webhookOptions>;

const formatNames = Object.keys(formatters) as [FormatName, ...FormatName[]];

export const webhookPlugin = definePlugin({
  kind: 'notifier',
  name: 'webhook',
  description: 'POSTs events to a URL, durably through the store’s outbox',
  options: webhookOptions.extend({
    /**
     * The body's shape: the native JSON event, or Gotify's message. Default: standard. A chat tool's
     * format comes with its plugin, as a notifier block of that plugin's own `type`.
     */
    format: z
      .enum(formatNames, {
        error: `expected ${formatNames.map((n) => `"${n}"`).join(' or ')} (a chat tool's messages come from its plugin, as a notifier of its own type)`,
      })
      .optional(),
  }),
  create: (options, context) =>
    webhookNotifier({
      ...options,
      name: context.name,
      ...(context.timeZone !== undefined && { timeZone: context.timeZone }),
    }),
  describe: (options) => `webhook ${new URL(options.url).host}`,
});

/**
 * A notifier plugin that POSTs events to an incoming webhook in one tool's format: the `webhook`
 * notifier's options without `format`, durable through the outbox in the same way. How a chat tool's
 * package offers its messages by name, so that a configuration says `{ "type": "acme-chat", "url": ... }`.
 *
 * ```ts
 * export const acmeChat = formattedWebhookPlugin({
 *   name: 'acme-chat',
 *   format: (event, options) => ({ text: chatText(describeEvent(event, options)) }),
 * });
 * ```
 */
export function formattedWebhookPlugin(plugin: {
  name: string;
  description?: string;
  format: Formatter;
}): NotifierPlugin<WebhookPluginOptions> {
  return definePlugin({
    kind: 'notifier',
    name: plugin.name,
    description:
      plugin.description ?? `POSTs events as ${plugin.name} messages, durably through the store’s outbox`,
    options: webhookOptions,
    create: (options, context) =>
      webhookNotifier({
        ...options,
        format: plugin.format,
        name: context.name,
        ...(context.timeZone !== undefined && { timeZone: context.timeZone }),
      }),
    describe: (options) => `${plugin.name} ${new URL(options.url).host}`,
  });
}

/** Core's plugins by name, for a host's registry of built-ins. */
export const corePlugins = {
  provider: { simulated: () => simulatedPlugin, combine: () => combinePlugin },
  store: { memory: () => memoryPlugin },
  notifier: { webhook: () => webhookPlugin },
} satisfies BuiltinPlugins;
