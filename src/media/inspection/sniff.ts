import * as FileType from 'file-type';
import { MediaFormat } from '../media-record';

/** Bytes file-type needs to decide (its own minimum). */
export const SNIFF_BYTES = 4100;

export interface SniffResult {
  /** Our canonical format, when the bytes are one we know. */
  format?: MediaFormat;
  /** What the bytes are, in file-type's words ("zip", "exe", "mp4") or "unknown". */
  received: string;
  /** The bytes end inside a header file-type was reading (a few bytes of Ogg, EBML, PNG...). */
  truncated?: boolean;
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
  let detected: Awaited<ReturnType<typeof FileType.fromBuffer>>;
  try {
    detected = await FileType.fromBuffer(head);
  } catch (error) {
    // file-type throws End-Of-Stream when a magic number matches but the header it starts
    // cannot be read to its end: a verdict on the bytes, not a fault.
    if ((error as Error)?.message === 'End-Of-Stream') return { received: 'unknown', truncated: true };
    throw error;
  }
  if (!detected) return { received: 'unknown' };
  return { format: CANONICAL[detected.ext], received: detected.ext };
}
