import type { AppException } from '../../common/errors/app.exception';
import type { MediaRecord } from '../media-record';

/**
 * One media of a request, as the MediaUpload intake hands it to a handler: stored (a multipart
 * file streamed into the store, base64 bytes stored) or referenced (`media_id`), or, in a batch,
 * refused on its own.
 */
export interface IncomingItem<O = unknown> {
  /** 0-based position in the request. */
  index: number;
  /** The client's file name, when it gave one. */
  filename?: string;
  media?: MediaRecord;
  /** Stored for this request (so it is this request's to delete if the work fails). */
  ingested: boolean;
  /** Batch only: why this item was refused (the others go on). */
  error?: AppException;
  /** JSON batch items: the options set on the item itself (they override the shared ones). */
  options?: Partial<O>;
}

/** A single-media request: the media and the options, validated once. */
export interface MediaInput<O = Record<string, never>> {
  media: MediaRecord;
  ingested: boolean;
  options: O;
}

/** A batch request (`files` / `items`): every item, each stored, referenced or refused. */
export interface MediaBatchInput<O = Record<string, never>> {
  items: IncomingItem<O>[];
  options: O;
}
