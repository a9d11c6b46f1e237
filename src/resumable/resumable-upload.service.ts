import type { RequestWithCaller } from '../auth/auth.guard';
import { ANONYMOUS_OWNER } from '../auth/caller-context';
import { HttpStatus, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EVENTS, Server, Upload } from '@tus/server';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppException } from '../common/errors/app.exception';
import { PeriodicTask } from '../common/async/periodic-task';
import { ErrorCode } from '../common/errors/error-code';
import { resumableConfig, ResumableConfig } from '../config/configuration';
import { MediaService } from '../media/media.service';
import { OBJECT_STORE, ObjectStore } from '../storage/object-store';
import { EnvelopedTusServer } from './enveloped-tus-server';
import { ResumableUploadRecord, resumableKeys } from './resumable-upload.record';
import { TUS_DATASTORE, TusDataStore } from './tus-datastore';

export const UPLOADS_PATH = '/api/v1/uploads';
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Declared types that can never pass the byte check are refused before any byte is sent. */
const ACCEPTABLE_FILETYPE = /^(audio\/|image\/|video\/webm|application\/octet-stream|$)/i;

/** What tus turns into an error response: our error envelope as the body. */
interface TusError {
  status_code: number;
  body: string;
}

export interface UploadStatus extends ResumableUploadRecord {
  /** Bytes received so far. */
  offset: number;
}

/**
 * tus 1.0 resumable uploads (creation, creation-with-upload, termination, expiration) in front
 * of MediaService: a completed upload is streamed through MediaService.ingest, the same
 * validation POST /upload runs, with MAX_RESUMABLE_SIZE as the limit. It becomes a normal media
 * record (its id in the final response's Media-Id header), or is deleted with the error kept
 * in its status record. The tus bytes themselves never outlive the upload.
 */
