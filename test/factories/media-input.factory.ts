import type { MediaRecord } from '../../src/media/media-record';
import type { IncomingItem, MediaBatchInput, MediaInput } from '../../src/media/upload/media-input';
import { mediaRecord } from './media-record.factory';

/** What the MediaUpload intake hands a handler for one media (stored by the request unless told). */
export function mediaInput<O extends object>(
  options: O,
  media: MediaRecord = mediaRecord(),
  ingested = true,
): MediaInput<O> {
  return { media, ingested, options };
}

/** A batch as the intake hands it: the items (stored, referenced or refused) and the shared options. */
export function mediaBatchInput<O extends object>(
  options: O,
  items: Array<Partial<IncomingItem<O>>>,
): MediaBatchInput<O> {
  return {
    options,
    items: items.map((item, index) => ({ index, ingested: item.media !== undefined, ...item })),
  };
}
