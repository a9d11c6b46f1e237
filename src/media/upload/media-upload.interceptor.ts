import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { isMultipart, readMultipart } from '../../common/http/multipart';
import { dtoFields, validateDto } from '../../common/http/validation-errors';
import { storageConfig, StorageConfig } from '../../config/configuration';
import type { MediaType } from '../media-record';
import { MediaService } from '../media.service';
import type { IncomingItem, MediaBatchInput, MediaInput } from './media-input';

export const MEDIA_UPLOAD = Symbol('media-upload');
/** Where the intake leaves its result on the request, for @IncomingMedia(). */
export const INCOMING_MEDIA = Symbol('incoming-media');

export interface MediaUploadSpec {
  /** `file` for one media; `files` (multipart) or `items` (JSON) for a batch. */
  fileField: 'file' | 'files';
  /** What the file is (the docs' file picker). */
  fileDescription: string;
  /** Media types taken (both when omitted). */
  accept?: MediaType[];
  /** Options DTO: the multipart text fields taken, and the options picked from a JSON body. */
  options?: Type<object>;
  /** JSON body DTO; without it the route takes multipart only. */
  json?: Type<object>;
  /** JSON field holding the base64 bytes. */
  base64Field?: 'audio_file' | 'image_file';
  /** Batches: the configuration path of the most items (`transcription.batchMax`). */
  maxItemsConfig?: string;
}

export type RequestWithMedia = Request & { [INCOMING_MEDIA]?: MediaInput<object> | MediaBatchInput<object> };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The one request intake for media routes (see MediaUpload): a multipart file streamed into the
 * store while it arrives, base64 bytes stored, or a `media_id` looked up; the options validated
 * once into their DTO. Whatever this request stored is deleted again when the request fails
 * (the intake, a pipe or the handler); a batch's per-item compensation is its service's.
 */