@Injectable()
export class ResumableUploadService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ResumableUploadService.name);
  private readonly tus: Server;
  private readonly cleanup: PeriodicTask;

  constructor(
    @Inject(TUS_DATASTORE) private readonly datastore: TusDataStore,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(resumableConfig.KEY) private readonly config: ResumableConfig,
    private readonly media: MediaService,
  ) {
    // Incomplete uploads are swept at a tenth of their lifetime (at most hourly).
    const cleanupEveryMs = Math.min(3_600_000, Math.max(1000, (config.expirySeconds * 1000) / 10));
    this.cleanup = new PeriodicTask(() => this.cleanUpExpired(), cleanupEveryMs);
    this.tus = new EnvelopedTusServer({
      path: UPLOADS_PATH,
      datastore: datastore.store,
      maxSize: config.maxSize,
      relativeLocation: true,
      respectForwardedHeaders: false,
      namingFunction: () => `${datastore.keyPrefix}${randomUUID()}`,
      generateUrl: (_req, { path, id }) => `${path}/${this.uploadIdOf(id)}`,
      getFileIdFromRequest: (_req, lastPath) =>
        lastPath && UPLOAD_ID.test(lastPath) ? `${datastore.keyPrefix}${lastPath}` : undefined,
      onUploadCreate: (req, res, upload) => this.onCreate(req, res, upload),
      onUploadFinish: (req, res, upload) => this.onFinish(req, res, upload),
      onIncomingRequest: (req, _res, storeId) => this.assertOwner(req, storeId),
    });
    // Termination (DELETE) removes the bytes; the record goes with them.
    this.tus.on(EVENTS.POST_TERMINATE, (_req: IncomingMessage, _res: ServerResponse, storeId: string) => {
      void this.store.delete(resumableKeys.record(this.uploadIdOf(storeId))).catch(() => undefined);
    });
  }

  onModuleInit(): void {
    this.cleanup.start();
  }

  onModuleDestroy(): void {
    this.cleanup.stop();
  }

  /** Every tus request (POST, HEAD, PATCH, DELETE, OPTIONS) on /api/v1/uploads[/id]. */
  async handle(req: Request, res: Response): Promise<void> {
    // One CORS policy for the whole API (the app's, when CORS is on): tus's own is dropped.
    const setHeader = res.setHeader.bind(res);
    res.setHeader = ((name: string, value: number | string | readonly string[]) =>
      /^access-control-/i.test(name) ? res : setHeader(name, value)) as typeof res.setHeader;
    await this.tus.handle(req, res);
  }

  /** GET /api/v1/uploads/{id}: the record, with the bytes received so far. */
  async status(uploadId: string, owner: string): Promise<UploadStatus> {
    const record = await this.record(uploadId);
    if (!record || record.owner !== owner) throw uploadNotFound(uploadId);
    let offset = record.status === 'completed' ? (record.size ?? 0) : 0;
    if (record.status === 'uploading') {
      if (Date.parse(record.expires_at) < Date.now()) throw uploadGone(uploadId);
      const upload = await this.datastore.store.getUpload(this.storeIdOf(uploadId)).catch(() => undefined);
      // Terminated (its record is being removed) or swept: either way it no longer exists.
      if (!upload) throw uploadNotFound(uploadId);
      offset = upload.offset ?? 0;
    }
    return { ...record, offset };
  }

  /** Deletes incomplete uploads past their expiry (bytes and record), and expired records. */
  async cleanUpExpired(): Promise<number> {
    let removed = 0;
    try {
      for await (const object of this.store.list(resumableKeys.prefix)) {
        // Only the status records (on S3 the tus objects share the folder).
        if (!object.key.endsWith('.json')) continue;
        const uploadId = object.key.slice(resumableKeys.prefix.length, -'.json'.length);
        if (!UPLOAD_ID.test(uploadId)) continue;
        const record = await this.record(uploadId);
        if (!record || Date.parse(record.expires_at) > Date.now()) continue;
        if (record.status === 'uploading') {
          await this.datastore.discard(this.storeIdOf(uploadId)).catch(() => undefined);
        }
        await this.store.delete(resumableKeys.record(uploadId));
        removed += 1;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not clean up expired resumable uploads');
    }
    if (removed) this.logger.log({ removed }, 'expired resumable uploads removed');
    return removed;
  }

  private async onCreate(req: IncomingMessage, res: ServerResponse, upload: Upload) {
    const metadata = upload.metadata ?? {};
    const filetype = metadata.filetype ?? metadata.type ?? undefined;
    if (filetype && !ACCEPTABLE_FILETYPE.test(filetype)) {
      throw tusError(
        new AppException(
          ErrorCode.INVALID_FILE_FORMAT,
          `Upload-Metadata filetype '${filetype}' is not audio or an image`,
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          { received_format: filetype },
        ),
        res,
      );
    }
    const now = Date.now();
    const record: ResumableUploadRecord = {
      upload_id: this.uploadIdOf(upload.id),
      owner: requestOwner(req),
      ...(metadata.filename ? { filename: metadata.filename } : {}),
      ...(filetype ? { filetype } : {}),
      ...(upload.size !== undefined ? { size: upload.size } : {}),
      status: 'uploading',
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.config.expirySeconds * 1000).toISOString(),
    };
    await this.store.writeJson(resumableKeys.record(record.upload_id), record);
    return res;
  }

  private async onFinish(req: IncomingMessage, res: ServerResponse, upload: Upload) {
    const uploadId = this.uploadIdOf(upload.id);
    const record = (await this.record(uploadId)) ?? {
      upload_id: uploadId,
      owner: requestOwner(req),
      status: 'uploading' as const,
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + this.config.expirySeconds * 1000).toISOString(),
    };
    try {
      const stream = await this.datastore.store.read(upload.id);
      const media = await this.media.ingest({
        stream,
        filename: record.filename,
        owner: record.owner,
        maxBytes: this.config.maxSize,
      });
      Object.assign(record, { status: 'completed', media_id: media.media_id, size: media.size });
      await this.store.writeJson(resumableKeys.record(uploadId), record);
      this.logger.log({ uploadId, mediaId: media.media_id, size: media.size }, 'resumable upload completed');
      return { res, headers: { 'Media-Id': media.media_id } };
    } catch (error) {
      const failure =
        error instanceof AppException
          ? error
          : new AppException(
              ErrorCode.STORAGE_UNAVAILABLE,
              'The upload could not be stored; upload it again',
              HttpStatus.SERVICE_UNAVAILABLE,
            );
      if (!(error instanceof AppException)) this.logger.error({ err: error, uploadId }, 'resumable upload failed');
      Object.assign(record, {
        status: 'failed',
        error: { code: failure.code, message: failure.message, details: failure.details },
      });
      await this.store.writeJson(resumableKeys.record(uploadId), record).catch(() => undefined);
      // A refused creation-with-upload still names the upload, so its status can be looked up.
      if (req.method === 'POST') res.setHeader('Location', `${UPLOADS_PATH}/${uploadId}`);
      throw tusError(failure, res);
    } finally {
      // The bytes now live in the media store (or nowhere): the tus copy goes either way.
      await this.datastore
        .discard(upload.id)
        .catch((error: unknown) => this.logger.warn({ err: error, uploadId }, 'tus upload not removed'));
    }
  }

  private async assertOwner(req: IncomingMessage, storeId: string): Promise<void> {
    const record = await this.record(this.uploadIdOf(storeId));
    if (record && record.owner !== requestOwner(req)) {
      throw { status_code: 404, body: JSON.stringify(uploadNotFound(this.uploadIdOf(storeId)).getResponse()) };
    }
  }

  private record(uploadId: string): Promise<ResumableUploadRecord | null> {
    if (!UPLOAD_ID.test(uploadId)) return Promise.resolve(null);
    return this.store.readJson<ResumableUploadRecord>(resumableKeys.record(uploadId));
  }

  private uploadIdOf(storeId: string): string {
    return storeId.slice(this.datastore.keyPrefix.length);
  }

  private storeIdOf(uploadId: string): string {
    return `${this.datastore.keyPrefix}${uploadId}`;
  }
}

/** The owner the auth guard put on the request (the anonymous owner with AUTH_MODE=none). */
export function requestOwner(req: IncomingMessage): string {
  return (req as IncomingMessage & Partial<RequestWithCaller>).caller?.owner ?? ANONYMOUS_OWNER;
}

function tusError(error: AppException, res: ServerResponse): TusError {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  return { status_code: error.getStatus(), body: JSON.stringify(error.getResponse()) };
}

function uploadNotFound(uploadId: string): AppException {
  return AppException.notFound(ErrorCode.NOT_FOUND, `No resumable upload with id ${uploadId}`, {
    upload_id: uploadId,
  });
}

function uploadGone(uploadId: string): AppException {
  return new AppException(ErrorCode.NOT_FOUND, `The upload ${uploadId} expired and was deleted`, HttpStatus.GONE, {
    upload_id: uploadId,
  });
}
