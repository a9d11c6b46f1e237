import { S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppException } from '../src/common/errors/app.exception';
import { OBJECT_STORE, ObjectStore } from '../src/storage/object-store';
import { createTestApp, TestApp } from './support/test-app';
import { openMultipartUploads } from './support/media-env';

// Plain CommonJS helpers shared with Jest's globalSetup.
const { startS3Server, prepareBucket } = require('./support/s3-server') as {
  startS3Server(options?: { memBytes?: number }): Promise<{
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    region: string;
    dir: string;
    stop(): Promise<unknown>;
  }>;
  prepareBucket(server: unknown, bucket: string): Promise<void>;
};

const TIMEOUT_MS = 1_500;
const BUCKET = 'hung-test';
const PREFIX = 'hung/';
// A WAV: probed from its header, no spool file in the shared /tmp (other suites check it is empty).
const tone = readFileSync(join(__dirname, 'fixtures', 'media', 'tone.wav'));

/**
 * The real S3 server (radosgw) stopped with SIGSTOP: it still accepts connections (the kernel
 * does) but never answers. Its own server, so stopping it never stalls the other suites.
 */
describe('a hung S3 (radosgw under SIGSTOP)', () => {
  let server: Awaited<ReturnType<typeof startS3Server>>;
  let t: TestApp;
  let rgwPid: number;
  let stopped = false;
  const pause = () => {
    process.kill(rgwPid, 'SIGSTOP');
    stopped = true;
  };
  const resume = () => {
    if (stopped) process.kill(rgwPid, 'SIGCONT');
    stopped = false;
  };

  beforeAll(async () => {
    server = await startS3Server({ memBytes: 512 * 1024 ** 2 });
    await prepareBucket(server, BUCKET);
    rgwPid = Number(readFileSync(join(server.dir, 'pids', 'rgw.pid'), 'utf8').trim());
    t = await createTestApp({
      env: {
        STORAGE_DRIVER: 's3',
        S3_ENDPOINT: server.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        S3_BUCKET_NAME: BUCKET,
        S3_PREFIX: PREFIX,
        // Every read must reach the store: the record cache would answer metadata from memory.
        METADATA_CACHE_TTL_MS: '0',
        AWS_REGION: server.region,
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        AWS_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
  }, 150_000);

  afterAll(async () => {
    resume();
    await t?.close();
    await server?.stop();
  }, 60_000);
  afterEach(resume);

  it('reads and uploads answer 503 STORAGE_UNAVAILABLE within the limit, and work again once it is back', async () => {
    const stored = await t.http.post('/api/v1/upload').attach('file', tone, 'p.wav').expect(201);
    const id = stored.body.media_id as string;

    pause();
    let started = Date.now();
    const read = await t.http.get(`/api/v1/media/${id}`);
    expect(read.status).toBe(503);
    expect(read.body.error.code).toBe('STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);

    started = Date.now();
    const upload = await t.http.post('/api/v1/upload').attach('file', tone, 'q.wav');
    expect(upload.status).toBe(503);
    expect(upload.body.error.code).toBe('STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2 + 2_000);

    resume();
    await t.http.get(`/api/v1/media/${id}`).expect(200);
  }, 60_000);

  it('a multipart upload cut by the hung store answers 503 and is aborted once the store is back', async () => {
    const store = t.app.get<ObjectStore>(OBJECT_STORE);
    const MB = 1024 * 1024;
    // 12 MB: three parts; the store stops after the first part went up.
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 12; i += 1) {
          if (i === 7) {
            // The multipart upload is open by now (radosgw answers in milliseconds).
            await new Promise((resolve) => setTimeout(resolve, 300));
            pause();
          }
          yield Buffer.alloc(MB, i);
        }
      })(),
    );
    const started = Date.now();
    const error = await store.put('media/hung/original', body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).code).toBe('STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3 + 3_000);

    // Still down when the first AbortMultipartUpload gives up; the retry runs once it is back.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 500));
    resume();
    const client = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    try {
      // The first retry of AbortMultipartUpload runs 5 s after the failure.
      const deadline = Date.now() + 15_000;
      let open = await openMultipartUploads(client, PREFIX, BUCKET);
      while (open.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        open = await openMultipartUploads(client, PREFIX, BUCKET);
      }
      expect(open).toEqual([]);
    } finally {
      client.destroy();
    }
  }, 60_000);
});
