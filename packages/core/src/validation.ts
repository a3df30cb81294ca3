import type { z } from 'zod';
import { describeIssues } from './config/issues.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';

/** Turns zod's issues into ones that name the field, what came and what was expected. */
export function toConfigIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { path, message: issue.message };
  });
}

/**
 * Validates options against a schema, or throws a `ConfigError` listing every problem: each names the
 * field, what was expected and the type that came (never the value), the branch of a union the value
 * was meant for, and the known name a misspelt field was probably meant to be.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  path = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(`invalid ${what}:`, describeIssues(result.error, value, path ? [path] : [], schema));
}
