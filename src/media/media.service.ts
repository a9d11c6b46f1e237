import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CallerContext } from '../auth/caller-context';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { securityConfig, SecurityConfig, storageConfig, StorageConfig } from '../config/configuration';
import { MALWARE_SCANNER, MalwareScanner, ScanSession } from '../security/malware/malware-scanner';
import { teeTo } from '../security/malware/tee';
import { fileTooLarge, IntakeStream } from './inspection/intake-stream';
import { assertNotTruncated, AudioProbe, ImageProbe, probeAudio, probeImage } from './inspection/probe';
import { sniffFormat } from './inspection/sniff';
import {
  CONTENT_TYPE_BY_FORMAT,
  EXTENSION_BY_FORMAT,
  MediaFormat,
  MediaRecord,
  MediaType,
  mediaTypeOf,
} from './media-record';
import { ByteRange, JsonDocument, OBJECT_STORE, ObjectStore } from '../storage/object-store';
import { sanitizeFilename } from './filename';
import { mediaKeys, MediaRecordRepository } from './media-record.repository';
import { mediaMetrics, storageProvider, TrackOperation } from '../metrics/media-metrics';

export type { ByteRange } from '../storage/object-store';

export interface IngestInput {
  stream: Readable;
  filename?: string;
  owner?: string;
  /** Media types this caller takes (default both). */
  accept?: MediaType[];
  /** Aborting (client gone) cancels the write and leaves nothing behind. */
  signal?: AbortSignal;
  /** A limit of the caller's own instead of MAX_FILE_SIZE (resumable uploads: MAX_RESUMABLE_SIZE). */
  maxBytes?: number;
}

export interface IngestOptions {
  filename?: string;
  owner?: string;
  accept?: MediaType[];
}

const MEDIA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Validated {
  format: MediaFormat;
  size: number;
  sha256: string;
  probe: ImageProbe | AudioProbe;
}

const storedIn = (media: { store: ObjectStore }) => storageProvider(media.store.driver);

/**
 * The service's memory: every file any feature receives goes through ingest (size limit, type
 * from the bytes, SHA-256, probe, store, all in one streaming pass and all-or-nothing), and
 * comes back through get / openStream / withLocalFile.
 */
