import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { type Document, OpenAPIBackend, type Operation } from 'openapi-backend';
import { parse } from 'yaml';
import type { Exchange, Inspector } from '../testing/index.ts';

/**
 * Mattermost's own OpenAPI description of API v4, unedited (see SOURCES.md beside it), as a checker
 * for the fake server: every request the provider sends must match one of its operations with valid
 * path, query and body, and every answer the fake server gives must have the documented shape.
 */
const SPEC = new URL('./mattermost-openapi-v4.yaml', import.meta.url);

/**
 * Where the description and the server disagree, the server wins; each entry says why.
 * `operationId status` → the documented status whose shape the answer follows.
 */
const ERRATA: Readonly<Record<string, string>> = {
  // api4/user.go's login and logout handlers write no status (logout through ReturnStatusOK), so the
  // server answers 200; the description says 201.
  'Login 200': '201',
  'Logout 200': '201',
};

let loaded: Promise<Inspector> | undefined;

/** The checker; the description is read once per test file. */
export function mattermostOpenApi(): Promise<Inspector> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<Inspector> {
  // Mattermost builds the file by concatenating one YAML file per tag; one path appears twice
  // (/api/v4/sharedchannels/{channel_id}/remotes), so duplicate keys are allowed, the last one winning.
  const definition = parse(readFileSync(SPEC, 'utf8'), { uniqueKeys: false }) as Document;
  // `quick` skips checking the 800 KB description itself and compiles each operation's validators
  // on first use, so a test pays only for the operations it sends.
  const api = new OpenAPIBackend({ definition, quick: true, validate: true });
  await api.init();
  const schemas = (definition.components?.schemas ?? {}) as Record<string, object>;
  // The description's introduction documents every error (429 included) as an AppError.
  const appError = new Ajv({ strict: false }).compile(schemas.AppError!);

  const operationOf = (exchange: Exchange): Operation | string => {
    const url = new URL(exchange.url, 'http://127.0.0.1');
    const segments = url.pathname.split('/').slice(1);
    if (segments.some((s) => s === '')) return `the path ${url.pathname} has an empty segment`;
    for (const s of segments) {
      try {
        decodeURIComponent(s);
      } catch {
        return `the path segment ${s} is not valid percent-encoding`;
      }
    }
    const operation = api.matchOperation({
      method: exchange.method,
      path: url.pathname,
      headers: {},
    });
    return operation ?? `no operation of Mattermost's API v4 is ${exchange.method} ${url.pathname}`;
  };

  return {
    request(exchange) {
      const operation = operationOf(exchange);
      if (typeof operation === 'string') return [operation];
      const url = new URL(exchange.url, 'http://127.0.0.1');
      const result = api.validateRequest(
        {
          method: exchange.method,
          path: url.pathname,
          query: url.search.slice(1),
          headers: Object.fromEntries(
            Object.entries(exchange.headers).filter(
              (e): e is [string, string | string[]] => e[1] !== undefined,
            ),
          ),
          body: exchange.body,
        },
        operation,
      );
      return (result.errors ?? []).map(
        (e) => `${operation.operationId}: ${e.instancePath || '(request)'} ${e.message ?? e.keyword}`,
      );
    },

    response(exchange, status, body) {
      const operation = operationOf(exchange);
      if (typeof operation === 'string') return [];
      const id = operation.operationId ?? `${operation.method} ${operation.path}`;
      const documented = ERRATA[`${id} ${status}`] ?? String(status);
      if (operation.responses?.[documented] || operation.responses?.default) {
        const result = api.validateResponse(body, operation, Number(documented));
        return (result.errors ?? []).map(
          (e) => `${id} answered ${status}: ${e.instancePath || '(body)'} ${e.message ?? e.keyword}`,
        );
      }
      if (status >= 400) {
        return appError(body)
          ? []
          : (appError.errors ?? []).map((e) => `${id} answered ${status}: not an AppError: ${e.message}`);
      }
      return [`${id} does not document the answer ${status}`];
    },
  };
}
