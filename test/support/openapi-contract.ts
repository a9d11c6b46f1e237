import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Response, Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent';

type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, { required?: boolean }>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: Json;
}

/** What a response looked like, whichever client got it (supertest or fetch). */
export interface ObservedResponse {
  method: string;
  /** The request path, query string allowed. */
  path: string;
  status: number;
  contentType: string;
  headers: Record<string, string | undefined>;
  /** The parsed JSON body for a JSON type, else the text (undefined when there was none). */
  body: unknown;
  /** Whether any body bytes came back. */
  hasBody: boolean;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/** Served by the docs setup itself, outside the API the document describes. */
const DOCS_PATHS = /^\/(docs(-json|-yaml)?(\/.*)?|redoc(\/.*)?|favicon\.ico)$/;
/** Where each test process records what it checked; test/support/openapi-coverage-reporter.js sums it up. */
export const COVERAGE_DIR = resolve(__dirname, '..', '..', 'test-output', 'openapi-coverage');

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

/** `audio/*` covers `audio/mpeg`; an exact entry wins over a wildcard. */
function documentedType(content: Record<string, MediaType>, contentType: string): string | undefined {
  if (content[contentType]) return contentType;
  const [type] = contentType.split('/');
  return [`${type}/*`, '*/*'].find((candidate) => content[candidate]);
}

/**
 * Checks real responses against the app's own OpenAPI document: the operation (method + path
 * template), the status and the content type must be documented, documented required headers
 * present, and a JSON body must match its schema (ajv strict, with formats). A path the document
 * does not know may only answer 404/405 in the error format. Records what it covered.
 */
export class OpenApiContract {
  private readonly ajv = new Ajv({ strict: true, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp; params: number }>;
  private readonly coverageFile = join(COVERAGE_DIR, `covered-${process.pid}.txt`);
  private universeWritten = false;
  readonly covered = new Set<string>();

  /** `exempt`: path prefixes served by test-only controllers, not by the app. */
  constructor(
    private readonly document: OpenApiDocument,
    private readonly exempt: string[] = [],
  ) {
    addFormats(this.ajv);
    // OpenAPI annotations that are not JSON Schema validation keywords.
    this.ajv.addKeyword({ keyword: 'example' });
    this.ajv.addKeyword({ keyword: 'xml' });
    // Only ever on request bodies and binary responses, which are not validated as JSON.
    this.ajv.addFormat('binary', true);
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

  /** Throws with a readable reason when the supertest response is not what the document says. */
  check(res: Response): void {
    const request = (res as unknown as { req: { method: string; path: string } }).req;
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0];
    const text = typeof res.text === 'string' ? res.text : undefined;
    const hasBody = Boolean(text?.length) || (Buffer.isBuffer(res.body) && res.body.length > 0);
    this.checkObserved({
      method: request.method,
      path: request.path,
      status: res.status,
      contentType,
      headers: res.headers as Record<string, string | undefined>,
      body: contentType.endsWith('json') ? res.body : text,
      hasBody,
    });
  }

  checkObserved(observed: ObservedResponse): void {
    this.writeUniverse();
    const method = observed.method.toLowerCase();
    // Not through URL(): that would resolve `..` segments the server saw as they were.
    const path = observed.path.split(/[?#]/)[0];
    const { status, contentType } = observed;
    if (DOCS_PATHS.test(path) || this.exempt.some((prefix) => path.startsWith(prefix))) return;
    // A CORS preflight is the browser's question to the server, not an operation of the API.
    if (method === 'options' && observed.headers['access-control-allow-origin'] !== undefined) return;
    const known = this.templates.filter((t) => t.pattern.test(path));
    const match = known.find((t) => this.document.paths[t.template][method]);
    if (!match) {
      // Unknown routes and methods are not operations, but they still answer in the error format.
      const what = known.length ? `${method.toUpperCase()} on ${known[0].template}` : `${method.toUpperCase()} ${path}`;
      if (status !== 404 && status !== 405) {
        throw new Error(`${what} answered ${status} but is not in the OpenAPI document`);
      }
      this.validate('ErrorResponse', { $ref: 'ErrorResponse' }, observed.body, `${what} ${status}`);
      this.record(`(undocumented) ${status}`);
      return;
    }
    const operation = this.document.paths[match.template][method];
    const key = `${method.toUpperCase()} ${match.template} ${status}`;
    const response = operation.responses[String(status)];
    if (response && method === 'head') {
      this.record(`${key} -`); // a HEAD answer has no body to check
      return;
    }
    if (!response) {
      const documented = Object.keys(operation.responses).join(', ');
      throw new Error(`${key}: status ${status} is not documented (documented: ${documented})`);
    }
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (header.required && observed.headers[name.toLowerCase()] === undefined) {
        throw new Error(`${key}: the required header ${name} is missing`);
      }
    }
    if (!response.content) {
      if (observed.hasBody && method !== 'head') {
        throw new Error(`${key} has a body (${contentType || 'no content type'}) but documents none`);
      }
      this.record(`${key} -`);
      return;
    }
    const documentedAs = documentedType(response.content, contentType);
    if (!documentedAs) {
      if (method === 'head' || (!observed.hasBody && !contentType)) {
        this.record(`${key} -`);
        return;
      }
      const documented = Object.keys(response.content).join(', ');
      throw new Error(`${key} answered ${contentType || 'no content type'}; documented: ${documented}`);
    }
    const schema = response.content[documentedAs].schema;
    if (schema && contentType.endsWith('json')) this.validate(`${key} ${documentedAs}`, schema, observed.body, key);
    this.record(`${key} ${documentedAs}`);
  }

  private validate(id: string, schema: Json, body: unknown, what: string): void {
    let validate = this.validators.get(id);
    if (!validate) {
      validate = this.ajv.compile(rewriteRefs(schema) as Json);
      this.validators.set(id, validate);
    }
    if (!validate(body)) {
      const sample = JSON.stringify(body)?.slice(0, 400);
      throw new Error(`${what}: body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${sample}`);
    }
  }

  private record(key: string): void {
    if (this.covered.has(key)) return;
    this.covered.add(key);
    mkdirSync(COVERAGE_DIR, { recursive: true });
    appendFileSync(this.coverageFile, `${key}\n`);
  }

  /** Every (operation, status, content type) the document promises, once per distinct document. */
  private writeUniverse(): void {
    if (this.universeWritten) return;
    this.universeWritten = true;
    const triples: string[] = [];
    for (const [template, item] of Object.entries(this.document.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        for (const [status, response] of Object.entries(operation.responses)) {
          const types = Object.keys(response.content ?? {});
          for (const type of types.length ? types : ['-'])
            triples.push(`${method.toUpperCase()} ${template} ${status} ${type}`);
        }
      }
    }
    const text = `${triples.sort().join('\n')}\n`;
    const file = join(COVERAGE_DIR, `document-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.txt`);
    mkdirSync(COVERAGE_DIR, { recursive: true });
    if (!existsSync(file)) writeFileSync(file, text);
  }
}

/**
 * A supertest agent whose every response is checked against the document once the spec's own
 * expectations passed: a drift fails the request as an assertion would.
 */
export function checkedAgent(agent: TestAgent, contract: OpenApiContract): TestAgent {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function' || !HTTP_METHODS.includes(property)) return value;
      return (...args: unknown[]) => watch((value as (...a: unknown[]) => Test).apply(target, args), contract);
    },
  });
}

