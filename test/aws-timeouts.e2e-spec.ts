import { DetectLabelsCommand } from '@aws-sdk/client-rekognition';
import { GetTranscriptionJobCommand } from '@aws-sdk/client-transcribe';
import { Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { createRekognitionClient, createS3Client, createTranscribeClient } from '../src/aws/aws.module';
import { AppException } from '../src/common/errors/app.exception';
import { S3ObjectStore } from '../src/storage/s3-object-store';
import { FakeAws, s3Error } from './support/fake-aws';

const TIMEOUT_MS = 800;
const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' };
const base = { region: 'us-east-1', credentials, requestTimeoutMs: TIMEOUT_MS };

/** How long a promise took to settle, and how (never longer than `capMs`: then it hung). */
async function timed<T>(promise: Promise<T>, capMs = 6_000): Promise<{ ms: number; error?: unknown; hung: boolean }> {
  const started = Date.now();
  let cap: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    cap = setTimeout(() => resolve('hung'), capMs);
  });
  try {
    const outcome = await Promise.race([promise.then(() => 'ok' as const), hung]);
    return { ms: Date.now() - started, hung: outcome === 'hung' };
  } catch (error) {
    return { ms: Date.now() - started, error, hung: false };
  } finally {
    clearTimeout(cap);
  }
}

describe('AWS_REQUEST_TIMEOUT_MS bounds every AWS call (fake endpoint on loopback)', () => {
  let fake: FakeAws;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await FakeAws.start();
  });
  afterAll(() => fake.close());

  function store() {
    const client = createS3Client({ ...base, s3Endpoint: fake.url, s3ForcePathStyle: true });
    return {
      client,
      store: new S3ObjectStore(client, { bucket: 'bucket', prefix: 'p/', abortRetryDelaysMs: [] }),
    };
  }

  it('a HEAD to an S3 that never answers is a 503 STORAGE_UNAVAILABLE within the limit', async () => {
    fake.handler = () => ({ hang: true });
    const { client, store: s3 } = store();
    const outcome = await timed(s3.head('media/x/original'));
    client.destroy();
    expect(outcome.hung).toBe(false);
    expect(outcome.ms).toBeLessThan(TIMEOUT_MS + 1_000);
    expect(outcome.error).toBeInstanceOf(AppException);
    expect(outcome.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('a GetObject whose body stalls after the headers fails as 503 instead of hanging', async () => {
    fake.handler = () => ({
      stallBody: {
        status: 200,
        headers: { 'content-type': 'application/json', etag: '"e"' },
        firstBytes: Buffer.from('{"a":'),
        contentLength: 1000,
      },
    });
    const { client, store: s3 } = store();
    const outcome = await timed(s3.readJson('jobs/x.json'));
    client.destroy();
    expect(outcome.hung).toBe(false);
    expect(outcome.ms).toBeLessThan(TIMEOUT_MS * 2 + 1_000);
    expect(outcome.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('a streamed multipart upload to a store that stops answering is a 503 within the limit, and is aborted', async () => {
    let hang = false;
    fake.handler = (request) => {
      if (hang && request.method !== 'DELETE') return { hang: true };
      if (request.method === 'POST' && request.query.has('uploads')) {
        return {
          status: 200,
          headers: { 'content-type': 'application/xml' },
          body: '<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>',
        };
      }
      if (request.method === 'PUT' && request.query.has('partNumber')) {
        hang = true; // the store dies after the first part
        return { status: 200, headers: { etag: '"part-1"' } };
      }
      if (request.method === 'DELETE' && request.query.get('uploadId') === 'up-1') return { status: 204 };
      return s3Error('InternalError', 'unexpected', 500, request.method);
    };
    const { client, store: s3 } = store();
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 12; i += 1) yield Buffer.alloc(1024 * 1024, i);
      })(),
    );
    const outcome = await timed(s3.put('media/x/original', body));
    expect(outcome.hung).toBe(false);
    expect(outcome.ms).toBeLessThan(TIMEOUT_MS + 1_500);
    expect(outcome.error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    // The abort is sent at once (and retried later while the store is down).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.query.get('uploadId') === 'up-1')).toBe(true);
    client.destroy();
  });

  it('Transcribe and Rekognition calls to an endpoint that never answers reject within the limit', async () => {
    fake.handler = () => ({ hang: true });
    const transcribe = createTranscribeClient({ ...base, transcribeEndpoint: fake.url });
    const rekognition = createRekognitionClient({ ...base, rekognitionEndpoint: fake.url });
    const [getJob, labels] = await Promise.all([
      timed(transcribe.send(new GetTranscriptionJobCommand({ TranscriptionJobName: 'j' }))),
      timed(rekognition.send(new DetectLabelsCommand({ Image: { Bytes: new Uint8Array([1, 2, 3]) } }))),
    ]);
    transcribe.destroy();
    rekognition.destroy();
    for (const outcome of [getJob, labels]) {
      expect(outcome.hung).toBe(false);
      expect(outcome.ms).toBeLessThan(TIMEOUT_MS + 1_000);
      expect(outcome.error).toBeDefined();
    }
  });

  it("the caller's own abort signal still ends a call at once", async () => {
    fake.handler = () => ({ hang: true });
    const transcribe = createTranscribeClient({ ...base, requestTimeoutMs: 30_000, transcribeEndpoint: fake.url });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = await timed(
      transcribe.send(new GetTranscriptionJobCommand({ TranscriptionJobName: 'j' }), {
        abortSignal: controller.signal,
      }),
    );
    transcribe.destroy();
    expect(outcome.hung).toBe(false);
    expect(outcome.ms).toBeLessThan(1_000);
    expect((outcome.error as Error).name).toBe('AbortError');
  });
});