@Injectable()
export class MediaUploadInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly media: MediaService,
    private readonly config: ConfigService,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<MediaUploadSpec>(MEDIA_UPLOAD, context.getHandler());
    const req = context.switchToHttp().getRequest<RequestWithMedia>();
    return from(this.read(req, spec)).pipe(
      switchMap((input) => {
        req[INCOMING_MEDIA] = input;
        // A request that fails after its intake (a refused query value, the service's refusal)
        // keeps nothing it stored: the one compensation for every media route.
        const stored = 'items' in input ? input.items : [input];
        return next
          .handle()
          .pipe(
            catchError((error: unknown) => from(this.discard(stored)).pipe(switchMap(() => throwError(() => error)))),
          );
      }),
    );
  }

  private read(req: Request, spec: MediaUploadSpec): Promise<MediaInput<object> | MediaBatchInput<object>> {
    if (isMultipart(req) || !spec.json) return this.fromMultipart(req, spec);
    if (!req.is('application/json')) {
      throw new AppException(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `Send multipart/form-data (the file in '${spec.fileField}') or application/json`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { received_content_type: (req.headers['content-type'] ?? '').split(';')[0] || null },
      );
    }
    return this.fromJson(req.body, spec, spec.json);
  }

  private async fromMultipart(
    req: Request,
    spec: MediaUploadSpec,
  ): Promise<MediaInput<object> | MediaBatchInput<object>> {
    const batch = spec.fileField === 'files';
    const items: IncomingItem[] = [];
    let options: object;
    try {
      const { fieldValues } = await readMultipart(req, {
        fileField: spec.fileField,
        maxFiles: batch ? this.maxItems(spec) : 1,
        maxFileSize: this.storage.maxFileSize,
        allowedFields: spec.options ? dtoFields(spec.options) : undefined,
        onFile: async (part, signal, _fields, valuesSoFar) => {
          // Options sent before the file are refused before it is stored (required ones may follow it).
          if (spec.options) validateDto(spec.options, fieldsOf(valuesSoFar), { presentOnly: true });
          const item: IncomingItem = { index: part.index, filename: part.filename || undefined, ingested: false };
          items[part.index] = item;
          try {
            item.media = await this.media.ingest({
              stream: part.stream,
              filename: part.filename,
              accept: spec.accept,
              signal,
            });
            item.ingested = true;
          } catch (error) {
            // In a batch a refused file is that item's answer; the rest of the request goes on.
            if (!batch || signal.aborted) throw error;
            part.stream.resume();
            item.error = asAppException(error);
          }
        },
      });
      options = spec.options ? validateDto(spec.options, fieldsOf(fieldValues)) : {};
    } catch (error) {
      // Fields may follow the files: what was stored before the refusal goes again.
      await this.discard(items);
      throw error;
    }
    if (batch) return { items, options };
    return { media: items[0].media!, ingested: true, options };
  }

  private async fromJson(
    body: unknown,
    spec: MediaUploadSpec,
    json: Type<object>,
  ): Promise<MediaInput<object> | MediaBatchInput<object>> {
    // Validated (options included) before anything is stored.
    const dto = validateDto(json, body ?? {}) as Record<string, unknown>;
    const optionNames = spec.options ? dtoFields(spec.options) : [];
    const options = spec.options ? Object.assign(new spec.options(), pick(dto, optionNames)) : {};
    if (spec.fileField === 'file') {
      const item = await this.jsonItem(dto, 0, spec, false);
      return { media: item.media!, ingested: item.ingested, options };
    }
    const entries = (dto.items ?? []) as Record<string, unknown>[];
    const max = this.maxItems(spec);
    if (entries.length > max) {
      throw AppException.badRequest(ErrorCode.TOO_MANY_FILES, `At most ${max} items per batch`, {
        max_files: max,
        fields: { items: [`must hold 1 to ${max} items`] },
      });
    }
    const items: IncomingItem[] = [];
    for (const [index, entry] of entries.entries()) {
      const item = await this.jsonItem(entry, index, spec, true);
      const own = pick(entry, optionNames);
      items.push(Object.keys(own).length > 0 ? { ...item, options: own } : item);
    }
    return { items, options };
  }

  /** One JSON media: exactly one of the base64 field or media_id. A batch item's failure is its own. */
  private async jsonItem(
    entry: Record<string, unknown>,
    index: number,
    spec: MediaUploadSpec,
    batch: boolean,
  ): Promise<IncomingItem> {
    const field = spec.base64Field ?? 'file';
    const filename = typeof entry.filename === 'string' ? entry.filename : undefined;
    const item: IncomingItem = { index, filename, ingested: false };
    try {
      const [base64, mediaId] = [entry[field], entry.media_id];
      if ((base64 === undefined) === (mediaId === undefined)) {
        const message = `exactly one of ${field} (base64) or media_id`;
        throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, `Send ${message}`, {
          fields: { [field]: [message], media_id: [message] },
        });
      }
      if (mediaId !== undefined) {
        item.media = this.accepted(await this.media.get(String(mediaId)), spec);
      } else {
        item.media = await this.media.ingestBuffer(this.decode(String(base64), field), {
          filename,
          accept: spec.accept,
        });
        item.ingested = true;
      }
    } catch (error) {
      if (!batch) throw error;
      item.error = asAppException(error);
    }
    return item;
  }

  private decode(base64: string, field: string): Buffer {
    // Refused before decoding: base64 is 4/3 of the bytes.
    if (base64.length > Math.ceil((this.storage.maxFileSize * 4) / 3) + 4) {
      throw new AppException(
        ErrorCode.FILE_TOO_LARGE,
        `The file is larger than the ${this.storage.maxFileSize}-byte limit`,
        HttpStatus.PAYLOAD_TOO_LARGE,
        { max_bytes: this.storage.maxFileSize },
      );
    }
    if (!BASE64.test(base64)) {
      throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, `${field} must be base64`, {
        fields: { [field]: [`${field} must be base64 encoded`] },
      });
    }
    return Buffer.from(base64, 'base64');
  }

  /** A stored media of a type the route takes (an image is not transcribed). */
  private accepted<T extends { media_id: string; media_type: MediaType; format: string }>(
    record: T,
    spec: MediaUploadSpec,
  ): T {
    if (!spec.accept || spec.accept.includes(record.media_type)) return record;
    throw new AppException(
      ErrorCode.INVALID_FILE_FORMAT,
      `Media ${record.media_id} is ${record.media_type}, not ${spec.accept.join(' or ')}`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      { media_id: record.media_id, received_format: record.format },
    );
  }

  private maxItems(spec: MediaUploadSpec): number {
    return spec.maxItemsConfig ? this.config.getOrThrow<number>(spec.maxItemsConfig) : 1;
  }

  private async discard(items: Array<Pick<IncomingItem, 'media' | 'ingested'>>): Promise<void> {
    await Promise.all(
      items
        .filter((item) => item?.ingested && item.media)
        .map((item) => this.media.delete(item.media!.media_id).catch(() => undefined)),
    );
  }
}

/**
 * Repeated fields (`language_options` twice) as a list, single ones as a string. An empty field is
 * an option left blank (HTML forms and Swagger UI send every field of the form): it is absent.
 */
function fieldsOf(fieldValues: Record<string, string[]>): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(fieldValues)
      .map(([name, values]) => [name, values.filter((value) => value !== '')] as const)
      .filter(([, values]) => values.length > 0)
      .map(([name, values]) => [name, values.length > 1 ? values : values[0]]),
  );
}

function pick(source: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => source[name] !== undefined).map((name) => [name, source[name]]));
}

function asAppException(error: unknown): AppException {
  if (error instanceof AppException) return error;
  return new AppException(
    ErrorCode.INTERNAL_ERROR,
    'The item could not be processed',
    HttpStatus.INTERNAL_SERVER_ERROR,
  );
}
