import { z } from 'zod';
import type { ConfigIssue } from '../errors.ts';
import { toConfigIssues } from '../validation.ts';

/**
 * How an adapter retries a failing request: the one shape every adapter takes as its `retry` option.
 * Waits grow from `baseDelay`, doubling each time up to `maxDelay`, each somewhere between half and
 * all of that (so clients that failed together do not come back together). A wait the other side
 * asked for (`Retry-After`) is honoured instead, even beyond `maxDelay`.
 */
export interface RetryOptions {
  /** How many times a request is tried in all, the first included; 1 never retries. Whole, at least 1. */
  attempts: number;
  /** The back-off before the first retry, in ms, before jitter. At least 0. */
  baseDelay: number;
  /** The longest back-off, in ms, before jitter. At least 0. */
  maxDelay: number;
}

const nonNegative = (what: string) =>
  z
    .number({ error: `expected ${what} in milliseconds, 0 or more` })
    .min(0, `expected ${what} in milliseconds, 0 or more`)
    .refine(Number.isFinite, `expected ${what} in milliseconds, 0 or more`);

/**
 * The `retry` option as a zod schema: each field optional, an unknown field an error (a misspelt
 * `retries` must not be silently ignored).
 */
export const retryOptionsSchema = z.strictObject({
  attempts: z
    .number({ error: 'expected a whole number of attempts, 1 or more' })
    .int('expected a whole number of attempts, 1 or more')
    .min(1, 'expected a whole number of attempts, 1 or more')
    .optional(),
  baseDelay: nonNegative('baseDelay').optional(),
  maxDelay: nonNegative('maxDelay').optional(),
});

/** What `retry` may hold before defaults apply. */
export type RetryOptionsInput = z.input<typeof retryOptionsSchema>;

/**
 * Checks a `retry` option and fills in the adapter's defaults. Problems come back as issues named by
 * path (`retry.attempts`, `retry: unknown field "retries"`) for the adapter to report with its others.
 */
export function checkRetryOptions(
  input: unknown,
  defaults: RetryOptions,
  path = 'retry',
): { value: RetryOptions; issues: ConfigIssue[] } {
  if (input === undefined) return { value: { ...defaults }, issues: [] };
  const result = retryOptionsSchema.safeParse(input);
  if (!result.success) return { value: { ...defaults }, issues: retryIssues(result.error, path) };
  const value = { ...defaults, ...stripUndefined(result.data) };
  if (value.maxDelay < value.baseDelay)
    return {
      value: { ...defaults },
      issues: [{ path: `${path}.maxDelay`, message: 'expected maxDelay at least baseDelay' }],
    };
  return { value, issues: [] };
}

const FIELDS = Object.keys(retryOptionsSchema.shape).join(', ');

/** zod's issues by path, an unknown field named by its own path. */
function retryIssues(error: z.ZodError, path: string): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: [path, ...issue.path.map(String), key].join('.'),
          message: `unknown field; expected one of ${FIELDS}`,
        }))
      : toConfigIssues(new z.ZodError([issue]), path),
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
