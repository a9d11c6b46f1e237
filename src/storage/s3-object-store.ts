import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
  ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { isAwsCallTimeout } from '../aws/call-deadline';
import { isNetworkFailure } from '../aws/network-failure';
import { readAhead } from './read-ahead';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { ByteRange, ObjectStore, PresignedRequest, PutOptions, StoredObject } from './object-store';
import { assertSafeKey, assertSafePrefix } from './object-key';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix, "" or ending with "/". */
  prefix: string;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Multipart part size and parallel parts: memory per upload is about their product. */
  partSize?: number;
  queueSize?: number;
  /**
   * After a multipart upload failed because the store was down, AbortMultipartUpload is tried
   * again after each of these delays (the bucket's AbortIncompleteMultipartUpload lifecycle rule
   * is the backstop when every try fails or the process stops).
   */
  abortRetryDelaysMs?: number[];
  /** Signs presigned URLs for the endpoint clients reach (S3_PUBLIC_ENDPOINT); default the client. */
  presignClient?: S3Client;
}

const ABORT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000];

const WRONG_SETUP_STATUSES = new Set([301, 307, 400, 403]);

const UNSIGNED_PAYLOAD_MIDDLEWARE = 'mediaUnsignedPayload';
const UNSIGNED_COMMANDS = new Set(['UploadPartCommand', 'PutObjectCommand']);

// What stores answer (400) to an x-amz-server-side-encryption they do not support (radosgw:
// InvalidRequest; others InvalidArgument). A store answering 501 is a backend fault (503) anyway.
const SSE_REFUSALS = new Set(['InvalidRequest', 'InvalidArgument', 'InvalidEncryptionAlgorithmError']);

const BACKEND_FAULTS = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'KMS.DisabledException',
  'KMS.NotFoundException',
]);

/**
 * ObjectStore on S3 or an S3-compatible store (S3_ENDPOINT, path style). Large bodies go up as
 * multipart uploads with bounded memory (partSize x queueSize); a failed or aborted body aborts
 * its multipart upload, so nothing partial is ever visible. Backend faults become 503
 * STORAGE_UNAVAILABLE.
 */
