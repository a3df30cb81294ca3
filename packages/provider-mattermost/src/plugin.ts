import { definePlugin } from '@presence-tracker/core';
import { retryOptionsSchema } from '@presence-tracker/core/resilience';
import { z } from 'zod';
import { mattermostProvider } from './mattermost-provider.ts';

const text = z.string().min(1);

export const mattermostOptionsSchema = z
  .strictObject({
    /** The server, e.g. https://chat.example.com. */
    url: z.url({
      protocol: /^https?$/,
      error: 'expected an http or https address such as https://chat.example.com',
    }),
    /** A personal access token or bot token. */
    token: text.optional(),
    /** A user's name or e-mail address, with `password`. */
    loginId: text.optional(),
    password: text.optional(),
    /** Watch the members of these teams (names or ids), with `"users": "discover"`. */
    teams: z.array(text).optional(),
    /** Watch the members of these channels (ids or team-name/channel-name). */
    channels: z.array(text).optional(),
    /** Track bot accounts too. Default: false. */
    includeBots: z.boolean().optional(),
    /** Track deactivated accounts too. Default: false. */
    includeDeactivated: z.boolean().optional(),
    /** How long lists of teams, channels and members are reused, in ms. Default: 600,000. */
    refreshInterval: z.number().min(0).optional(),
    /** User ids per status request. Default: 1,000. */
    batchSize: z.number().int().min(1).optional(),
    /** The most requests started per second (the Mattermost tracker's 1 / API_DELAY). Default: no limit. */
    requestsPerSecond: z.number().positive().optional(),
    /** Requests in flight at once. Default: 4. */
    concurrency: z.number().int().min(1).optional(),
    /** Retries after 429, in core's one shape `{ attempts, baseDelay, maxDelay }`. Default: 6 attempts, 1 s to 30 s. */
    retry: retryOptionsSchema.optional(),
    /** The longest wait the server may ask for, in ms. Default: 60,000. */
    maxRetryWait: z.number().min(0).optional(),
    /** Also push the account's own status changes through the WebSocket. Default: false. */
    pushOwnStatus: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.token !== undefined) return;
    if (o.loginId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['loginId'],
        message: 'expected a user name with password, or a token',
      });
    }
    if (o.password === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'expected a password with loginId, or a token',
      });
    }
  });

export type MattermostPluginOptions = z.output<typeof mattermostOptionsSchema>;

/** `{ "type": "mattermost", "url": ..., "token": ... }` in a configuration. */
export const mattermost = definePlugin({
  kind: 'provider',
  name: 'mattermost',
  description: 'Mattermost status (@mattermost/client)',
  options: mattermostOptionsSchema,
  create(options, context) {
    const { url, token, loginId, password, ...rest } = options;
    const auth =
      token !== undefined ? { url, token } : { url, loginId: loginId ?? '', password: password ?? '' };
    return mattermostProvider(auth, { ...rest, clock: context.clock, logger: context.logger });
  },
  describe: (options) => `mattermost ${new URL(options.url).host}`,
});

export default mattermost;
