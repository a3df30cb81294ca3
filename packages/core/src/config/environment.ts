import type { ConfigIssue } from '../errors.ts';
import type { Environment } from '../plugin/plugin.ts';

export type { Environment };

/**
 * `{ "env": "NAME" }` anywhere in a configuration stands for the environment variable `NAME`, so
 * secrets can stay out of the file. An object form rather than `${NAME}` inside strings: it cannot be
 * mistaken for a password that happens to contain `${`, and JSON editors can check it.
 */
export function isEnvReference(value: unknown): value is { env: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'env' && typeof (value as { env: unknown }).env === 'string';
}

/** Replaces every `{ env }` reference by the variable's value; an unset one becomes an issue. */
export function resolveEnvReferences(
  value: unknown,
  env: Environment,
  issues: ConfigIssue[],
  path: PropertyKey[] = [],
): unknown {
  if (isEnvReference(value)) {
    const resolved = env[value.env];
    if (resolved === undefined || resolved === '') {
      issues.push({
        path: path.map(String).join('.'),
        message: `expected the environment variable ${value.env} to be set, received nothing`,
        received: 'nothing',
      });
      // Empty, so the field's own check fails at this path (and is not told twice) rather than
      // another rule reporting the field as missing.
      return '';
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvReferences(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvReferences(v, env, issues, [...path, k])]),
    );
  }
  return value;
}
