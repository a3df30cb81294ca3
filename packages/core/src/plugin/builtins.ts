import { z } from 'zod';
import { combinePlugin } from '../combine/plugin.ts';
import { formatters } from '../notifier/formatters.ts';
import { TRACKER_EVENT_TYPES, webhookNotifier } from '../notifier/index.ts';
import { simulatedProvider } from '../provider/index.ts';
import { isTimeZone } from '../schedule/index.ts';
import { memoryStore } from '../store/index.ts';
import type { BuiltinPlugins } from './load.ts';
import { definePlugin } from './plugin.ts';

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

export const webhookPlugin = definePlugin({
  kind: 'notifier',
  name: 'webhook',
  description: 'POSTs events to a URL, durably through the store’s outbox',
  options: z.strictObject({
    url: z.url({ error: 'expected a URL such as https://example.com', protocol: /^https?$/ }),
    /** `whsec_...` signs requests as Standard Webhooks says. */
    secret: z.string().min(1).optional(),
    /** The body's shape: the native JSON event, or a chat tool's message. Default: standard. */
    format: z.enum(Object.keys(formatters) as [keyof typeof formatters]).optional(),
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
  }),
  create: (options, context) =>
    webhookNotifier({
      ...options,
      name: context.name,
      ...(context.timeZone !== undefined && { timeZone: context.timeZone }),
    }),
  describe: (options) => {
    const url = new URL(options.url);
    return `webhook ${url.host}`;
  },
});

/** Core's plugins by name, for a host's registry of built-ins. */
export const corePlugins = {
  provider: { simulated: () => simulatedPlugin, combine: () => combinePlugin },
  store: { memory: () => memoryPlugin },
  notifier: { webhook: () => webhookPlugin },
} satisfies BuiltinPlugins;
