import * as mm from 'music-metadata';
import sharp, { Metadata } from 'sharp';
import type { Readable } from 'node:stream';
import { HttpStatus } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { CONTENT_TYPE_BY_FORMAT, MediaFormat } from '../media-record';

export interface ImageProbe {
  width: number;
  height: number;
  orientation: number;
}

export interface AudioProbe {
  duration: number | null;
  sample_rate: number | null;
  channels: number | null;
  codec: string | null;
}

export function unreadable(format: MediaFormat, reason: string): AppException {
  return new AppException(
    ErrorCode.INVALID_FILE,
    `The file looks like ${format} but cannot be read as one: ${reason}`,
    HttpStatus.UNPROCESSABLE_ENTITY,
    { format, reason },
  );
}

/**
 * Reads the header (dimensions, orientation) and then decodes the whole image at a small scale,
 * so a truncated or corrupt file is refused. The pixel limit is checked on the header, before
 * any decoding, against decompression bombs.
 */
export async function probeImage(path: string, format: MediaFormat, maxPixels: number): Promise<ImageProbe> {
  let metadata: Metadata;
  try {
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw unreadable(format, firstLine(error));
  }
  const { width, height } = metadata;
  if (!width || !height) throw unreadable(format, 'no dimensions in the header');
  if (metadata.format !== format) throw unreadable(format, `the image decodes as ${metadata.format}`);
  if (width * height > maxPixels) {
    throw new AppException(
      ErrorCode.INVALID_FILE,
      `The image is ${width}x${height} pixels; at most ${maxPixels} pixels are accepted`,
      HttpStatus.UNPROCESSABLE_ENTITY,
      { format, width, height, max_pixels: maxPixels, reason: 'too many pixels' },
    );
  }
  try {
    await sharp(path, { failOn: 'truncated', limitInputPixels: maxPixels, sequentialRead: true })
      .resize(64, 64, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw unreadable(format, firstLine(error));
  }
  return { width, height, orientation: metadata.orientation ?? 1 };
}

const CONTAINER_BY_FORMAT: Record<string, RegExp> = {
  mp3: /^MPEG$/i,
  wav: /^WAVE$/i,
  m4a: /^(M4A|mp4|isom|M4B|mp42|dash)/i,
  flac: /^FLAC$/i,
  ogg: /^Ogg$/i,
  webm: /webm/i,
};

/** Parses an audio file (path) or stream with music-metadata and refuses what is not playable audio. */
export async function probeAudio(
  source: { path: string } | { stream: Readable; size?: number } | { head: Buffer; size: number },
  format: MediaFormat,
): Promise<AudioProbe> {
  const options: mm.IOptions = { duration: true, skipCovers: true };
  let metadata: mm.IAudioMetadata;
  try {
    const fileInfo = { mimeType: CONTENT_TYPE_BY_FORMAT[format], size: 'path' in source ? undefined : source.size };
    metadata =
      'path' in source
        ? await mm.parseFile(source.path, options)
        : 'head' in source
          ? await mm.parseBuffer(source.head, fileInfo, options)
          : await mm.parseStream(source.stream, fileInfo, options);
  } catch (error) {
    throw unreadable(format, firstLine(error));
  }
  const { container, codec, sampleRate, numberOfChannels, duration } = metadata.format;
  const expected = CONTAINER_BY_FORMAT[format];
  if (!container || (expected && !expected.test(container))) {
    throw unreadable(format, `the container reads as ${container ?? 'nothing'}`);
  }
  if (!sampleRate || !codec) throw unreadable(format, 'no audio stream found');
  if (metadata.quality.warnings.some((warning) => /last-page flag/.test(warning.message))) {
    throw unreadable(format, 'the stream ends before its last page (truncated)');
  }
  return {
    duration: duration === undefined || !Number.isFinite(duration) ? null : Math.round(duration * 1000) / 1000,
    sample_rate: sampleRate ?? null,
    channels: numberOfChannels ?? null,
    codec: codec ?? null,
  };
}

/**
 * Containers that declare their own length (the RIFF and data chunk sizes of a WAV, the byte
 * count of an MP3's Xing/Info frame) tell a truncated file from a short one: compare with what
 * arrived. `head` is the first bytes of the file, `size` its full length.
 */
export function assertNotTruncated(format: MediaFormat, head: Buffer, size: number): void {
  const declared = format === 'wav' ? wavDeclaredSize(head) : format === 'mp3' ? mp3DeclaredSize(head) : undefined;
  if (declared !== undefined && declared > size) {
    throw unreadable(format, `the file declares ${declared} bytes but has ${size} (truncated)`);
  }
}

const UNKNOWN_LENGTHS = new Set([0, 0xffffffff]);

function wavDeclaredSize(head: Buffer): number | undefined {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    return undefined;
  }
  const riff = head.readUInt32LE(4);
  let declared = UNKNOWN_LENGTHS.has(riff) ? undefined : riff + 8;
  let offset = 12;
  while (offset + 8 <= head.length) {
    const id = head.toString('latin1', offset, offset + 4);
    const length = head.readUInt32LE(offset + 4);
    if (id === 'data') {
      if (!UNKNOWN_LENGTHS.has(length)) declared = Math.max(declared ?? 0, offset + 8 + length);
      break;
    }
    offset += 8 + length + (length % 2);
  }
  return declared;
}

function mp3DeclaredSize(head: Buffer): number | undefined {
  let offset = 0;
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'ID3') {
    const tagSize = ((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f);
    offset = 10 + tagSize + (head[5] & 0x10 ? 10 : 0);
  }
  const start = offset;
  if (offset + 4 > head.length || head[offset] !== 0xff || (head[offset + 1] & 0xe0) !== 0xe0) return undefined;
  const version = (head[offset + 1] >> 3) & 3; // 3 = MPEG-1
  const mono = ((head[offset + 3] >> 6) & 3) === 3;
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const tag = offset + 4 + sideInfo;
  if (tag + 16 > head.length) return undefined;
  const id = head.toString('latin1', tag, tag + 4);
  if (id !== 'Xing' && id !== 'Info') return undefined;
  const flags = head.readUInt32BE(tag + 4);
  if (!(flags & 2)) return undefined;
  const bytes = head.readUInt32BE(tag + 8 + (flags & 1 ? 4 : 0));
  return bytes > 0 ? start + bytes : undefined;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]
    .slice(0, 200);
}
