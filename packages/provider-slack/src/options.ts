import { type Clock, ConfigError, type Logger } from '@presence-tracker/core';
import type { Sleep } from '@presence-tracker/core/resilience';
import { z } from 'zod';

/** The Web API methods the provider calls, each with its own budget. */
export const METHODS = [
  'users.getPresence',
  'dnd.teamInfo',
  'users.info',
  'users.lookupByEmail',
  'users.list',
] as const;
export type SlackMethod = (typeof METHODS)[number];

/**
 * Calls a minute per method for one app in one workspace: the floor of each method's documented tier
 * (Tier 2: 20+, Tier 3: 50+, Tier 4: 100+).
 */
export const DOCUMENTED_LIMITS: Record<SlackMethod, number> = {
  'users.getPresence': 50,
  'dnd.teamInfo': 20,
  'users.info': 100,
  'users.lookupByEmail': 50,
  'users.list': 20,
};

const perMinute = z
  .number()
  .int('expected a whole number of calls a minute')
  .min(1, 'expected at least 1 call a minute');

/** The options a configuration file can hold (everything but the seams). */
export const slackOptionsSchema = z.strictObject({
  /** A bot token (xoxb-...) or user token (xoxp-...) with users:read, users:read.email and dnd:read. */
  token: z
    .string({ error: 'expected a Slack token (xoxb-... or xoxp-...)' })
    .min(1, 'expected a Slack token (xoxb-... or xoxp-...)'),
  /** The Web API's base, for a proxy or a test server. Default: https://slack.com/api/. */
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http or https address such as https://slack.com/api/' })
    .optional(),
  /** `discoverUsers` includes bot and app accounts. Default: false. */
  includeBots: z.boolean().optional(),
  /** `discoverUsers` includes deleted accounts (read as `unknown`). Default: false. */
  includeDeleted: z.boolean().optional(),
  /** `discoverUsers` includes guests (restricted and single-channel accounts). Default: false. */
  includeRestricted: z.boolean().optional(),
  /** Read do-not-disturb (needs `dnd:read`). Default: true. */
  dnd: z.boolean().optional(),
  /** How long a `dnd.teamInfo` answer is used, in ms. Default: 600,000 (10 min). */
  dndMaxAge: z.number().min(0, 'expected dndMaxAge in milliseconds, 0 or more').optional(),
  /** How long a person's profile (deleted or not) is reused, in ms. Default: 3,600,000 (1 h). */
  profileMaxAge: z.number().min(0, 'expected profileMaxAge in milliseconds, 0 or more').optional(),
  /** Calls a minute per method, lower than the documented tier for an app that shares its workspace's budget. */
  rateLimits: z
    .strictObject(
      Object.fromEntries(METHODS.map((m) => [m, perMinute.optional()])) as Record<
        SlackMethod,
        z.ZodOptional<typeof perMinute>
      >,
    )
    .optional(),
  /** How long a poll waits for a slot that is about to come free, in ms. Default: 2,000. */
  budgetGrace: z.number().min(0, 'expected budgetGrace in milliseconds, 0 or more').optional(),
  /** Calls in flight at once. Default: 4. */
  concurrency: z.number().int().min(1, 'expected concurrency of 1 or more').optional(),
  /** How often a look-up or listing call is retried (after `ratelimited`, a network error or 5xx). Default: 3. */
  retries: z.number().int().min(0, 'expected retries of 0 or more').optional(),
  /** How long one call may take, in ms. Default: 30,000. */
  timeout: z.number().int().min(1, 'expected timeout in milliseconds, 1 or more').optional(),
});

export type SlackConfigOptions = z.input<typeof slackOptionsSchema>;

export interface SlackProviderOptions extends SlackConfigOptions {
  /** Where "now" comes from: budgets, DND windows and `observedAt` follow it. Default: the system clock. */
  clock?: Clock;
  /** How budget waits are slept; replace it with the clock in replayed tests. Default: timers. */
  sleep?: Sleep;
  logger?: Logger;
}

export interface ResolvedOptions {
  token: string;
  baseUrl: string | undefined;
  includeBots: boolean;
  includeDeleted: boolean;
  includeRestricted: boolean;
  dnd: boolean;
  dndMaxAge: number;
  profileMaxAge: number;
  rateLimits: Record<SlackMethod, number>;
  budgetGrace: number;
  concurrency: number;
  retries: number;
  timeout: number;
}

/** Checks a host app's options, naming every wrong field; the token is never echoed. */
export function resolveOptions(options: SlackProviderOptions): ResolvedOptions {
  const { clock: _c, sleep: _s, logger: _l, ...rest } = (options ?? {}) as SlackProviderOptions;
  const result = slackOptionsSchema.safeParse(rest);
  if (!result.success) {
    throw new ConfigError(
      'slackProvider: invalid options',
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  const o = result.data;
  return {
    token: o.token,
    baseUrl: o.baseUrl === undefined ? undefined : o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`,
    includeBots: o.includeBots ?? false,
    includeDeleted: o.includeDeleted ?? false,
    includeRestricted: o.includeRestricted ?? false,
    dnd: o.dnd ?? true,
    dndMaxAge: o.dndMaxAge ?? 600_000,
    profileMaxAge: o.profileMaxAge ?? 3_600_000,
    rateLimits: { ...DOCUMENTED_LIMITS, ...stripUndefined(o.rateLimits ?? {}) },
    budgetGrace: o.budgetGrace ?? 2_000,
    concurrency: o.concurrency ?? 4,
    retries: o.retries ?? 3,
    timeout: o.timeout ?? 30_000,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
