import type { Readable } from 'node:stream';

/** Injection token of the ObjectStore port; STORAGE_DRIVER picks the adapter behind it. */
export const OBJECT_STORE = Symbol('OBJECT_STORE');

export interface StoredObject {
  key: string;
  size: number;
  /** Opaque validator for conditional requests (quoted, as in HTTP). */
  etag: string;
  lastModified: Date;
  contentType?: string;
}

export interface PutOptions {
  contentType?: string;
  /** Known length of the body, when the caller has it (lets S3 avoid multipart for small files). */
  contentLength?: number;
  /** Aborting cancels the write and leaves nothing behind. */
  signal?: AbortSignal;
  /**
   * Fail (Node's EEXIST error) rather than replace an object already at the key. Local disk
   * only: S3 presigned PUTs never pass through the service.
   */
  exclusive?: boolean;
  /**
   * Runs once every byte is written and before put resolves; if it throws, the object is discarded
   * and put rejects with that error. On local disk it runs before the object becomes visible and
   * receives the staged file's path (so it can be probed without a second copy); on S3 it runs
   * after the upload and a rejection deletes the object.
   */
  verify?: (staged: { localPath?: string }) => Promise<void>;
}

export interface PresignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  /**
   * Headers the client must send with the request. On S3 the size and SSE headers are part of
   * the signature; Content-Type is not (the presigner never signs it): the complete step
   * decides the type from the bytes.
   */
  headers: Record<string, string>;
  expiresAt: Date;
}

/** Inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The object store: where every byte the service keeps lives (media, records, cached results),
 * on local disk or S3. Keys are relative, "/"-separated paths made by the service (never raw
 * user input). Each feature reads and writes its own records through a small repository over
 * this port and owns its part of the key layout.
 *
 * Key layout (S3 adds S3_PREFIX in front; local disk keeps them under DATA_DIR/objects/):
 *   media/<media_id>/original       the uploaded bytes
 *   media/<media_id>/record.json    the MediaRecord; its presence is what makes a media exist
 *   media/<media_id>/...            anything derived from that media (thumbnails, transcodes):
 *                                   deleting a media deletes the whole media/<media_id>/ prefix
 *   pending/<media_id>.json         a presigned upload not completed yet (swept once expired)
 *   transcriptions/                 transcription jobs, batches, cache (TranscriptionJobRepository)
 *   analyses/, cache/analysis/      image analyses, their batches and cache (AnalysisRepository)
 *   cache/attributes/               attribute extractions (AttributeCacheRepository)
 *   resumable/                      resumable (tus) upload records
 *
 * Guarantees every adapter gives:
 * - put is all-or-nothing: readers never see a partial object, and a failed or aborted body
 *   leaves nothing behind;
 * - delete is idempotent;
 * - failures of the backend itself surface as 503 STORAGE_UNAVAILABLE.
 */
export interface ObjectStore {
  readonly driver: 'local' | 's3';

  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<StoredObject>;
  /** Metadata, or null when there is no such object. */
  head(key: string): Promise<StoredObject | null>;
  /** The bytes (or one range of them), or null when there is no such object. */
  read(key: string, range?: ByteRange): Promise<Readable | null>;
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with prefix; returns how many went. */
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): AsyncIterable<StoredObject>;

  /** Small JSON documents (records, job state, cache entries), written atomically. */
  readJson<T>(key: string): Promise<T | null>;
  writeJson(key: string, value: unknown): Promise<void>;

  /** Resolves when the backend is reachable and writable enough to serve; rejects otherwise. */
  ping(): Promise<void>;

  /**
   * The record cache only: a JSON document with its serialised bytes and their ETag, made once per
   * cached copy, so a read-only answer sends them without serialising (the value is frozen).
   */
  readJsonDocument?<T>(key: string): Promise<JsonDocument<T> | null>;

  /** Local disk only: the object's own file, for engines that need a path. */
  localPathOf?(key: string): string;
  /** S3 only: a presigned PUT of exactly contentLength bytes (contentType is asked for, not signed). */
  presignPut?(
    key: string,
    options: { contentType: string; contentLength: number; expiresInSeconds: number },
  ): Promise<PresignedRequest>;
  /** S3 only: a presigned GET, optionally overriding the response's headers. */
  presignGet?(
    key: string,
    options: { expiresInSeconds: number; contentType?: string; contentDisposition?: string },
  ): Promise<PresignedRequest>;
}

/** A JSON document as served: the value (read only), its UTF-8 bytes and their weak ETag. */
export interface JsonDocument<T> {
  value: Readonly<T>;
  body: Buffer;
  etag: string;
}
