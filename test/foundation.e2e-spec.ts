import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, TestApp } from './support/test-app';

class EchoDto {
  @IsString() name!: string;
  @IsInt() @Min(1) @Max(10) count!: number;
}

/** Routes that exist only in this test, to drive the global pipe and filter. */
@Controller('probe')
class ProbeController {
  @Post('echo')
  echo(@Body() body: EchoDto) {
    return { name: body.name, count: body.count, countType: typeof body.count };
  }

  @Get('ping')
  ping() {
    return { pong: true };
  }

  @Get('crash')
  crash(): never {
    throw new Error('database password is hunter2 at /srv/secret/path.ts:42');
  }
}

function expectErrorEnvelope(body: unknown, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
}

describe('foundation (e2e)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp({ env: { MAX_FILE_SIZE: '2KB' }, extra: { controllers: [ProbeController] } });
  });
  afterAll(() => testApp.close());

  it('GET /health answers 200 {"status":"ok"} with a generated request id', async () => {
    const res = await testApp.http.get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', service: 'media-service' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a caller-supplied X-Request-Id and refuses a hostile one', async () => {
    const echoed = await testApp.http.get('/health').set('X-Request-Id', 'orchestrator-42').expect(200);
    expect(echoed.headers['x-request-id']).toBe('orchestrator-42');
    const hostile = await testApp.http.get('/health').set('X-Request-Id', 'a b\tinjected="1"').expect(200);
    expect(hostile.headers['x-request-id']).not.toContain('injected');
  });

  it('the docs are answered inside the same request context: a request id and a metric under their route', async () => {
    // Nest mounts the docs ahead of every module middleware; the request context runs before them all.
    const docs = await testApp.rawHttp.get('/docs-json').set('X-Request-Id', 'docs-reader-1').expect(200);
    expect(docs.headers['x-request-id']).toBe('docs-reader-1');
    const metrics = await testApp.rawHttp.get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/docs-json"[^}]*status="200"[^}]*\} [1-9]/,
    );
  });

  it('GET /health/ready reports storage and heap when ready', async () => {
    const res = await testApp.http.get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.storage).toMatchObject({ status: 'up', driver: 'local' });
    expect(res.body.details.heap).toMatchObject({ status: 'up' });
  });

  it('an unknown route gives 404 NOT_FOUND in the error format with a request id', async () => {
    for (const path of ['/nope', '/api/v1/nope']) {
      const res = await testApp.http.get(path).expect(404);
      expectErrorEnvelope(res.body, 'NOT_FOUND');
      expect(res.headers['x-request-id']).toBeDefined();
    }
  });

  it('a DTO failure gives 400 VALIDATION_FAILED naming the fields', async () => {
    const res = await testApp.http.post('/probe/echo').send({ name: 7, count: 99, extra: true }).expect(400);
    expectErrorEnvelope(res.body, 'VALIDATION_FAILED');
    expect(Object.keys(res.body.error.details.fields).sort()).toEqual(['count', 'extra', 'name']);
  });

  it('a valid DTO passes and is transformed to its types', async () => {
    const res = await testApp.http.post('/probe/echo').send({ name: 'ok', count: 3 }).expect(201);
    expect(res.body).toEqual({ name: 'ok', count: 3, countType: 'number' });
  });

  it('malformed JSON gives 400 in the error format', async () => {
    const res = await testApp.http
      .post('/probe/echo')
      .set('Content-Type', 'application/json')
      .send('{"name": "unterminated')
      .expect(400);
    expectErrorEnvelope(res.body, 'BAD_REQUEST');
  });

  it('a JSON body over the limit gives 413 FILE_TOO_LARGE', async () => {
    const res = await testApp.http
      .post('/probe/echo')
      .send({ name: 'x'.repeat(200_000), count: 1 })
      .expect(413);
    expectErrorEnvelope(res.body, 'FILE_TOO_LARGE');
  });

  it('an unexpected error gives 500 INTERNAL_ERROR without leaking internals', async () => {
    const res = await testApp.http.get('/probe/crash').expect(500);
    expectErrorEnvelope(res.body, 'INTERNAL_ERROR');
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/hunter2|secret|\.ts:|at /);
  });

  it('serves Swagger UI, ReDoc and the OpenAPI document with its own assets', async () => {
    const docs = await testApp.http.get('/docs').expect(200);
    expect(docs.text).toContain('swagger-ui');
    expect(docs.text).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    const redoc = await testApp.http.get('/redoc').expect(200);
    expect(redoc.text).toContain('<redoc spec-url="/docs-json">');
    expect(redoc.text).not.toMatch(/https?:\/\//);
    const bundle = await testApp.http.get('/redoc/redoc.standalone.js').expect(200);
    expect(bundle.headers['content-type']).toContain('javascript');
    expect(Number(bundle.headers['content-length'])).toBeGreaterThan(100_000);
    const json = await testApp.http.get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.paths['/health']).toBeDefined();
  });

  it('readiness turns 503 with details when storage stops being writable', async () => {
    rmSync(join(testApp.dataDir, '.tmp'), { recursive: true, force: true });
    const res = await testApp.http.get('/health/ready').expect(503);
    expectErrorEnvelope(res.body, 'SERVICE_UNAVAILABLE');
    expect(res.body.error.details.error.storage.status).toBe('down');
    // Liveness is unaffected: ECS must not kill a process that only lost its disk.
    await testApp.http.get('/health').expect(200);
  });
});

