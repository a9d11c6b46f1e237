import type { Readable } from 'node:stream';

/** Injection token of the MediaStore port; STORAGE_DRIVER picks the adapter behind it. */
export const MEDIA_STORE = Symbol('MEDIA_STORE');

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
}

/** Inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where every byte the service keeps lives: media, job records, cached results.
 * Keys are relative, "/"-separated paths made by the service (never raw user input).
 *
 * Guarantees every adapter gives:
 * - put is all-or-nothing: readers never see a partial object, and a failed or aborted body
 *   leaves nothing behind;
 * - delete is idempotent;
 * - failures of the backend itself surface as 503 STORAGE_UNAVAILABLE.
 */
export interface MediaStore {
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
}