@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);

  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly records: MediaRecordRepository,
    @Inject(storageConfig.KEY) private readonly config: StorageConfig,
    private readonly callers: CallerContext,
    @Inject(MALWARE_SCANNER) private readonly scanner: MalwareScanner,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
  ) {}

  /** Streams a file into the store and registers its record; nothing remains if anything fails. */
  @TrackOperation('upload', storedIn)
  async ingest(input: IngestInput): Promise<MediaRecord> {
    const mediaId = randomUUID();
    const key = mediaKeys.original(mediaId);
    const owner = input.owner ?? this.callers.owner();
    const validated = await this.intake(input.stream, {
      accept: input.accept,
      maxBytes: input.maxBytes ?? this.config.maxFileSize,
      signal: input.signal,
      write: key,
    });
    return this.register(mediaId, validated, { filename: input.filename, owner });
  }

  /** For base64 JSON bodies: the same checks as ingest on bytes already in memory. */
  async ingestBuffer(buffer: Buffer, options: IngestOptions): Promise<MediaRecord> {
    if (buffer.length > this.config.maxFileSize) throw fileTooLarge(this.config.maxFileSize);
    return this.ingest({ ...options, stream: Readable.from([buffer]) });
  }

  /**
   * The record; 400 VALIDATION_FAILED for a malformed id, 404 MEDIA_NOT_FOUND for an unknown one
   * or one of another owner (the current caller unless `owner` is given by background work).
   */
  async get(mediaId: string, owner = this.callers.owner()): Promise<MediaRecord> {
    const id = this.parseId(mediaId);
    const record = await this.records.get(id);
    return this.callers.assertOwner(record, () => notFound(id), owner);
  }

  /** The record as served to GET /media/{id}: its bytes and ETag, without serialising it again. */
  async getDocument(mediaId: string): Promise<JsonDocument<MediaRecord>> {
    const id = this.parseId(mediaId);
    const document = await this.records.getDocument(id);
    this.callers.assertOwner(document?.value, () => notFound(id));
    return document as JsonDocument<MediaRecord>;
  }

  /** The bytes (or an inclusive range of them). */
  @TrackOperation('download', storedIn)
  async openStream(record: MediaRecord, range?: ByteRange): Promise<Readable> {
    const stream = await this.store.read(record.storage_key, range);
    if (!stream) throw notFound(record.media_id);
    return stream;
  }

  /**
   * Gives engines (ffmpeg, sharp) a path to the bytes: the object's own file on local disk, a
   * temporary download on S3 (deleted when work settles). The file must not be modified.
   */
  async withLocalFile<T>(record: MediaRecord, work: (path: string) => Promise<T>): Promise<T> {
    if (this.store.localPathOf) return work(this.store.localPathOf(record.storage_key));
    const dir = await mkdtemp(join(tmpdir(), 'media-service-'));
    try {
      const path = join(dir, `original.${EXTENSION_BY_FORMAT[record.format] ?? 'bin'}`);
      await pipeline(await this.openStream(record), createWriteStream(path, { flags: 'wx' }));
      return await work(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** S3 only: a short-lived presigned GET of the bytes (undefined on local disk). */
  async presignGet(record: MediaRecord, contentDisposition: string): Promise<string | undefined> {
    if (!this.store.presignGet) return undefined;
    const signed = await this.store.presignGet(record.storage_key, {
      expiresInSeconds: 300,
      contentType: record.content_type,
      contentDisposition,
    });
    return signed.url;
  }

  /** Deletes the record and everything stored under media/<id>/; 404 when there is nothing. */
  async delete(mediaId: string, owner = this.callers.owner()): Promise<void> {
    const id = this.parseId(mediaId);
    const [record, pending] = await Promise.all([this.records.get(id), this.records.getPending(id)]);
    this.callers.assertOwner(record ?? pending, () => notFound(id), owner);
    // The record first: from that moment the media no longer exists for readers.
    await this.records.delete(id);
    await this.records.deleteObjects(id);
    await this.records.deletePending(id);
  }

  /** A UUID (any version), lower-cased; anything else is refused before it reaches the store. */
  parseId(mediaId: string): string {
    if (typeof mediaId !== 'string' || !MEDIA_ID.test(mediaId)) {
      throw new AppException(ErrorCode.VALIDATION_FAILED, 'media_id must be a UUID', HttpStatus.BAD_REQUEST, {
        fields: { media_id: ['media_id must be a UUID'] },
      });
    }
    return mediaId.toLowerCase();
  }

  /** Formats this deployment accepts for the given media types (as configured). */
  supportedFormats(accept: MediaType[] = ['audio', 'image']): string[] {
    return [
      ...(accept.includes('audio') ? this.config.allowedAudioFormats : []),
      ...(accept.includes('image') ? this.config.allowedImageFormats : []),
    ];
  }

  /**
   * Validates bytes already in the store (a presigned upload) exactly as ingest does and
   * registers them; on rejection the bytes are deleted. Used by PresignedUploadService.
   */
  @TrackOperation('upload', storedIn)
  async registerStored(mediaId: string, options: IngestOptions & { expectedSize?: number }): Promise<MediaRecord> {
    const key = mediaKeys.original(mediaId);
    try {
      const source = await this.store.read(key);
      if (!source) {
        throw new AppException(
          ErrorCode.FILE_MISSING,
          'Nothing has been uploaded for this media yet: PUT the bytes to the upload URL first',
          HttpStatus.CONFLICT,
        );
      }
      const validated = await this.intake(source, {
        accept: options.accept,
        maxBytes: Math.min(this.config.maxFileSize, options.expectedSize ?? Infinity),
        localPath: this.store.localPathOf?.(key),
      });
      if (options.expectedSize !== undefined && validated.size !== options.expectedSize) {
        throw new AppException(
          ErrorCode.INVALID_FILE,
          `The upload has ${validated.size} bytes, not the ${options.expectedSize} announced`,
          HttpStatus.UNPROCESSABLE_ENTITY,
          { expected_size: options.expectedSize, received_size: validated.size },
        );
      }
      return await this.register(mediaId, validated, options);
    } catch (error) {
      if (error instanceof AppException && error.getStatus() < 500 && error.code !== ErrorCode.FILE_MISSING) {
        await this.records.deleteObjects(mediaId).catch(() => undefined);
      }
      throw error;
    }
  }

  private async register(mediaId: string, validated: Validated, options: IngestOptions): Promise<MediaRecord> {
    const record: MediaRecord = {
      media_id: mediaId,
      owner: options.owner ?? '',
      filename: sanitizeFilename(options.filename, `upload.${EXTENSION_BY_FORMAT[validated.format]}`),
      content_type: CONTENT_TYPE_BY_FORMAT[validated.format],
      media_type: mediaTypeOf(validated.format),
      format: validated.format,
      size: validated.size,
      sha256: validated.sha256,
      created_at: new Date().toISOString(),
      storage_key: mediaKeys.original(mediaId),
      ...validated.probe,
    };
    try {
      await this.records.save(record);
    } catch (error) {
      await this.store.delete(mediaKeys.original(mediaId)).catch(() => undefined);
      throw error;
    }
    this.logger.log({ mediaId, format: record.format, size: record.size }, 'media stored');
    mediaMetrics.fileStored(record.media_type, record.size);
    return record;
  }

  /**
   * One streaming pass over the bytes: limit, hash, sniff (before anything is written), then
   * either write them to the store (`write`) or just read them (`localPath`: already stored),
   * and probe. Probes read the stored file on local disk; on S3 audio is probed from a copy of
   * the stream and images (and webm) from a temporary spool file written in the same pass.
   */
  private async intake(
    source: Readable,
    options: { accept?: MediaType[]; maxBytes: number; signal?: AbortSignal; write?: string; localPath?: string },
  ): Promise<Validated> {
    const accept = options.accept ?? ['audio', 'image'];
    const probeFromFile = Boolean(this.store.localPathOf);
    let head: Buffer = Buffer.alloc(0);
    let format: MediaFormat | undefined;
    let audioProbe: Promise<AudioProbe> | undefined;
    let spool: { dir: string; path: string } | undefined;

    // Every byte also goes to the malware scanner, whose verdict is awaited before the bytes count as stored.
    const scan = this.scanner.open();
    const probeTee = async (bytes: Buffer): Promise<Writable | undefined> => {
      head = bytes;
      format = await this.decideFormat(bytes, accept);
      // A WAV header says everything (format, rate, channels, data length): probed from the
      // first bytes and the final size, the data itself needs no second reader.
      if (probeFromFile || format === 'wav') return undefined;
      // music-metadata reads these from a stream of unknown length; Matroska (webm) needs the
      // length up front and images need random access, so those go through a spool file.
      if (mediaTypeOf(format) === 'audio' && format !== 'webm') {
        const copy = new PassThrough();
        audioProbe = probeAudio({ stream: copy }, format).finally(() => copy.resume());
        audioProbe.catch((error: Error) => intake.destroy(error));
        return copy;
      }
      const dir = await mkdtemp(join(tmpdir(), 'media-spool-'));
      spool = { dir, path: join(dir, `spool.${EXTENSION_BY_FORMAT[format]}`) };
      return createWriteStream(spool.path);
    };
    const intake = new IntakeStream({
      maxBytes: options.maxBytes,
      onHead: async (bytes) => teeTo(await probeTee(bytes), scan?.input),
    });
    const abort = () => intake.destroy(abortError());
    options.signal?.addEventListener('abort', abort, { once: true });
    source.once('error', (error) => intake.destroy(error));
    intake.once('close', () => {
      if (!source.readableEnded) source.destroy();
    });

    const decided = new Promise<void>((resolve, reject) => {
      intake.once('decided', resolve);
      intake.once('error', reject);
    });
    source.pipe(intake);

    try {
      await decided;
      const mediaFormat = format as MediaFormat;
      let probe: ImageProbe | AudioProbe | undefined;
      const verify = async ({ localPath }: { localPath?: string }) => {
        assertNotTruncated(mediaFormat, head, intake.byteCount, intake.tail);
        const path = localPath ?? spool?.path;
        if (mediaTypeOf(mediaFormat) === 'image') {
          probe = await probeImage(path as string, mediaFormat, this.config.maxImagePixels);
        } else {
          probe = await (path
            ? probeAudio({ path }, mediaFormat)
            : (audioProbe ?? probeAudio({ head, size: intake.byteCount }, mediaFormat)));
        }
        await this.assertClean(scan);
      };
      if (options.write) {
        await this.store.put(options.write, intake, {
          contentType: CONTENT_TYPE_BY_FORMAT[mediaFormat],
          signal: options.signal,
          verify,
        });
      } else {
        await pipeline(intake, discard());
        await verify({ localPath: options.localPath });
      }
      return {
        format: mediaFormat,
        size: intake.byteCount,
        sha256: intake.sha256,
        probe: probe as ImageProbe | AudioProbe,
      };
    } catch (error) {
      intake.destroy();
      throw options.signal?.aborted ? abortError() : error;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      scan?.input.destroy(new Error('intake finished'));
      if (spool) await rm(spool.dir, { recursive: true, force: true });
    }
  }

  /**
   * Infected: 422 MALWARE_DETECTED naming the signature. No verdict (scanner down, timed out):
   * 503 SCANNER_UNAVAILABLE, or accepted with a warning when MALWARE_SCAN_FAIL_OPEN=true.
   * Thrown from the store's verify step, so the bytes are never committed.
   */
  private async assertClean(scan: ScanSession | undefined): Promise<void> {
    if (!scan) return;
    const verdict = await scan.verdict;
    if (verdict.kind === 'clean') return;
    if (verdict.kind === 'infected') {
      this.logger.warn({ signature: verdict.signature }, 'malware refused');
      throw new AppException(
        ErrorCode.MALWARE_DETECTED,
        `The file contains malware (${verdict.signature}); nothing was stored`,
        HttpStatus.UNPROCESSABLE_ENTITY,
        { signature: verdict.signature },
      );
    }
    if (this.security.malware.failOpen) {
      this.logger.warn({ reason: verdict.message }, 'malware scan failed; file accepted (MALWARE_SCAN_FAIL_OPEN=true)');
      return;
    }
    throw AppException.unavailable(
      ErrorCode.SCANNER_UNAVAILABLE,
      'The malware scanner is unavailable; nothing was stored, retry later',
      { scanner: this.scanner.name, reason: verdict.message },
    );
  }

  private async decideFormat(head: Buffer, accept: MediaType[]): Promise<MediaFormat> {
    if (head.length === 0) {
      throw new AppException(ErrorCode.INVALID_FILE, 'The file is empty', HttpStatus.BAD_REQUEST, { size: 0 });
    }
    const sniffed = await sniffFormat(head);
    if (sniffed.truncated) {
      throw new AppException(
        ErrorCode.INVALID_FILE,
        `The file ends after ${head.length} bytes, inside its own header: it is truncated or not a media file`,
        HttpStatus.UNPROCESSABLE_ENTITY,
        { size: head.length, reason: 'truncated header' },
      );
    }
    const supported = this.supportedFormats(accept);
    const allowed =
      sniffed.format !== undefined &&
      accept.includes(mediaTypeOf(sniffed.format)) &&
      (sniffed.format === 'jpeg'
        ? supported.some((f) => f === 'jpg' || f === 'jpeg')
        : supported.includes(sniffed.format));
    if (!allowed) {
      throw new AppException(
        ErrorCode.INVALID_FILE_FORMAT,
        `Unsupported file format '${sniffed.received}'. Supported formats: ${supported.join(', ')}`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { received_format: sniffed.received, supported_formats: supported },
      );
    }
    return sniffed.format as MediaFormat;
  }
}

function notFound(mediaId: string): AppException {
  return AppException.notFound(ErrorCode.MEDIA_NOT_FOUND, `No media with id ${mediaId}`, { media_id: mediaId });
}

function abortError(): Error {
  return Object.assign(new Error('The upload was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
