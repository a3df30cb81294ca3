import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describeIssues } from '../config/issues.ts';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { Plugin } from './plugin.ts';

/**
 * Checks a plugin's options with the plugin's own schema. Every problem is listed with its path under
 * `path` (e.g. `provider.region`) and never with the value, which may be a secret.
 */
export async function validatePluginOptions<P extends Plugin>(
  plugin: P,
  input: unknown,
  path: string,
): Promise<P extends { options: StandardSchemaV1<unknown, infer O> } ? O : never> {
  let result = plugin.options['~standard'].validate(input);
  if (result instanceof Promise) result = await result;
  if (!result.issues) return result.value as never;
  const prefix = path === '' ? [] : path.split('.');
  // zod's issues say what was expected in a form we can word like the configuration's own.
  const issues =
    plugin.options['~standard'].vendor === 'zod'
      ? describeIssues(result, input, prefix, plugin.options as never)
      : result.issues.map((i) => standardIssue(i, path));
  throw new ConfigError(`invalid options for the ${plugin.kind} plugin '${plugin.name}':`, issues);
}

function standardIssue(issue: StandardSchemaV1.Issue, prefix: string): ConfigIssue {
  const keys = (issue.path ?? []).map((k) => String(typeof k === 'object' ? k.key : k));
  return { path: [prefix, ...keys].filter(Boolean).join('.'), message: issue.message };
}
