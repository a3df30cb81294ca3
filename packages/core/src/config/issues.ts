import type { z } from 'zod';
import type { ConfigIssue } from '../errors.ts';

type Path = readonly PropertyKey[];

/**
 * Turns zod's issues into ones a person can act on: the field's path, what was expected and the type
 * of what came. Only the type is ever told, never the value, so a misplaced secret is not echoed into
 * a terminal or a log.
 */
export function describeIssues(error: z.ZodError, input: unknown, prefix: Path = []): ConfigIssue[] {
  return error.issues.flatMap((raw) => describe(raw as ZodIssueLike, input, prefix, []));
}

export function issue(path: Path, expected: string, value: unknown): ConfigIssue {
  const received = typeName(value);
  return { path: joinPath(path), message: `${expected}, received ${received}`, received };
}

export function joinPath(path: Path): string {
  return path.map(String).join('.');
}

/** The type of a value, in words, never the value itself. */
export function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  switch (typeof value) {
    case 'string':
      return value === '' ? 'an empty string' : 'a string';
    case 'number':
      if (!Number.isFinite(value)) return 'a non-finite number';
      return Number.isInteger(value) ? 'a whole number' : 'a fractional number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

export function valueAt(input: unknown, path: Path): unknown {
  let at = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  keys?: string[];
  errors?: ZodIssueLike[][];
  discriminator?: string;
  options?: unknown[];
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

/** `base` is where a nested issue (inside a union) sits relative to the input. */
function describe(raw: ZodIssueLike, input: unknown, prefix: Path, base: Path): ConfigIssue[] {
  const relative = [...base, ...raw.path];
  const path = [...prefix, ...relative];
  const value = valueAt(input, relative);
  const custom = raw.message.startsWith('expected');

  switch (raw.code) {
    case 'unrecognized_keys':
      return (raw.keys ?? []).map((key) =>
        issue(
          [...path, key],
          'expected no field of this name (check its spelling and place)',
          valueAt(value, [key]),
        ),
      );
    case 'invalid_union': {
      if (raw.discriminator !== undefined) {
        return [issue(path, custom ? raw.message : `expected one of ${quoteAll(raw.options ?? [])}`, value)];
      }
      // The branch whose issues lie deeper than the union itself is the one the value was meant for.
      const branch = raw.errors?.find((errors) => errors.some((e) => e.path.length > 0));
      if (branch) return branch.flatMap((e) => describe(e, input, prefix, relative));
      return [issue(path, custom ? raw.message : 'expected one of the documented forms', value)];
    }
    default:
      return [issue(path, custom ? raw.message : expectation(raw), value)];
  }
}

function expectation(raw: ZodIssueLike): string {
  switch (raw.code) {
    case 'invalid_type':
      return `expected ${TYPE_WORDS[raw.expected ?? ''] ?? raw.expected}`;
    case 'invalid_value':
      return `expected ${quoteAll(raw.values ?? [])}`;
    case 'too_small':
      return bound(raw, raw.minimum, 'at least', 'more than');
    case 'too_big':
      return bound(raw, raw.maximum, 'at most', 'less than');
    case 'invalid_format':
      return raw.format === 'url' ? 'expected a URL such as https://example.com' : `expected a ${raw.format}`;
    default:
      return `expected ${raw.message.toLowerCase()}`;
  }
}

function bound(
  raw: ZodIssueLike,
  limit: number | bigint | undefined,
  inclusive: string,
  exclusive: string,
): string {
  const relation = raw.inclusive === false ? exclusive : inclusive;
  switch (raw.origin) {
    case 'string':
      return Number(limit) === 1 && relation === 'at least'
        ? 'expected a non-empty string'
        : `expected a string of ${relation} ${limit} characters`;
    case 'array':
      return `expected a list of ${relation} ${limit} item${Number(limit) === 1 ? '' : 's'}`;
    default:
      return `expected a number ${relation} ${limit}`;
  }
}

function quoteAll(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length <= 1
    ? (quoted[0] ?? 'nothing')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