describe('rate limiting, every documented 429 (e2e)', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1', IMAGE_ANALYSIS_PRELOAD: 'false' } });
  });
  afterAll(() => testApp.close());

  it('answers 429 with Retry-After on the second call of every operation that documents it', async () => {
    const { body: doc } = await testApp.http.get('/docs-json').expect(200);
    const anyId = '00000000-0000-4000-8000-000000000000';
    const throttled = Object.entries(doc.paths as Record<string, Record<string, { responses: object }>>).flatMap(
      ([path, operations]) =>
        Object.entries(operations)
          .filter(([, operation]) => '429' in operation.responses)
          .map(([method]) => ({ method, path: path.replace(/\{model\}/, 'whisper-1').replace(/\{[^}]+\}/g, anyId) })),
    );
    expect(throttled.length).toBeGreaterThanOrEqual(25);
    // A well-formed client: tus routes get the version header their document requires.
    const send = (method: string, path: string) => {
      const request = (testApp.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method](
        path,
      );
      return path.startsWith('/api/v1/uploads') ? request.set('Tus-Resumable', '1.0.0') : request;
    };
    for (const { method, path } of throttled) {
      // The limit counts per operation: the first call spends it, whatever it answers.
      await send(method, path);
      const res = await send(method, path);
      expect({ op: `${method} ${path}`, status: res.status }).toEqual({ op: `${method} ${path}`, status: 429 });
      expect(res.headers['retry-after']).toBeDefined();
      if (method !== 'head') expect(String(res.body.error.code).toUpperCase()).toBe('RATE_LIMITED');
    }
  });
});

describe('rate limiting (e2e)', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' }, extra: { controllers: [ProbeController] } });
  });
  afterAll(() => testApp.close());

  it('answers 429 RATE_LIMITED past the limit', async () => {
    for (let i = 0; i < 3; i += 1) await testApp.http.get('/probe/ping').expect(200);
    const res = await testApp.http.get('/probe/ping').expect(429);
    expectErrorEnvelope(res.body, 'RATE_LIMITED');
    expect(res.headers['retry-after']).toBeDefined();
    // Probes are never throttled: ECS would otherwise mark a busy task unhealthy.
    for (let i = 0; i < 5; i += 1) await testApp.http.get('/health').expect(200);
  });
});
