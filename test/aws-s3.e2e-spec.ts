import { Logger } from '@nestjs/common';
import { createS3Client } from '../src/aws/aws.module';
import { S3ObjectStore } from '../src/storage/s3-object-store';
import { FakeAws, s3Error } from './support/fake-aws';

describe('S3 answers as S3 really sends them (fake endpoint on loopback)', () => {
  let fake: FakeAws;
  let client: ReturnType<typeof createS3Client>;
  let store: S3ObjectStore;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await FakeAws.start();
    client = createS3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' },
      requestTimeoutMs: 2_000,
      s3Endpoint: fake.url,
      s3ForcePathStyle: true,
    });
    store = new S3ObjectStore(client, { bucket: 'bucket', prefix: 'p/' });
  });
  afterAll(async () => {
    client.destroy();
    await fake.close();
  });

  it.each([
    [403, 'AccessDenied'],
    [400, 'AuthorizationHeaderMalformed'],
    [301, 'PermanentRedirect'],
  ])(
    'a HEAD answered %d without a body (wrong permissions or region) is 503 STORAGE_UNAVAILABLE',
    async (status, code) => {
      fake.handler = (request) => s3Error(code, 'refused', status, request.method);
      const error = await store.head('media/x/original').catch((e: unknown) => e);
      expect(fake.requests.at(-1)?.method).toBe('HEAD');
      expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    },
  );

  it('a HEAD answered 404 without a body is "no such object"', async () => {
    fake.handler = (request) => s3Error('NoSuchKey', 'gone', 404, request.method);
    await expect(store.head('media/x/original')).resolves.toBeNull();
  });

  it('a presigned URL carries X-Amz-Content-Sha256 once (no lowercase duplicate from the upload middleware)', async () => {
    const put = await store.presignPut('media/x/original', {
      contentType: 'audio/wav',
      contentLength: 10,
      expiresInSeconds: 60,
    });
    const names = [...new URL(put.url).searchParams.keys()].map((name) => name.toLowerCase());
    expect(names.filter((name) => name === 'x-amz-content-sha256')).toHaveLength(1);
    expect(new URL(put.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    // Plain calls still send UNSIGNED-PAYLOAD for media bodies.
    fake.handler = () => ({ status: 200, headers: { etag: '"e"', 'content-length': '0' } });
    await store.put('media/y/original', Buffer.from('abc'), {}).catch(() => undefined);
    const sent = fake.requests.find((request) => request.method === 'PUT');
    expect(sent?.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  });
});
