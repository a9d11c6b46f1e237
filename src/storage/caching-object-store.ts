import { LRUCache } from 'lru-cache';
import type { Readable } from 'node:stream';
import { jsonDocument } from './json-document';
import type { ByteRange, JsonDocument, ObjectStore, PutOptions, StoredObject } from './object-store';

export interface RecordCacheOptions {
  /** Most documents kept. */
  maxEntries: number;
  /** Most bytes of serialised JSON kept. */
  maxBytes: number;
  /**
   * How long a document is served without asking the store again. It bounds how long a delete
   * made by another replica can go unseen here; this replica's own writes and deletes apply at once.
   */
  ttlMs: number;
  /** Only documents that are written once and never changed in place may be cached. */
  cacheable: (key: string) => boolean;
}

/**
 * The ObjectStore with an in-memory cache in front of readJson for write-once documents (media
 * records, analyses, result caches): a hit answers without touching the store. The cache keeps
 * the serialised text and parses it on every hit, so no caller can change what another one reads;
 * readJsonDocument gives read-only answers the bytes, their ETag and a frozen value, made once per
 * cached copy.
 * Every other call goes straight through; writes and deletes through this replica update or
 * drop the cached copy before they return.
 */
export class CachingObjectStore implements ObjectStore {
  private readonly documents: LRUCache<string, string>;
  /** The served form of cached documents, dropped with them (same keys, same lifetime). */
  private readonly served = new Map<string, { text: string; document: JsonDocument<unknown> }>();
  /** Bumped by every write or delete of a cacheable key, so a read that raced one is not cached. */
  private mutations = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly options: RecordCacheOptions,
  ) {
    this.documents = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (text) => Math.max(1, text.length),
      ttl: options.ttlMs,
      dispose: (_text, key) => this.served.delete(key),
    });
    // Optional members are copied only when the adapter has them, so feature checks keep working.
    if (inner.localPathOf) this.localPathOf = (key) => inner.localPathOf!(key);
    if (inner.presignPut) this.presignPut = (key, opts) => inner.presignPut!(key, opts);
    if (inner.presignGet) this.presignGet = (key, opts) => inner.presignGet!(key, opts);
  }

  get driver(): ObjectStore['driver'] {
    return this.inner.driver;
  }

  localPathOf?: ObjectStore['localPathOf'];
  presignPut?: ObjectStore['presignPut'];
  presignGet?: ObjectStore['presignGet'];

  async readJson<T>(key: string): Promise<T | null> {
    if (!this.options.cacheable(key)) return this.inner.readJson<T>(key);
    const cached = this.documents.get(key);
    if (cached !== undefined) return JSON.parse(cached) as T;
    const seen = this.mutations;
    const value = await this.inner.readJson<T>(key);
    // A missing document is not remembered: another replica may create it the next moment.
    if (value !== null && seen === this.mutations) this.remember(key, value);
    return value;
  }

  async readJsonDocument<T>(key: string): Promise<JsonDocument<T> | null> {
    if (!this.options.cacheable(key)) {
      const value = await this.inner.readJson<T>(key);
      return value === null ? null : jsonDocument(value);
    }
    let text = this.documents.get(key);
    if (text === undefined) {
      const value = await this.readJson<T>(key);
      if (value === null) return null;
      text = this.documents.get(key);
      // Changed while it was read, or too big to keep: served once.
      if (text === undefined) return jsonDocument(value);
    }
    const served = this.served.get(key);
    if (served?.text === text) return served.document as JsonDocument<T>;
    const document = jsonDocument(deepFreeze(JSON.parse(text) as T), Buffer.from(text));
    this.served.set(key, { text, document });
    return document;
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    if (!this.options.cacheable(key)) return this.inner.writeJson(key, value);
    this.forget(key);
    await this.inner.writeJson(key, value);
    this.forget(key);
    this.remember(key, value);
  }

  async put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<StoredObject> {
    if (this.options.cacheable(key)) this.forget(key);
    return this.inner.put(key, body, options);
  }

  head(key: string): Promise<StoredObject | null> {
    return this.inner.head(key);
  }

  read(key: string, range?: ByteRange): Promise<Readable | null> {
    return this.inner.read(key, range);
  }

  async delete(key: string): Promise<void> {
    this.forget(key);
    await this.inner.delete(key);
    this.forget(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.forgetPrefix(prefix);
    const deleted = await this.inner.deletePrefix(prefix);
    this.forgetPrefix(prefix);
    return deleted;
  }

  list(prefix: string): AsyncIterable<StoredObject> {
    return this.inner.list(prefix);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  private remember(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (text.length <= this.options.maxBytes) this.documents.set(key, text);
  }

  private forget(key: string): void {
    this.mutations++;
    this.documents.delete(key);
  }

  private forgetPrefix(prefix: string): void {
    this.mutations++;
    for (const key of this.documents.keys()) if (key.startsWith(prefix)) this.documents.delete(key);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
