import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OpenAPIBackend } from 'openapi-backend';
import type { RecordedRequest } from '../testing/fake-graph.ts';
import definition from './openapi/graph-v1.0-extract.json' with { type: 'json' };

// ajv-formats ships CommonJS with its function as the default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Microsoft's own description of the Graph operations the provider uses (an extract of the v1.0
 * OpenAPI description, see openapi/SOURCES.md), as a request validator: openapi-backend matches each
 * request to its operation and checks path, query and body with Ajv.
 */
export async function graphDescription() {
  const api = new OpenAPIBackend({
    definition: definition as never,
    quick: false,
    validate: true,
    coerceTypes: true,
    customizeAjv: (ajv, options, context) => {
      // openapi-backend splits every `explode: false` query value on commas, scalars too, so `$top=999`
      // arrives as ["999"]; coercing arrays of one item back (Ajv's "array" mode) reads it as sent.
      const fixed =
        context === 'paramsValidator' ? new Ajv({ ...(options as Options), coerceTypes: 'array' }) : ajv;
      return addFormats(fixed);
    },
  });
  await api.init();

  /** What is wrong with one request the description covers, or nothing. */
  const check = (method: string, url: string, headers: Record<string, string>, body: unknown): string[] => {
    const [path = '', query = ''] = url.replace(/^\/v1\.0/, '').split(/\?(.*)/s, 2);
    const request = { method, path, query, headers, ...(body === undefined ? {} : { body }) };
    const operation = api.matchOperation(request);
    if (!operation) return [`${method} ${url}: no such operation in the description`];
    const result = api.validateRequest(request, operation);
    return (result.errors ?? []).map((e) => `${method} ${url}: ${e.instancePath} ${e.message}`);
  };

  return {
    /**
     * Every problem with the recorded requests: each must be an operation of the description with a
     * valid path, query and body; a `$batch` (not part of the description) must hold at most 20 GETs,
     * each of which is checked as a request of its own; a GET of a next-page link must be a link the
     * server handed out, followed as it was given.
     */
    problems(requests: RecordedRequest[], issuedLinks: Set<string>, baseUrl: string): string[] {
      const problems: string[] = [];
      for (const r of requests) {
        const headers = { ...r.headers };
        if (issuedLinks.has(`${baseUrl}${r.url}`)) {
          if (r.method !== 'GET')
            problems.push(`${r.method} ${r.url}: a next-page link is followed with GET`);
          continue;
        }
        if (r.url === '/v1.0/$batch') {
          const inner = (r.body as { requests?: { method?: string; url?: string }[] })?.requests;
          if (r.method !== 'POST' || !Array.isArray(inner) || inner.length < 1 || inner.length > 20)
            problems.push(`${r.method} ${r.url}: a JSON batch is a POST of 1 to 20 requests`);
          for (const b of r.batched ?? []) problems.push(...check(b.method, `/v1.0${b.url}`, {}, undefined));
          continue;
        }
        problems.push(...check(r.method, r.url, headers, r.body));
      }
      return problems;
    },
  };
}
