import { randomUUID } from 'node:crypto';
import type { MediaRecord } from '../../src/media/media-record';

/**
 * Media records as the media service writes them, for specs that need one without uploading:
 * `mediaRecord()` is a 4.3 s mono MP3, `imageRecord()` a 640x480 JPEG; pass what the spec is
 * about as overrides (an id given in overrides also names the storage key).
 */
export function mediaRecord(overrides: Partial<MediaRecord> = {}): MediaRecord {
  const media_id = overrides.media_id ?? randomUUID();
  return {
    media_id,
    owner: '',
    filename: 'question.mp3',
    content_type: 'audio/mpeg',
    media_type: 'audio',
    format: 'mp3',
    size: 48213,
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    created_at: '2026-11-25T21:00:00.000Z',
    storage_key: `media/${media_id}/original`,
    duration: 4.3,
    sample_rate: 16000,
    channels: 1,
    codec: 'MPEG 1 Layer 3',
    ...overrides,
  };
}

export function imageRecord(overrides: Partial<MediaRecord> = {}): MediaRecord {
  return mediaRecord({
    filename: 'photo.jpg',
    content_type: 'image/jpeg',
    media_type: 'image',
    format: 'jpeg',
    size: 91234,
    duration: undefined,
    sample_rate: undefined,
    channels: undefined,
    codec: undefined,
    width: 640,
    height: 480,
    orientation: 1,
    ...overrides,
  });
}
