import { zValidator } from '@hono/zod-validator';
import { ConfigError } from '@presence-tracker/core';
import { isTimeZone, suggest } from '@presence-tracker/core/config';
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

/**
 * `from`, `to` and `timeZone`; each route adds its own. Strict, like every route's parameters: a
 * misspelt one (`timezone`, `user`) is refused rather than quietly giving the default zone or everyone.
 */
const rangeParams = z.strictObject({
  from: single('from'),
  to: single('to'),
  timeZone: single('timeZone').refine((v) => v === undefined || isTimeZone(v), {
    message: 'expected an IANA time zone such as Europe/Berlin',
  }),
});
/** The range and `userId`, for the routes that read some people's records. */
const peopleRangeParams = rangeParams.extend({ userId: list });
type RangeParams = z.output<typeof peopleRangeParams>;

export type RangeQuery = { from: Date; to: Date; timeZone: string; userIds?: string[] };

/** The range read as the report command reads it (core's `resolveRange`); a bad one is an issue naming it. */
function toRange<T extends z.output<typeof rangeParams> & Partial<RangeParams>>(defaults: QueryDefaults) {
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
 * A validator for a route's query string, whose parameters are `params`' fields: a bad or unknown
 * parameter gets 400 with an RFC 9457 body naming it (`invalidParams`), before the handler runs.
 */
function validate<P extends z.ZodObject, T extends z.ZodType>(params: P, schema: T) {
  const known = Object.keys(params.shape);
  return zValidator('query', schema, (result, c) => {
    if (result.success) return;
    return invalidParams(
      c,
      result.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((name) => ({ name, reason: unknownParameter(name, known) }))
          : [{ name: String(i.path[0] ?? 'query'), reason: i.message }],
      ),
    );
  });
}

function unknownParameter(name: string, known: readonly string[]): string {
  const meant = suggest(name, known);
  return meant === undefined
    ? `expected no parameter of this name (this route takes ${known.join(', ')})`
    : `expected no parameter of this name (did you mean ${meant}?)`;
}

export const rangeQuery = (defaults: QueryDefaults) =>
  validate(rangeParams, rangeParams.transform(toRange<z.output<typeof rangeParams>>(defaults)));

export const peopleRangeQuery = (defaults: QueryDefaults) =>
  validate(peopleRangeParams, peopleRangeParams.transform(toRange<RangeParams>(defaults)));

const reportParams = rangeParams.extend({
  groupBy: z
    .enum(['day', 'week', 'user', 'group'], { error: 'expected day, week, user or group' })
    .default('day'),
});

export const reportQuery = (defaults: QueryDefaults) =>
  validate(reportParams, reportParams.transform(toRange<z.output<typeof reportParams>>(defaults)));

const timelineParams = peopleRangeParams.extend({
  width: z.coerce
    .number({ error: 'expected a whole number of pixels' })
    .int('expected a whole number of pixels')
    .min(300, 'expected at least 300 pixels')
    .max(20_000, 'expected at most 20000 pixels')
    .optional(),
});

export const timelineQuery = (defaults: QueryDefaults) =>
  validate(timelineParams, timelineParams.transform(toRange<z.output<typeof timelineParams>>(defaults)));

const peopleParams = z.strictObject({ userId: list });

export const peopleQuery = () => validate(peopleParams, peopleParams);