export class S3ObjectStore implements ObjectStore {
  readonly driver = 's3' as const;
  private readonly logger = new Logger(S3ObjectStore.name);
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3ObjectStoreOptions,
  ) {
    this.partSize = options.partSize ?? 5 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    // Media bytes are already hashed once on the way in (the record's SHA-256): do not hash every
    // part a second time for the SigV4 signature. UNSIGNED-PAYLOAD is what AWS recommends for
    // large bodies over TLS; headers and the request itself stay signed.
    const unsignedPayload = ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const request = (args as { request?: { headers?: Record<string, string> } }).request;
        if (request?.headers && UNSIGNED_COMMANDS.has(context.commandName ?? '')) {
          request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        }
        return next(args);
      }) as unknown as Parameters<S3Client['middlewareStack']['addRelativeTo']>[0];
    client.middlewareStack.addRelativeTo(unsignedPayload, {
      relation: 'before',
      toMiddleware: 'awsAuthMiddleware',
      name: UNSIGNED_PAYLOAD_MIDDLEWARE,
      override: true,
    });
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<StoredObject> {
    const params: PutObjectCommandInput = {
      Bucket: this.options.bucket,
      Key: this.fullKey(key),
      ContentType: options.contentType,
      ...this.encryption(),
    };
    try {
      if (Buffer.isBuffer(body)) {
        await this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }), {
          abortSignal: options.signal,
        });
      } else {
        // Aborting destroys the body: lib-storage then fails its part readers and sends
        // AbortMultipartUpload before done() rejects.
        const ahead = readAhead(body, this.partSize);
        const onAbort = () => ahead.destroy(abortError());
        options.signal?.addEventListener('abort', onAbort, { once: true });
        try {
          options.signal?.throwIfAborted();
          // leavePartsOnError: the abort is ours (abandonUpload), so a dead store answers 503
          // after the failed part instead of after an abort that waits for the same dead store.
          const upload = new Upload({
            client: this.client,
            params: { ...params, Body: ahead },
            partSize: this.partSize,
            queueSize: this.queueSize,
            leavePartsOnError: true,
          });
          try {
            await upload.done();
          } catch (error) {
            const translated = this.translate(error);
            if (upload.uploadId) {
              const aborted = this.abandonUpload(params.Key as string, upload.uploadId);
              // A healthy store: the parts are gone before we answer. A dead one: retried later.
              if (!isStorageUnavailable(translated)) await aborted;
            }
            throw translated;
          }
        } finally {
          options.signal?.removeEventListener('abort', onAbort);
        }
      }
    } catch (error) {
      throw this.translate(error);
    }
    if (options.verify) {
      try {
        await options.verify({});
      } catch (error) {
        await this.delete(key).catch(() => undefined);
        throw error;
      }
    }
    // CompleteMultipartUpload may answer an empty ETag (Ceph RGW): HeadObject has it.
    const stored = await this.head(key);
    if (!stored) throw this.unavailable(new Error(`object ${key} missing right after upload`));
    return stored;
  }

  /** AbortMultipartUpload now, and again later while the store does not answer; never rejects. */
  private async abandonUpload(fullKey: string, uploadId: string): Promise<void> {
    const delays = this.options.abortRetryDelaysMs ?? ABORT_RETRY_DELAYS_MS;
    const attempt = async (): Promise<boolean> => {
      try {
        await this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: fullKey, UploadId: uploadId }),
        );
        return true;
      } catch (error) {
        // Already aborted or completed: nothing is left to clean.
        return isNotFound(error) || (error as Error)?.name === 'NoSuchUpload';
      }
    };
    if (await attempt()) return;
    const retry = (index: number) => {
      if (index >= delays.length) {
        this.logger.warn(
          { key: fullKey, uploadId },
          'could not abort a failed multipart upload: the bucket lifecycle rule AbortIncompleteMultipartUpload removes it',
        );
        return;
      }
      setTimeout(() => {
        void attempt().then((done) => {
          if (!done) retry(index + 1);
        });
      }, delays[index]).unref();
    };
    retry(0);
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }),
      );
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '""',
        lastModified: out.LastModified ?? new Date(0),
        contentType: out.ContentType,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.translate(error);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.fullKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.translate(error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.translate(error);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let batch: string[] = [];
    let count = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const keys = batch;
      batch = [];
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.options.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key: this.fullKey(Key) })), Quiet: true },
          }),
        );
        if (out.Errors?.length) throw this.unavailable(new Error(`DeleteObjects: ${out.Errors[0].Code}`));
      } catch (error) {
        throw this.translate(error);
      }
      count += keys.length;
    };
    for await (const object of this.list(prefix)) {
      batch.push(object.key);
      if (batch.length === 1000) await flush();
    }
    await flush();
    return count;
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    assertSafePrefix(prefix);
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.options.prefix + prefix,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw this.translate(error);
      }
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        yield {
          key: item.Key.slice(this.options.prefix.length),
          size: item.Size ?? 0,
          etag: item.ETag ?? '""',
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async readJson<T>(key: string): Promise<T | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }));
      const text = await out.Body?.transformToString('utf8');
      return text === undefined ? null : (JSON.parse(text) as T);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.translate(error);
    }
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    const body = Buffer.from(JSON.stringify(value));
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/json',
          ...this.encryption(),
        }),
      );
    } catch (error) {
      throw this.translate(error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (error) {
      throw this.translate(error, true);
    }
  }

  async presignPut(
    key: string,
    options: { contentType: string; contentLength: number; expiresInSeconds: number },
  ): Promise<PresignedRequest> {
    const encryption = this.encryption();
    const command = new PutObjectCommand({
      Bucket: this.options.bucket,
      Key: this.fullKey(key),
      ContentType: options.contentType,
      ContentLength: options.contentLength,
      ...encryption,
    });
    // Signs the size (and the SSE headers, which the presigner hoists into the query). It cannot
    // sign Content-Type: the client may send any, and the complete step decides the type from
    // the bytes.
    const url = await getSignedUrl(this.presigner(), command, {
      expiresIn: options.expiresInSeconds,
      signableHeaders: new Set(['content-length']),
    });
    const headers: Record<string, string> = {
      'Content-Type': options.contentType,
      'Content-Length': String(options.contentLength),
    };
    if (encryption.ServerSideEncryption) headers['x-amz-server-side-encryption'] = encryption.ServerSideEncryption;
    if (encryption.SSEKMSKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = encryption.SSEKMSKeyId;
    return { url, method: 'PUT', headers, expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000) };
  }

  async presignGet(
    key: string,
    options: { expiresInSeconds: number; contentType?: string; contentDisposition?: string },
  ): Promise<PresignedRequest> {
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: this.fullKey(key),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    const url = await getSignedUrl(this.presigner(), command, { expiresIn: options.expiresInSeconds });
    return { url, method: 'GET', headers: {}, expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000) };
  }

  /**
   * The client as the presigner sees it, without the UNSIGNED-PAYLOAD middleware: presigning
   * adds X-Amz-Content-Sha256 itself, and the middleware's header would become a second,
   * lowercase query parameter.
   */
  private presigner(): S3Client {
    // The public endpoint's client (S3_PUBLIC_ENDPOINT) when there is one: links go to that host.
    const client = this.options.presignClient ?? this.client;
    const stack = client.middlewareStack.clone();
    stack.remove(UNSIGNED_PAYLOAD_MIDDLEWARE);
    return Object.assign(Object.create(client) as S3Client, { middlewareStack: stack });
  }

  private fullKey(key: string): string {
    return this.options.prefix + assertSafeKey(key);
  }

  private encryption(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    if (!this.options.serverSideEncryption) return {};
    return {
      ServerSideEncryption: this.options.serverSideEncryption,
      SSEKMSKeyId: this.options.serverSideEncryption === 'aws:kms' ? this.options.kmsKeyId : undefined,
    };
  }

  /** Caller mistakes (our own AppExceptions, aborts) pass through; backend faults become 503. */
  private translate(error: unknown, always = false): unknown {
    if (error instanceof AppException) return error;
    const name = (error as Error | undefined)?.name ?? '';
    // The call's deadline (AWS_REQUEST_TIMEOUT_MS) passed: the store did not answer.
    if (isAwsCallTimeout(error)) return this.unavailable(error);
    if (name === 'AbortError') return error;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (this.options.serverSideEncryption && status === 400 && SSE_REFUSALS.has(name)) {
      // The store refuses the encryption every write asks for: a deployment fault, not the caller's.
      this.logger.error({ err: error }, 's3 store refuses the configured server-side encryption');
      return AppException.unavailable(
        ErrorCode.STORAGE_UNAVAILABLE,
        `Media storage refuses writes with S3_SSE=${this.options.serverSideEncryption}: the store does not support ` +
          'that server-side encryption (unset S3_SSE or pick one it supports)',
        { driver: this.driver, setting: 'S3_SSE' },
        error,
      );
    }
    const fault =
      always ||
      // Permissions, a wrong region or endpoint: HEAD answers carry no body, so the SDK only
      // has the status (name "Unknown"). None of these is the caller's mistake.
      (status !== undefined && WRONG_SETUP_STATUSES.has(status)) ||
      (name === 'Unknown' && status !== 404) ||
      (status !== undefined && status >= 500) ||
      BACKEND_FAULTS.has(name) ||
      isNetworkFailure(error) ||
      (status === undefined && (error as { $metadata?: unknown }).$metadata !== undefined);
    return fault ? this.unavailable(error) : error;
  }

  private unavailable(error: unknown): AppException {
    this.logger.error({ err: error }, 's3 storage failure');
    return AppException.unavailable(
      ErrorCode.STORAGE_UNAVAILABLE,
      'Media storage is unavailable',
      { driver: this.driver },
      error,
    );
  }
}

function isStorageUnavailable(error: unknown): boolean {
  return error instanceof AppException && error.code === ErrorCode.STORAGE_UNAVAILABLE;
}

function isNotFound(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}

function abortError(): Error {
  return Object.assign(new Error('The upload was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}