type AssertCallback = (err: Error | null, res?: Response) => void;
type Assert = (resError: Error | null, res: Response | undefined, fn?: AssertCallback) => void;

/** supertest runs `assert(err, res, fn)` after every request: the check runs after the spec's own asserts. */
function watch(test: Test, contract: OpenApiContract): Test {
  const holder = test as unknown as { assert: Assert };
  const original = holder.assert.bind(test);
  holder.assert = (resError, res, fn) =>
    original(resError, res, (err, response) => {
      let failure = err;
      if (!failure && response) {
        try {
          contract.check(response);
        } catch (error) {
          failure = error as Error;
        }
      }
      fn?.call(test, failure, response);
    });
  return test;
}

const contracts = new Map<string, Promise<OpenApiContract | undefined>>();

/** The contract of whatever serves `origin`, from its own /docs-json; undefined when it serves none (S3, fakes). */
function contractOf(origin: string): Promise<OpenApiContract | undefined> {
  let contract = contracts.get(origin);
  if (!contract) {
    contract = fetch(`${origin}/docs-json`)
      .then(async (res) => {
        const document = res.ok ? ((await res.json()) as Partial<OpenApiDocument>) : undefined;
        return document?.paths ? new OpenApiContract(document as OpenApiDocument) : undefined;
      })
      .catch(() => undefined);
    contracts.set(origin, contract);
  }
  return contract;
}

/**
 * `fetch` for specs that run the service as a process: every response from the service is checked
 * against the document that very process serves (bodies read from a clone, so the spec still can).
 */
export async function checkedFetch(input: string | URL, init?: RequestInit): Promise<globalThis.Response> {
  const url = new URL(String(input));
  const res = await fetch(input, init);
  // A followed redirect answers from elsewhere (S3): the 302 itself was never seen.
  const contract = res.redirected ? undefined : await contractOf(url.origin);
  if (!contract) return res;
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
  const text = await res.clone().text();
  let body: unknown = text;
  if (contentType.endsWith('json') && text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text; // invalid JSON fails the schema check
    }
  }
  contract.checkObserved({
    method: init?.method ?? 'GET',
    path: `${url.pathname}${url.search}`,
    status: res.status,
    contentType,
    headers: Object.fromEntries(res.headers.entries()),
    body,
    hasBody: text.length > 0,
  });
  return res;
}
