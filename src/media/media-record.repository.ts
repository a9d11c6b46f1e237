import { Inject, Injectable } from '@nestjs/common';
import { jsonDocument } from '../storage/json-document';
import { JsonDocument, OBJECT_STORE, ObjectStore } from '../storage/object-store';
import type { MediaRecord } from './media-record';

/** Where a media lives in the object store (see ObjectStore for the whole key layout). */
export const mediaKeys = {
  prefix: (id: string) => `media/${id}/`,
  original: (id: string) => `media/${id}/original`,
  record: (id: string) => `media/${id}/record.json`,
  pendingPrefix: 'pending/',
  pending: (id: string) => `pending/${id}.json`,
};

/** What every pending upload record holds, whichever flow wrote it. */
export interface PendingRecord {
  media_id: string;
  owner: string;
  expires_at: string;
}

/**
 * The media feature's records in the object store: a media record (its presence is what makes a
 * media exist) and a presigned upload waiting for its bytes. The bytes themselves are objects
 * the media service reads and writes under mediaKeys.original.
 */
@Injectable()
export class MediaRecordRepository {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  get(id: string): Promise<MediaRecord | null> {
    return this.store.readJson<MediaRecord>(mediaKeys.record(id));
  }

  /** The record as served (bytes + ETag), from the record cache when there is one. */
  async getDocument(id: string): Promise<JsonDocument<MediaRecord> | null> {
    const key = mediaKeys.record(id);
    if (this.store.readJsonDocument) return this.store.readJsonDocument<MediaRecord>(key);
    const record = await this.store.readJson<MediaRecord>(key);
    return record ? jsonDocument(record) : null;
  }

  save(record: MediaRecord): Promise<void> {
    return this.store.writeJson(mediaKeys.record(record.media_id), record);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.store.head(mediaKeys.record(id))) !== null;
  }

  /** The record only: the media stops existing for readers (its objects go with deleteObjects). */
  delete(id: string): Promise<void> {
    return this.store.delete(mediaKeys.record(id));
  }

  /** Everything stored under media/<id>/ (bytes, record, derived objects). */
  deleteObjects(id: string): Promise<number> {
    return this.store.deletePrefix(mediaKeys.prefix(id));
  }

  getPending<T extends PendingRecord>(id: string): Promise<T | null> {
    return this.store.readJson<T>(mediaKeys.pending(id));
  }

  savePending(pending: PendingRecord): Promise<void> {
    return this.store.writeJson(mediaKeys.pending(pending.media_id), pending);
  }

  deletePending(id: string): Promise<void> {
    return this.store.delete(mediaKeys.pending(id));
  }

  /** Every pending upload record (for the sweep of expired ones). */
  async *pending<T extends PendingRecord>(): AsyncIterable<T> {
    for await (const object of this.store.list(mediaKeys.pendingPrefix)) {
      const pending = await this.store.readJson<T>(object.key);
      if (pending) yield pending;
    }
  }
}
