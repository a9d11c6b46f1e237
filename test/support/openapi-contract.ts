import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

/** `#/components/schemas/X` → `X`, the id each component schema is registered under. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' ? child.replace('#/components/schemas/', '') : rewriteRefs(child),
    ]),
  );
}

/**
 * Checks real responses against the app's own OpenAPI document: the operation (method + path
 * template), the status and the content type must be documented, and a JSON body must match its
 * schema (ajv strict, with formats). Records what it covered.
 */
export class OpenApiContract {
  private readonly ajv = new Ajv({ strict: true, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp; params: number }>;
  readonly covered = new Set<string>();

  constructor(private readonly document: { paths: Record<string, Record<string, Operation>>; components?: Json }) {
    addFormats(this.ajv);
    // OpenAPI annotations that are not JSON Schema validation keywords.
    this.ajv.addKeyword({ keyword: 'example' });
    this.ajv.addKeyword({ keyword: 'xml' });
    const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
    for (const [name, schema] of Object.entries(schemas)) {
      this.ajv.addSchema({ ...(rewriteRefs(schema) as Json), $id: name });
    }
    this.templates = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      .sort((a, b) => a.params - b.params); // literal segments win: /transcribe/batch before /transcribe/{id}
  }

  /** Throws with a readable reason when the response is not what the document says. */
  check(res: Response): void {
    const request = (res as unknown as { req: { method: string; path: string } }).req;
    const method = request.method.toLowerCase();
    const path = new URL(request.path, 'http://local').pathname;
    const match = this.templates.find((t) => t.pattern.test(path) && this.document.paths[t.template][method]);
    if (!match) throw new Error(`${method.toUpperCase()} ${path} is not in the OpenAPI document`);
    const operation = this.document.paths[match.template][method];
    const response = operation.responses[String(res.status)];
    if (!response) {
      throw new Error(`${method.toUpperCase()} ${match.template} answered ${res.status}, which is not documented`);
    }
    const key = `${method.toUpperCase()} ${match.template} ${res.status}`;
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0];
    if (!response.content) {
      if (res.text && res.text.length > 0 && res.status !== 204) {
        throw new Error(`${key} has a body (${contentType}) but documents none`);
      }
      this.covered.add(key);
      return;
    }
    const media = response.content[contentType];
    if (!media) {
      throw new Error(`${key} answered ${contentType}; documented: ${Object.keys(response.content).join(', ')}`);
    }
    if (media.schema && contentType.endsWith('json')) {
      const id = `${key} ${contentType}`;
      let validate = this.validators.get(id);
      if (!validate) {
        validate = this.ajv.compile(rewriteRefs(media.schema) as Json);
        this.validators.set(id, validate);
      }
      if (!validate(res.body)) {
        throw new Error(`${key}: body does not match the document: ${this.ajv.errorsText(validate.errors)}`);
      }
    }
    this.covered.add(`${key} ${contentType}`);
  }
}
