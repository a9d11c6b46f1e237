import { Inject, Injectable } from '@nestjs/common';
import { OBJECT_STORE, ObjectStore } from '../storage/object-store';
import type { ImageInfo } from '../image-analysis/image-analysis.types';
import type { AttributeExtraction } from './attribute.types';

export const attributeKeys = {
  cache: (sha256: string, optionsHash: string) => `cache/attributes/${sha256}/${optionsHash}.json`,
};

export interface AttributeCacheEntry {
  extraction: AttributeExtraction;
  analysis_id: string;
  /** Who made the entry: its analysis_id is only shown to them. */
  owner?: string;
  /** The media that held these bytes when the entry was made. */
  media_id?: string;
  provider: string;
  image: ImageInfo;
  created_at: string;
}

/** Extracted attributes by image hash and options, in the object store so every replica shares them. */
@Injectable()
export class AttributeCacheRepository {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  /** `sha256` is the image's hash with its cache namespace in front (CallerContext.cacheNamespace). */
  get(sha256: string, optionsHash: string): Promise<AttributeCacheEntry | null> {
    return this.store.readJson<AttributeCacheEntry>(attributeKeys.cache(sha256, optionsHash));
  }

  save(sha256: string, optionsHash: string, entry: AttributeCacheEntry): Promise<void> {
    return this.store.writeJson(attributeKeys.cache(sha256, optionsHash), entry);
  }
}
