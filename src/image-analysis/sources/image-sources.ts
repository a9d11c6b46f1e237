import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { MediaRecord } from '../../media/media-record';
import { MediaService } from '../../media/media.service';
import type { ImageSource } from '../image-analysis.service';

/**
 * A stored image as an ImageSource (its bytes opened lazily, and what to keep or delete of it),
 * shared by every image endpoint (/analyze-image and its batches, /extract-attributes). The
 * MediaUpload intake has already stored it (multipart, base64) or found it (media_id); its hash
 * is known, so a cache hit decodes nothing.
 */
@Injectable()
export class ImageSources {
  constructor(private readonly media: MediaService) {}

  /**
   * `ingested`: stored for this request. When the cache already knows these bytes from a media
   * still held by the same owner, that one serves and the copy just stored is deleted (no
   * duplicates); when the analysis fails, the copy is deleted.
   */
  sourceOf(record: MediaRecord, ingested: boolean): ImageSource {
    const bytes = async () => readAll(await this.media.openStream(record));
    if (!ingested) return { sha256: record.sha256, media_id: record.media_id, owner: record.owner, bytes };
    return {
      sha256: record.sha256,
      bytes,
      persist: async (existingMediaId) => {
        if (!existingMediaId || existingMediaId === record.media_id) return record;
        const existing = await this.media.get(existingMediaId, record.owner).catch(() => undefined);
        if (!existing || existing.sha256 !== record.sha256) return record;
        try {
          await this.media.delete(record.media_id, record.owner);
        } catch {
          return record;
        }
        return existing;
      },
      discard: (mediaId) => this.media.delete(mediaId, record.owner),
    };
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
