import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { STATUSES } from '../model.ts';
import { definePlugin } from '../plugin/plugin.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { combineProviders } from './combine.ts';
import { mergeOrderSchema } from './merge.ts';

const duration = z.number().int().positive('expected more than 0 milliseconds');
const name = z.string().regex(/^[A-Za-z][\w-]*$/, 'expected a name of letters, digits, - and _');
const block = z.looseObject({ type: z.string().min(1, 'expected a provider type') });

/**
 * `{ "type": "combine", "providers": { "chat": { "type": "acme", ... }, "calendar": { ... } } }`: one
 * person on several platforms. Each value of `providers` is an ordinary provider block, made as the
 * configuration's own provider would be.
 */
export const combinePlugin = definePlugin({
  kind: 'provider',
  name: 'combine',
  description: 'one person on several platforms, their statuses merged by a documented rule',
  options: z
    .strictObject({
      /** The platforms by a name of your choosing; each an ordinary provider block. */
      providers: z
        .record(name, block)
        .refine((p) => Object.keys(p).length > 0, 'expected at least one provider block'),
      /** Statuses in order of precedence: the first any platform shows wins. */
      merge: mergeOrderSchema.optional(),
      /** How long a platform's reading counts (ms), for all or per platform. Default: the tracker's. */
      staleAfter: z.union([duration, z.record(name, duration)]).optional(),
      /** Statuses of a platform left out of the merge: `{ "calendar": ["available"] }`. */
      ignore: z.record(name, z.array(z.enum(STATUSES))).optional(),
    })
    .superRefine((o, ctx) => {
      for (const field of ['staleAfter', 'ignore'] as const) {
        const value = o[field];
        if (typeof value !== 'object') continue;
        for (const p of Object.keys(value)) {
          if (!(p in o.providers)) {
            ctx.addIssue({
              code: 'custom',
              path: [field, p],
              message: `expected one of the names in providers (${Object.keys(o.providers).join(', ')})`,
            });
          }
        }
      }
    }),
  blocks: (options) =>
    Object.fromEntries(
      Object.entries(options.providers).map(([p, b]) => [
        `providers.${p}`,
        { kind: 'provider' as const, block: b },
      ]),
    ),
  describe: (options) =>
    `combine ${Object.entries(options.providers)
      .map(([p, b]) => `${p} (${b.type})`)
      .join(', ')}`,
  async create(options, context) {
    const at = context.path ?? 'provider';
    if (!context.createPlugin) {
      throw new ConfigError(
        `cannot create ${at}: its provider blocks need a host that creates plugins inside plugins ` +
          '(context.createPlugin, set by resolvePlugins); in code, use combineProviders',
      );
    }
    const made: [string, PresenceProvider][] = [];
    try {
      for (const [p, b] of Object.entries(options.providers)) {
        made.push([p, await context.createPlugin('provider', b, `${at}.providers.${p}`)]);
      }
    } catch (error) {
      await Promise.allSettled(made.map(([, provider]) => provider.close?.()));
      throw error;
    }
    const staleAfter = options.staleAfter ?? context.staleAfter;
    return combineProviders({
      providers: Object.fromEntries(made),
      ...(options.merge && { merge: options.merge }),
      ...(staleAfter !== undefined && { staleAfter }),
      ...(options.ignore && { ignore: options.ignore }),
      clock: context.clock,
      logger: context.logger,
    });
  },
});
