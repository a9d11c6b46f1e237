import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppException } from '../common/errors/app.exception';
import { S3ObjectStore } from './s3-object-store';

const MB = 1024 * 1024;

/** A body of `parts` 5 MiB parts that can fail or stall after `failAfter` bytes. */
function body(bytes: number, options: { failWith?: Error; failAfter?: number } = {}): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (options.failWith && sent >= (options.failAfter ?? 0)) {
        this.destroy(options.failWith);
        return;
      }
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const chunk = Buffer.alloc(Math.min(MB, bytes - sent), 7);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

describe('S3ObjectStore (aws-sdk-client-mock)', () => {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const s3 = mockClient(client);
  const store = new S3ObjectStore(client, {
    bucket: 'bucket',
    prefix: 'uploads/',
    serverSideEncryption: 'aws:kms',
    kmsKeyId: 'key-1',
    partSize: 5 * MB,
    queueSize: 1,
  });

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    s3.reset();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '' });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 12 * MB, ETag: '"etag"', LastModified: new Date() });
  });
  afterAll(() => client.destroy());

  it('streams a large body as a multipart upload with encryption under the prefix', async () => {
    s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
    const stored = await store.put('media/x/original', body(12 * MB), { contentType: 'audio/wav' });
    expect(stored).toMatchObject({ key: 'media/x/original', size: 12 * MB, etag: '"etag"' });
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'bucket',
      Key: 'uploads/media/x/original',
      ContentType: 'audio/wav',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'key-1',
    });
    expect(s3).toHaveReceivedCommandTimes(UploadPartCommand, 3);
    expect(s3).toHaveReceivedCommandTimes(CompleteMultipartUploadCommand, 1);
    expect(s3).not.toHaveReceivedCommand(AbortMultipartUploadCommand);
  });

  it('an S3 failure in the middle of an upload aborts the multipart upload and answers 503', async () => {
    s3.on(UploadPartCommand).resolvesOnce({ ETag: '"part-1"' }).rejects(serviceError('InternalError', 500));
    const error = await store.put('media/x/original', body(12 * MB)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).getStatus()).toBe(503);
    expect((error as AppException).code).toBe('STORAGE_UNAVAILABLE');
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, {
      Bucket: 'bucket',
      Key: 'uploads/media/x/original',
      UploadId: 'upload-1',
    });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
  });

  it('when the store is still down the abort is retried later until it goes through', async () => {
    const retrying = new S3ObjectStore(client, { bucket: 'bucket', prefix: 'uploads/', abortRetryDelaysMs: [20, 20] });
    s3.on(UploadPartCommand).rejects(serviceError('ServiceUnavailable', 503));
    s3.on(AbortMultipartUploadCommand)
      .rejectsOnce(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }))
      .rejectsOnce(serviceError('ServiceUnavailable', 503))
      .resolves({});
    const error = await retrying.put('media/x/original', body(12 * MB)).catch((e: unknown) => e);
    expect((error as AppException).code).toBe('STORAGE_UNAVAILABLE');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(s3).toHaveReceivedCommandTimes(AbortMultipartUploadCommand, 3);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { UploadId: 'upload-1' });
  });

  it('a body that fails (file too large, client gone) aborts the multipart upload with that error', async () => {
    s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
    const tooLarge = new AppException('FILE_TOO_LARGE' as never, 'too large', 413);
    const error = await store
      .put('media/x/original', body(20 * MB, { failWith: tooLarge, failAfter: 11 * MB }))
      .catch((e: unknown) => e);
    expect(error).toBe(tooLarge);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { UploadId: 'upload-1' });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
  });

  it('aborting the signal mid-upload aborts the multipart upload', async () => {
    const controller = new AbortController();
    s3.on(UploadPartCommand).callsFake(async () => {
      controller.abort();
      return { ETag: '"part"' };
    });
    const error = await store
      .put('media/x/original', body(20 * MB), { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { UploadId: 'upload-1' });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
  });

  it('deletes the object when verification of a completed upload fails', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    const refused = new Error('not a real image');
    await expect(
      store.put('media/x/original', body(1000), {
        verify: async () => {
          throw refused;
        },
      }),
    ).rejects.toBe(refused);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'uploads/media/x/original' });
  });

  it('ping maps a missing bucket, refused credentials and network errors to 503 STORAGE_UNAVAILABLE', async () => {
    for (const failure of [
      serviceError('NoSuchBucket', 404),
      serviceError('AccessDenied', 403),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ]) {
      s3.on(HeadBucketCommand).rejects(failure);
      const error = await store.ping().catch((e: unknown) => e);
      expect((error as AppException).code).toBe('STORAGE_UNAVAILABLE');
    }
  });

  it('reads a missing object as null and maps a 5xx on read to 503', async () => {
    s3.on(HeadObjectCommand).rejects(serviceError('NotFound', 404));
    await expect(store.head('media/none/original')).resolves.toBeNull();
    s3.on(HeadObjectCommand).rejects(serviceError('ServiceUnavailable', 503));
    await expect(store.head('media/none/original')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('refuses unsafe keys before any call', async () => {
    await expect(store.head('../etc/passwd')).rejects.toBeInstanceOf(AppException);
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
