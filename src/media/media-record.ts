/** What a stored media is, as kept in media/<id>/record.json and answered by GET /media/{id}. */
export type MediaType = 'audio' | 'image';

export const AUDIO_MEDIA_FORMATS = ['mp3', 'wav', 'm4a', 'flac', 'ogg', 'webm'] as const;
export const IMAGE_MEDIA_FORMATS = ['jpeg', 'png', 'webp'] as const;
/** Canonical formats, decided from the bytes ("jpg" is spelled "jpeg" here). */
export type MediaFormat = (typeof AUDIO_MEDIA_FORMATS)[number] | (typeof IMAGE_MEDIA_FORMATS)[number];

export const CONTENT_TYPE_BY_FORMAT: Record<MediaFormat, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  webm: 'audio/webm',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

export const EXTENSION_BY_FORMAT: Record<MediaFormat, string> = {
  mp3: 'mp3',
  wav: 'wav',
  m4a: 'm4a',
  flac: 'flac',
  ogg: 'ogg',
  webm: 'webm',
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
};

export function mediaTypeOf(format: MediaFormat): MediaType {
  return (IMAGE_MEDIA_FORMATS as readonly string[]).includes(format) ? 'image' : 'audio';
}

export interface MediaRecord {
  /** UUID (v4) chosen by the service. */
  media_id: string;
  /** Who uploaded it; '' until authentication exists. */
  owner: string;
  /** The original file name, sanitised (no path, no control characters). */
  filename: string;
  /** Canonical MIME type of `format`. */
  content_type: string;
  media_type: MediaType;
  format: MediaFormat;
  /** Bytes. */
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  /** ISO 8601. */
  created_at: string;
  /** Store key of the bytes (relative to the store: media/<id>/original). */
  storage_key: string;

  // Images (sharp)
  width?: number;
  height?: number;
  /** EXIF orientation 1..8 (1 when the file has none). */
  orientation?: number;

  // Audio (music-metadata); null when the container does not say.
  /** Seconds. */
  duration?: number | null;
  sample_rate?: number | null;
  channels?: number | null;
  codec?: string | null;
}
