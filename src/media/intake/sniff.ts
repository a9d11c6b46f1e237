import * as FileType from 'file-type';
import { MediaFormat } from '../media-record';

/** Bytes file-type needs to decide (its own minimum). */
export const SNIFF_BYTES = 4100;

export interface SniffResult {
  /** Our canonical format, when the bytes are one we know. */
  format?: MediaFormat;
  /** What the bytes are, in file-type's words ("zip", "exe", "mp4") or "unknown". */
  received: string;
}

const CANONICAL: Record<string, MediaFormat> = {
  mp3: 'mp3',
  wav: 'wav',
  m4a: 'm4a',
  flac: 'flac',
  ogg: 'ogg',
  opus: 'ogg',
  oga: 'ogg',
  spx: 'ogg',
  webm: 'webm',
  jpg: 'jpeg',
  png: 'png',
  webp: 'webp',
};

/** Decides the format from the first bytes (magic numbers), never from a name or a header. */
export async function sniffFormat(head: Buffer): Promise<SniffResult> {
  const detected = await FileType.fromBuffer(head);
  if (!detected) return { received: 'unknown' };
  return { format: CANONICAL[detected.ext], received: detected.ext };
}
