import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../openapi.ts';

type Content = Record<string, { schema?: object }>;
type Operation = { operationId: string; responses: Record<string, { content?: Content }> };

/**
 * Checks answers against the API's OpenAPI 3.1 document: the path and method are documented, the
 * status is documented for that operation, the content type is, and a JSON body matches the
 * documented schema (JSON Schema 2020-12, as OpenAPI 3.1 says, with ajv).
 */
export function contract() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const paths = openApiDocument.paths as unknown as Record<string, Record<string, Operation>>;

  return {
    /** Problems with one answer; empty when it is as documented. */
    async check(method: string, url: string, response: Response): Promise<string[]> {
      const path = new URL(url, 'http://127.0.0.1').pathname;
      const operation = paths[path]?.[method.toLowerCase()];
      if (!operation) return [`no operation is ${method} ${path}`];
      const status = String(response.status);
      const documented = operation.responses[status];
      if (!documented) return [`${operation.operationId} documents no ${status} answer`];
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      const content = documented.content ?? {};
      if (Object.keys(content).length === 0) return [];
      if (!(type in content)) {
        return [
          `${operation.operationId} ${status} answers ${type}, documented: ${Object.keys(content).join(', ')}`,
        ];
      }
      const schema = content[type]!.schema;
      if (!type.endsWith('json') || !schema) return [];
      const validate = ajv.compile({ allOf: [schema], components: openApiDocument.components });
      if (validate(await response.clone().json())) return [];
      return (validate.errors ?? []).map(
        (e) => `${operation.operationId} ${status}: ${e.instancePath || 'body'} ${e.message}`,
      );
    },
  };
}
