import { createServer, Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverEnv } from '../support/media-env';
import { createTestApp, TestApp } from '../support/test-app';
import { expectAlive, expectErrorBody, leftovers } from './support';
import { settle } from '../support/settle';

/*
 * Hostile cases on the request intake (nested and oversized JSON, multipart /transcribe/batch with
 * a refused file, exactly MAX_FILE_SIZE, batch item messages, presigned PUT bodies vs the body
 * parsers) and on a hung S3 endpoint bounded by AWS_REQUEST_TIMEOUT_MS.
 */

const TONE = readFileSync(join(__dirname, '..', 'fixtures', 'media', 'tone.wav'));
const MAX_FILE_SIZE = 256 * 1024;

const nested = (depth: number, leaf: unknown = 1): string =>
  '{"a":'.repeat(depth) + JSON.stringify(leaf) + '}'.repeat(depth);

describe('request intake', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { IMAGE_ANALYSIS_PRELOAD: 'false', MAX_FILE_SIZE: String(MAX_FILE_SIZE) } });
  });
  afterAll(() => t?.close());

  it.each([
    ['/api/v1/transcribe', (d: number) => nested(d)],
    ['/api/v1/transcribe', (d: number) => `{"media_id":${nested(d)}}`],
    ['/api/v1/analyze-image', (d: number) => `{"analysis_types":${'['.repeat(d)}${']'.repeat(d)}}`],
    ['/api/v1/transcribe/batch', (d: number) => `{"items":[${nested(d)}]}`],
    ['/api/v1/upload/presign', (d: number) => nested(d)],
  ])('JSON nested 10,000 levels deep on %s → 400, never a 500', async (url, body) => {
    const res = await t.http.post(url).set('Content-Type', 'application/json').send(body(10_000));
    expect(res.status).toBe(400);
    expect(['VALIDATION_FAILED', 'BAD_REQUEST']).toContain(res.body.error.code);
    await expectAlive(t.http);
  });

  it('100,000 unknown keys answer fast with a bounded error body, and /health never waits', async () => {
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])));
    const started = Date.now();
    const [res] = await Promise.all([
      t.http.post('/api/v1/transcribe').set('Content-Type', 'application/json').send(body),
      expectAlive(t.http),
    ]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body).length).toBeLessThan(64 * 1024);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('100,000 batch items are refused at once', async () => {
    const items = Array.from({ length: 100_000 }, () => ({ media_id: '00000000-0000-4000-8000-000000000000' }));
    const started = Date.now();
    const res = await t.http.post('/api/v1/transcribe/batch').send({ items });
    // Too many items (400) or, past the JSON body limit, too large (413): refused before any work.
    expect([400, 413]).toContain(res.status);
    expect(res.body.error.code).toMatch(/^(VALIDATION_FAILED|PAYLOAD_TOO_LARGE|FILE_TOO_LARGE|REQUEST_TOO_LARGE)$/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.each([
    ['1 MB of random bytes', () => Buffer.alloc(1024 * 1024, 7)],
    ['a 100 KB executable', () => Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100 * 1024)])],
    ['a file over MAX_FILE_SIZE', () => Buffer.concat([TONE, Buffer.alloc(MAX_FILE_SIZE)])],
  ])(
    'multipart /transcribe/batch with %s next to a good file answers 202, the bad one rejected with its reason',
    async (_what, bad) => {
      const res = await t.http
        .post('/api/v1/transcribe/batch')
        .timeout(20_000)
        .attach('files', TONE, 'good.wav')
        .attach('files', bad(), 'bad.wav');
      expect(res.status).toBe(202);
      const rejected = res.body.jobs.find((job: { status: string }) => job.status === 'rejected');
      expect(rejected.error.message).not.toBe('App Exception');
      expect(rejected.error.code).toMatch(/^[A-Z_]+$/);
    },
  );

  it('a file of exactly MAX_FILE_SIZE is accepted on multipart as it is as base64', async () => {
    const exact = Buffer.concat([TONE, Buffer.alloc(MAX_FILE_SIZE - TONE.length)]);
    exact.writeUInt32LE(exact.length - 8, 4);
    exact.writeUInt32LE(exact.length - 44, 40);
    const multipart = await t.http.post('/api/v1/upload').attach('file', exact, 'exact.wav');
    expect(multipart.status).toBe(201);
    await t.http.delete(`/api/v1/media/${multipart.body.media_id}`).expect(204);
  });

  it.each(['application/x-www-form-urlencoded', 'application/json', 'text/plain'])(
    'a presigned PUT sent as %s stores the raw bytes',
    async (contentType) => {
      // The batch cases above leave the jobs they accepted (still running meanwhile): only this
      // upload must leave nothing, so jobs are left out of the comparison.
      const stored = () => leftovers(t.dataDir).filter((key) => !key.startsWith('transcriptions/'));
      const before = stored();
      const presign = await t.http
        .post('/api/v1/upload/presign')
        .send({ filename: 'tone.wav', content_type: 'audio/wav', size: TONE.length })
        .expect(201);
      const url = new URL(presign.body.upload_url);
      // serialize: superagent would otherwise encode the Buffer for these types itself.
      const put = await t.http
        .put(`${url.pathname}${url.search}`)
        .set('Content-Type', contentType)
        .serialize((bytes: Buffer) => bytes as unknown as string) // superagent passes it through as is
        .send(TONE);
      expect(put.status).toBe(200);
      expect(put.body.size).toBe(TONE.length);
      await t.http.post(`/api/v1/media/${presign.body.media_id}/complete`).expect(201);
      await t.http.delete(`/api/v1/media/${presign.body.media_id}`).expect(204);
      // A running job's record write is staged in .tmp for a moment: compare once that has passed.
      expect(await settle(stored, (now) => JSON.stringify(now) === JSON.stringify(before))).toEqual(before);
    },
  );
});

describe('a hung S3 endpoint', () => {
  let t: TestApp;
  let hung: Server;
  beforeAll(async () => {
    hung = createServer(() => undefined); // accepts connections, never answers
    await new Promise<void>((done) => hung.listen(0, '127.0.0.1', done));
    const port = (hung.address() as { port: number }).port;
    t = await createTestApp({
      env: driverEnv('s3', {
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        AWS_REQUEST_TIMEOUT_MS: '1000',
        IMAGE_ANALYSIS_PRELOAD: 'false',
      }),
    });
  });
  afterAll(async () => {
    await t?.close();
    hung?.close();
  });

  it.each([
    ['a read', () => t.http.get('/api/v1/media/00000000-0000-4000-8000-000000000000')],
    ['an upload', () => t.http.post('/api/v1/upload').attach('file', TONE, 'tone.wav')],
  ])('%s answers 503 STORAGE_UNAVAILABLE within AWS_REQUEST_TIMEOUT_MS (x attempts)', async (_what, send) => {
    const started = Date.now();
    const res = await send();
    expect(res.status).toBe(503);
    expectErrorBody(res, 'STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3 * 1000 + 2000);
  });
});
