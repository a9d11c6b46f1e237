import { HttpStatus, Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { CallerContext } from '../auth/caller-context';
import { PeriodicTask } from '../common/async/periodic-task';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { storageConfig, StorageConfig } from '../config/configuration';
import { fileTooLarge } from './inspection/intake-stream';
import { CONTENT_TYPE_BY_FORMAT, MediaFormat, MediaRecord, MediaType, mediaTypeOf } from './media-record';
import { MediaService } from './media.service';
import { mediaKeys, MediaRecordRepository } from './media-record.repository';
import { OBJECT_STORE, ObjectStore } from '../storage/object-store';
import { UploadTokenSigner } from './upload-token';

/** What POST /upload/presign remembers until the upload completes (pending/<id>.json). */
export interface PendingUpload {
  media_id: string;
  owner: string;
  filename: string;
  content_type: string;
  size: number;
  created_at: string;
  expires_at: string;
}

export interface PresignedUpload {
  media_id: string;
  upload_url: string;
  method: 'PUT';
  /** Headers the client must send with the PUT. */
  headers: Record<string, string>;
  expires_at: string;
  /** Where to POST once the bytes are up. */
  complete_url: string;
}

/** Declared Content-Types a client may announce, mapped to the format we then expect. */
const DECLARED_TYPES: Record<string, MediaFormat> = {
  ...Object.fromEntries(Object.entries(CONTENT_TYPE_BY_FORMAT).map(([format, type]) => [type, format])),
  'audio/mp3': 'mp3',
  'audio/x-mp3': 'mp3',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/x-m4a': 'm4a',
  'audio/m4a': 'm4a',
  'audio/aac': 'm4a',
  'audio/x-flac': 'flac',
  'audio/opus': 'ogg',
  'image/jpg': 'jpeg',
  'image/pjpeg': 'jpeg',
} as Record<string, MediaFormat>;

// Pending uploads are kept this long past their URL's expiry, then swept with their bytes.
const SWEEP_GRACE_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/**
 * Presigned uploads: the client PUTs the bytes straight to S3 (S3 presigned PUT) or to the
 * service's own PUT endpoint (local driver, HMAC token), then POSTs /complete and the bytes are
 * validated exactly as /upload validates them.
 */
@Injectable()
export class PresignedUploadService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PresignedUploadService.name);
  private readonly signer: UploadTokenSigner;
  private readonly sweeper = new PeriodicTask(() => this.sweep(), SWEEP_EVERY_MS);

  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly records: MediaRecordRepository,
    @Inject(storageConfig.KEY) private readonly config: StorageConfig,
    private readonly media: MediaService,
    private readonly callers: CallerContext,
  ) {
    this.signer = new UploadTokenSigner(config.uploadSigningSecret ?? randomBytes(32));
  }

  onModuleInit(): void {
    this.sweeper.start();
  }

  onApplicationShutdown(): void {
    this.sweeper.stop();
  }

  async presign(
    input: { filename: string; content_type: string; size: number; owner?: string },
    baseUrl: string,
  ): Promise<PresignedUpload> {
    const declared = input.content_type.split(';')[0].trim().toLowerCase();
    const format = DECLARED_TYPES[declared];
    const supported = this.media.supportedFormats();
    if (!format || !supported.includes(format === 'jpeg' ? 'jpeg' : format)) {
      throw new AppException(
        ErrorCode.INVALID_FILE_FORMAT,
        `Unsupported content type '${declared}'. Supported formats: ${supported.join(', ')}`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { received_format: declared, supported_formats: supported },
      );
    }
    if (input.size > this.config.maxFileSize) throw fileTooLarge(this.config.maxFileSize);

    const mediaId = randomUUID();
    const now = Date.now();
    const ttl = this.config.uploadUrlTtlSeconds;
    const expiresAt = new Date(now + ttl * 1000);
    const pending: PendingUpload = {
      media_id: mediaId,
      owner: input.owner ?? this.callers.owner(),
      filename: input.filename,
      content_type: declared,
      size: input.size,
      created_at: new Date(now).toISOString(),
      expires_at: expiresAt.toISOString(),
    };
    await this.records.savePending(pending);

    const completeUrl = `${baseUrl}/api/v1/media/${mediaId}/complete`;
    if (this.store.presignPut) {
      const signed = await this.store.presignPut(mediaKeys.original(mediaId), {
        contentType: declared,
        contentLength: input.size,
        expiresInSeconds: ttl,
      });
      return {
        media_id: mediaId,
        upload_url: signed.url,
        method: 'PUT',
        headers: signed.headers,
        expires_at: signed.expiresAt.toISOString(),
        complete_url: completeUrl,
      };
    }
    const token = this.signer.sign({
      mid: mediaId,
      len: input.size,
      exp: Math.floor(expiresAt.getTime() / 1000),
      own: ownerTag(pending.owner),
    });
    return {
      media_id: mediaId,
      upload_url: `${baseUrl}/api/v1/upload/${mediaId}?token=${token}`,
      method: 'PUT',
      headers: { 'Content-Type': declared },
      expires_at: expiresAt.toISOString(),
      complete_url: completeUrl,
    };
  }

  /** Local driver: the PUT behind the token. Stores the raw bytes (at most the announced size). */
  async receive(
    mediaId: string,
    token: string | undefined,
    body: Readable,
    signal?: AbortSignal,
  ): Promise<{ size: number }> {
    if (this.config.driver !== 'local') {
      throw AppException.notFound(ErrorCode.NOT_FOUND, 'Uploads go straight to S3 with STORAGE_DRIVER=s3');
    }
    const id = this.media.parseId(mediaId);
    const claims = this.signer.verify(token, id);
    const pending = await this.records.getPending<PendingUpload>(id);
    // The token names its owner: a token can only fill an upload its own owner started.
    if (!pending || claims.own !== ownerTag(pending.owner)) {
      throw AppException.notFound(ErrorCode.MEDIA_NOT_FOUND, `No pending upload ${id}`, { media_id: id });
    }
    if (await this.records.exists(id)) {
      throw new AppException(ErrorCode.CONFLICT, 'This upload is already complete', HttpStatus.CONFLICT);
    }
    // One upload per token: a second PUT must not swap the bytes under a pending /complete.
    if (await this.store.head(mediaKeys.original(id))) throw alreadyUploaded(id);
    let size = 0;
    const limited = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        callback(size > claims.len ? fileTooLarge(claims.len) : null, chunk);
      },
    });
    body.once('error', (error) => limited.destroy(error));
    body.pipe(limited);
    const stored = await this.store
      .put(mediaKeys.original(id), limited, { contentType: pending.content_type, signal, exclusive: true })
      .catch((error: unknown) => {
        throw (error as NodeJS.ErrnoException)?.code === 'EEXIST' ? alreadyUploaded(id) : error;
      });
    return { size: stored.size };
  }

  /** Validates the uploaded bytes and registers the media; deletes them on rejection. */
  async complete(mediaId: string): Promise<{ record: MediaRecord; created: boolean }> {
    const id = this.media.parseId(mediaId);
    const found = await this.records.getPending<PendingUpload>(id);
    if (!found) return { record: await this.media.get(id), created: false };
    const pending = this.callers.assertOwner(found, () =>
      AppException.notFound(ErrorCode.MEDIA_NOT_FOUND, `No media with id ${id}`, { media_id: id }),
    );
    if (Date.parse(pending.expires_at) < Date.now()) {
      // Past its URL's life the upload is void: its bytes go now rather than at the next sweep.
      await this.records.deleteObjects(id).catch(() => undefined);
      await this.records.deletePending(id).catch(() => undefined);
      throw new AppException(
        ErrorCode.UPLOAD_URL_EXPIRED,
        'The upload URL has expired: request a new one with POST /api/v1/upload/presign',
        HttpStatus.FORBIDDEN,
        { expired_at: pending.expires_at },
      );
    }
    const format = DECLARED_TYPES[pending.content_type];
    const accept: MediaType[] = format ? [mediaTypeOf(format)] : ['audio', 'image'];
    try {
      const record = await this.media.registerStored(id, {
        filename: pending.filename,
        owner: pending.owner,
        accept,
        expectedSize: pending.size,
      });
      await this.records.deletePending(id);
      return { record, created: true };
    } catch (error) {
      if (isRejection(error)) {
        await this.records.deletePending(id).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Deletes presigned uploads never completed (and their bytes) once well past expiry. */
  async sweep(now = Date.now()): Promise<number> {
    let swept = 0;
    for await (const pending of this.records.pending<PendingUpload>()) {
      if (Date.parse(pending.expires_at) + SWEEP_GRACE_MS > now) continue;
      if (!(await this.records.exists(pending.media_id))) await this.records.deleteObjects(pending.media_id);
      await this.records.deletePending(pending.media_id);
      swept += 1;
    }
    if (swept) this.logger.log({ swept }, 'swept expired presigned uploads');
    return swept;
  }
}

function alreadyUploaded(mediaId: string): AppException {
  return new AppException(
    ErrorCode.CONFLICT,
    'The bytes of this upload have already been sent: POST its complete_url, or presign a new upload',
    HttpStatus.CONFLICT,
    { media_id: mediaId },
  );
}

/** A verdict on the bytes (4xx), as opposed to "not uploaded yet" or a storage fault. */
export function isRejection(error: unknown): boolean {
  return (
    error instanceof AppException &&
    error.getStatus() < 500 &&
    error.code !== ErrorCode.FILE_MISSING &&
    error.getStatus() !== HttpStatus.CONFLICT
  );
}

/** The owner as the upload token carries it: a hash, so the URL does not spell out the owner. */
function ownerTag(owner: string): string {
  return createHash('sha256').update(`upload-owner:${owner}`).digest('base64url').slice(0, 22);
}
