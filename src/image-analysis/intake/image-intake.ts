import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Request } from 'express';
import { Readable } from 'node:stream';
import { CallerContext } from '../../auth/caller-context';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { readMultipart } from '../../common/http/multipart';
import { validationFailed } from '../../common/http/validation-errors';
import { storageConfig, StorageConfig } from '../../config/configuration';
import { MediaRecord } from '../../media/media-record';
import { MediaService } from '../../media/media.service';
import { ImageSource, sha256Of } from '../image-analysis.service';

/** An image that just came in (not yet stored). */
export interface Incoming {
  bytes: Buffer;
  filename?: string;
}

/** A batch file streamed into the store as it arrived (or the reason it was refused). */
export interface StagedImage {
  filename?: string;
  source: () => Promise<ImageSource>;
}

/** One image given by JSON: its bytes in base64, or the id of a stored media. */
export interface JsonImageInput {
  image_file?: string;
  media_id?: string;
  filename?: string;
}

/**
 * How an image comes in, shared by every image endpoint (/analyze-image and its batches,
 * /extract-attributes): a multipart file or a base64 JSON body (analysed from the bytes in hand
 * while MediaService stores them), or the id of a stored image. Each becomes an ImageSource whose
 * hash is known up front, so a cache hit decodes nothing.
 */
@Injectable()
export class ImageIntake {
  constructor(
    private readonly media: MediaService,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    private readonly callers: CallerContext,
  ) {}

  /** One image from a multipart request (field `file`), with its text fields (only `allowedFields`). */
  async multipartSource(
    req: Request,
    allowedFields: string[],
  ): Promise<{ source: ImageSource; fields: Record<string, string> }> {
    const { fields, files } = await readMultipart<Incoming>(req, {
      fileField: 'file',
      maxFileSize: this.storage.maxFileSize,
      allowedFields,
      onFile: async (part) => ({ bytes: await readAll(part.stream), filename: part.filename }),
    });
    return { source: this.incomingSource(files[0]), fields };
  }

  /**
   * A multipart batch (field `files`): each file streams into the store as a media (same checks
   * as /upload; nothing held whole in memory), a file that fails intake becomes that item's error,
   * and if the request itself fails (a bad option field, too many files) nothing stays stored.
   */
  async multipartBatch<T>(
    req: Request,
    options: { allowedFields: string[]; maxFiles: number; parseFields: (fields: Record<string, string>) => T },
  ): Promise<{ options: T; files: StagedImage[] }> {
    const stored: MediaRecord[] = [];
    try {
      const { fields, files } = await readMultipart<StagedImage>(req, {
        fileField: 'files',
        maxFiles: options.maxFiles,
        maxFileSize: this.storage.maxFileSize,
        allowedFields: options.allowedFields,
        onFile: async (part, signal) => {
          const filename = part.filename;
          try {
            const record = await this.media.ingest({ stream: part.stream, filename, accept: ['image'], signal });
            stored.push(record);
            const source: ImageSource = { ...this.storedSource(record), staged: true };
            return { filename, source: () => Promise.resolve(source) };
          } catch (error) {
            part.stream.resume();
            if (signal.aborted) throw error;
            return { filename, source: () => Promise.reject(error as Error) };
          }
        },
      });
      return { options: options.parseFields(fields), files };
    } catch (error) {
      await Promise.all(stored.map((record) => this.media.delete(record.media_id).catch(() => undefined)));
      throw error;
    }
  }

  /**
   * A new image: analysed from the bytes in hand while MediaService stores it (same checks as
   * /upload). When the cache already knows these bytes, the media stored then is reused instead of
   * storing a duplicate (same bytes, same owner).
   */
  incomingSource({ bytes, filename }: Incoming): ImageSource {
    const sha256 = sha256Of(bytes);
    const owner = this.callers.owner();
    return {
      sha256,
      bytes: () => Promise.resolve(bytes),
      persist: async (existingMediaId) => {
        if (existingMediaId) {
          const existing = await this.media.get(existingMediaId).catch(() => undefined);
          if (existing && existing.sha256 === sha256 && existing.owner === owner) return existing;
        }
        const record = await this.media.ingestBuffer(bytes, { filename, owner, accept: ['image'] });
        return record;
      },
      discard: (mediaId) => this.media.delete(mediaId),
    };
  }

  /** An image already stored (media_id). */
  storedSource(record: MediaRecord): ImageSource {
    if (record.media_type !== 'image') {
      throw new AppException(
        ErrorCode.INVALID_FILE_FORMAT,
        `Media ${record.media_id} is ${record.media_type}, not an image`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { media_id: record.media_id, received_format: record.format },
      );
    }
    return {
      sha256: record.sha256,
      media_id: record.media_id,
      owner: record.owner,
      bytes: async () => readAll(await this.media.openStream(record)),
    };
  }

  /** A JSON body: exactly one of image_file (base64) or media_id. */
  async jsonSource(input: JsonImageInput): Promise<ImageSource> {
    const given = [input.image_file, input.media_id].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new AppException(
        ErrorCode.VALIDATION_FAILED,
        'Give exactly one of image_file (base64) or media_id',
        HttpStatus.BAD_REQUEST,
        {
          fields: {
            image_file: ['exactly one of image_file, media_id'],
            media_id: ['exactly one of image_file, media_id'],
          },
        },
      );
    }
    if (input.media_id) return this.storedSource(await this.media.get(input.media_id));
    if (Buffer.byteLength(input.image_file as string) > Math.ceil((this.storage.maxFileSize * 4) / 3) + 4) {
      throw new AppException(
        ErrorCode.FILE_TOO_LARGE,
        'The image is larger than MAX_FILE_SIZE',
        HttpStatus.PAYLOAD_TOO_LARGE,
        {
          max_bytes: this.storage.maxFileSize,
        },
      );
    }
    return this.incomingSource({ bytes: Buffer.from(input.image_file as string, 'base64'), filename: input.filename });
  }

  /** The bytes of a stored media. */
  async storedBytes(mediaId: string): Promise<Buffer> {
    return readAll(await this.media.openStream(await this.media.get(mediaId)));
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
}

/** Multipart text fields through the same DTO rules as JSON (unknown fields refused). */
export function validateFields<T extends object>(type: ClassConstructor<T>, fields: Record<string, string>): T {
  const dto = plainToInstance(type, fields);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationFailed(errors);
  return dto;
}
