import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import type { ConfigIssue } from '../errors.ts';

type Path = readonly PropertyKey[];

/**
 * Turns zod's issues into ones a person can act on: the field's path, what was expected and the type
 * of what came. Only the type is ever told, never the value, so a misplaced secret is not echoed into
 * a terminal or a log.
 */
export function describeIssues(
  error: { issues: readonly unknown[] },
  input: unknown,
  prefix: Path = [],
  schema?: z.ZodType,
): ConfigIssue[] {
  return error.issues.flatMap((raw) => describe(raw as ZodIssueLike, input, prefix, [], schema));
}

/**
 * The known name a misspelt one was probably meant to be (`pollIntervall` -> `pollInterval`), or
 * undefined when none is close: at most a third of the name's letters differ.
 */
export function suggest(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(
    name.toLowerCase(),
    known.map((k) => k.toLowerCase()),
  );
  const match = known.find((k) => k.toLowerCase() === best)!;
  return distance(name.toLowerCase(), best) <= Math.max(1, Math.floor(name.length / 3)) ? match : undefined;
}

/** Issues with native paths renamed to what the source called them (`provider.url` -> `MM_URL`). */
export function renameIssues(issues: ConfigIssue[], names: Record<string, string>): ConfigIssue[] {
  if (Object.keys(names).length === 0) return issues;
  return issues.map((i) => {
    const from = Object.keys(names)
      .filter((n) => i.path === n || i.path.startsWith(`${n}.`))
      .sort((a, b) => b.length - a.length)[0];
    return from === undefined ? i : { ...i, path: names[from] + i.path.slice(from.length) };
  });
}

/** `qualifier` places the value without telling it, e.g. `below 1`. */
export function issue(path: Path, expected: string, value: unknown, qualifier?: string): ConfigIssue {
  const received = qualifier === undefined ? typeName(value) : `${typeName(value)} ${qualifier}`;
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
function describe(
  raw: ZodIssueLike,
  input: unknown,
  prefix: Path,
  base: Path,
  schema: z.ZodType | undefined,
): ConfigIssue[] {
  const relative = [...base, ...raw.path];
  const path = [...prefix, ...relative];
  const value = valueAt(input, relative);
  const custom = raw.message.startsWith('expected');

  switch (raw.code) {
    case 'unrecognized_keys': {
      const known = schema ? fieldsAt(schema, relative) : [];
      return (raw.keys ?? []).map((key) => {
        const meant = suggest(
          key,
          known.filter((k) => valueAt(value, [k]) === undefined),
        );
        return issue(
          [...path, key],
          meant === undefined
            ? 'expected no field of this name (check its spelling and place)'
            : `expected no field of this name (did you mean ${meant}?)`,
          valueAt(value, [key]),
        );
      });
    }
    case 'too_small':
    case 'too_big': {
      if (custom || (raw.origin !== 'number' && raw.origin !== 'int')) break;
      const small = raw.code === 'too_small';
      const limit = small ? raw.minimum : raw.maximum;
      const exclusive = raw.inclusive === false;
      const range = schema && !exclusive ? numberAt(schema, relative) : undefined;
      const place = exclusive
        ? `of ${limit} or ${small ? 'less' : 'more'}`
        : `${small ? 'below' : 'above'} ${limit}`;
      return [issue(path, range ?? expectation(raw), value, place)];
    }
    case 'invalid_union': {
      if (raw.discriminator !== undefined) {
        return [issue(path, custom ? raw.message : `expected one of ${quoteAll(raw.options ?? [])}`, value)];
      }
      // The branch whose issues lie deeper than the union itself is the one the value was meant for.
      const branch = raw.errors?.find((errors) => errors.some((e) => e.path.length > 0));
      if (branch) return branch.flatMap((e) => describe(e, input, prefix, relative, schema));
      return [issue(path, custom ? raw.message : 'expected one of the documented forms', value)];
    }
  }
  return [issue(path, custom ? raw.message : expectation(raw), value)];
}

/** The schema's own description of the numbers it takes, e.g. `expected a whole number from 1 to 4096`. */
function numberAt(schema: z.ZodType, path: Path): string | undefined {
  const at = schemaAt(schema, path);
  if (!(at instanceof z.ZodNumber)) return undefined;
  const kind = at.isInt ? 'a whole number' : 'a number';
  // A whole number's implicit safe-integer limits are no range worth telling.
  const told = (v: number | null) => (v !== null && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
  const min = told(at.minValue);
  const max = told(at.maxValue);
  if (min !== undefined && max !== undefined) return `expected ${kind} from ${min} to ${max}`;
  if (min !== undefined) return `expected ${kind} of at least ${min}`;
  if (max !== undefined) return `expected ${kind} of at most ${max}`;
  return undefined;
}

/** The fields an object schema knows at `path`, for "did you mean". */
function fieldsAt(schema: z.ZodType, path: Path): string[] {
  const at = schemaAt(schema, path);
  return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
}

function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let at: z.ZodType | undefined = schema;
  for (let i = 0; ; i++) {
    // Optional, nullable and defaulted fields wrap the schema that describes them.
    while (at instanceof z.ZodOptional || at instanceof z.ZodNullable || at instanceof z.ZodDefault) {
      at = at.unwrap() as z.ZodType;
    }
    if (i === path.length || at === undefined) return at;
    const key = path[i];
    if (at instanceof z.ZodObject) at = (at.shape as Record<string, z.ZodType>)[String(key)];
    else if (at instanceof z.ZodArray) at = at.element as z.ZodType;
    else if (at instanceof z.ZodTuple) at = (at.def.items as z.ZodType[])[Number(key)];
    else if (at instanceof z.ZodUnion) {
      const rest = path.slice(i);
      return (at.options as z.ZodType[]).map((o) => schemaAt(o, rest)).find((o) => o !== undefined);
    } else return undefined;
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
