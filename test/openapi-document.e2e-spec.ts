import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, TestApp } from './support/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const UPLOADS: Array<[string, string, string[]]> = [
  ['/api/v1/upload', 'file', []],
  ['/api/v1/transcribe', 'file', ['language_code', 'speaker_count', 'output_format', 'callback_url']],
  ['/api/v1/transcribe/batch', 'files', ['language_code', 'output_format']],
  ['/api/v1/analyze-image', 'file', ['analysis_types', 'max_labels', 'min_confidence']],
  ['/api/v1/analyze-image/batch', 'files', ['analysis_types', 'max_labels', 'min_confidence']],
  ['/api/v1/extract-attributes', 'file', ['max_labels', 'min_confidence']],
];

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;

  beforeAll(async () => {
    t = await createTestApp({ env: { STORAGE_DRIVER: 'local' } });
    doc = (await t.http.get('/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await t?.close();
  });

  const operations = () =>
    Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method] as Json })),
    );

  it.each(UPLOADS)('%s has its own schema per content type, with a binary file field', (path, field, options) => {
    const content = doc.paths[path].post.requestBody.content;
    const multipart = content['multipart/form-data'].schema;
    expect(multipart.oneOf).toBeUndefined();
    expect(multipart.required).toEqual([field]);
    const file = field === 'files' ? multipart.properties.files.items : multipart.properties.file;
    expect(file).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(multipart.properties)).toEqual(expect.arrayContaining(options));
    for (const name of options) {
      // Prefilled values are defaults or examples of real input, never a maximum.
      const property = multipart.properties[name];
      if (property.maximum !== undefined) expect(property.example).not.toBe(property.maximum);
    }
    if (path !== '/api/v1/upload') expect(content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
  });

  it('every 4xx/5xx of every operation is the one ErrorResponse schema (OpenAI’s shape on the OpenAI routes)', () => {
    let count = 0;
    for (const { operation } of operations()) {
      const schema = (operation.tags as string[]).includes('openai') ? 'OpenAiErrorDto' : 'ErrorResponse';
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (Number(status) < 400) continue;
        expect(response.content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${schema}` });
        count += 1;
      }
    }
    expect(count).toBeGreaterThan(50);
  });

  it('a transcription answers an accepted-job schema (202) and text renderings as strings', () => {
    const submit = doc.paths['/api/v1/transcribe'].post.responses;
    expect(submit['202'].content['application/json'].schema.$ref).toBe('#/components/schemas/JobAcceptedDto');
    expect(submit['202'].headers.Location).toBeDefined();
    const get = doc.paths['/api/v1/transcribe/{job_id}'].get.responses['200'].content;
    for (const type of ['text/plain', 'text/vtt', 'application/x-subrip']) expect(get[type].schema.type).toBe('string');
    expect(doc.servers).toEqual([{ url: '/' }]);
  });

  it('passes @redocly/cli lint with the recommended rules: 0 errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const cli = require.resolve('@redocly/cli/bin/cli.js');
      const config = join(__dirname, '..', 'redocly.yaml');
      const run = await promisify(execFile)(
        process.execPath,
        [cli, 'lint', file, `--config=${config}`, '--format=json'],
        {
          maxBuffer: 16 * 1024 * 1024,
        },
      ).catch((error: { stdout: string; stderr: string }) => error);
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { totals: Json; problems: Json[] };
      const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`);
      expect(errors).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('the docs need no other host: favicon served, ReDoc bundle without its CDN logo', async () => {
    const favicon = await t.http.get('/favicon.ico').expect(200);
    expect(favicon.headers['content-type']).toBe('image/png');
    const redoc = await t.http.get('/redoc').expect(200);
    expect(redoc.text).not.toMatch(/https?:\/\//);
    const bundle = await t.http.get('/redoc/redoc.standalone.js').expect(200);
    expect(bundle.text).not.toContain('cdn.redoc.ly');
  });
});
