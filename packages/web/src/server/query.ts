import { zValidator } from '@hono/zod-validator';
import { ConfigError } from '@presence-tracker/core';
import { isTimeZone } from '@presence-tracker/core/config';
import { resolveRange } from '@presence-tracker/core/report';
import { z } from 'zod';
import { invalidParams } from './problem.ts';

/** What the range's endpoints are read with: the server's defaults and its clock. */
export interface QueryDefaults {
  timeZone: string;
  days: number;
  now: () => Date;
}

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));

const single = (name: string) => z.string({ error: `expected one ${name}, not several` }).optional();

/** `from`, `to`, `timeZone` and `userId`; each route may add its own. */
const rangeParams = z.object({
  from: single('from'),
  to: single('to'),
  timeZone: single('timeZone').refine((v) => v === undefined || isTimeZone(v), {
    message: 'expected an IANA time zone such as Europe/Berlin',
  }),
  userId: list,
});
type RangeParams = z.output<typeof rangeParams>;

export type RangeQuery = { from: Date; to: Date; timeZone: string; userIds?: string[] };

/** The range read as the report command reads it (core's `resolveRange`); a bad one is an issue naming it. */
function toRange<T extends RangeParams>(defaults: QueryDefaults) {
  return (q: T, ctx: z.RefinementCtx): Omit<T, keyof RangeParams> & RangeQuery => {
    const { from, to, timeZone: zone, userId, ...rest } = q;
    const timeZone = zone ?? defaults.timeZone;
    try {
      const range = resolveRange({ from, to }, timeZone, defaults.now(), defaults.days);
      return { ...rest, ...range, timeZone, ...(userId && { userIds: userId }) };
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      for (const issue of error.issues)
        ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
      return z.NEVER;
    }
  };
}

/**
 * A validator for a route's query string: a bad parameter gets 400 with an RFC 9457 body naming it
 * (`invalidParams`), before the handler runs.
 */
function validate<T extends z.ZodType>(schema: T) {
  return zValidator('query', schema, (result, c) => {
    if (result.success) return;
    const issues = result.error.issues;
    return invalidParams(
      c,
      issues.map((i) => ({ name: String(i.path[0] ?? 'query'), reason: i.message })),
    );
  });
}

export const rangeQuery = (defaults: QueryDefaults) =>
  validate(rangeParams.transform(toRange<RangeParams>(defaults)));

const reportParams = rangeParams.extend({
  groupBy: z
    .enum(['day', 'week', 'user', 'group'], { error: 'expected day, week, user or group' })
    .default('day'),
});

export const reportQuery = (defaults: QueryDefaults) =>
  validate(reportParams.transform(toRange<z.output<typeof reportParams>>(defaults)));

const timelineParams = rangeParams.extend({
  width: z.coerce
    .number({ error: 'expected a whole number of pixels' })
    .int('expected a whole number of pixels')
    .min(300, 'expected at least 300 pixels')
    .max(20_000, 'expected at most 20000 pixels')
    .optional(),
});

export const timelineQuery = (defaults: QueryDefaults) =>
  validate(timelineParams.transform(toRange<z.output<typeof timelineParams>>(defaults)));

export const peopleQuery = () => validate(z.object({ userId: list }));
