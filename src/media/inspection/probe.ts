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

// Real recordings run from telephone rates (8 kHz; 1 kHz leaves room) to studio rates; a header
// outside them is forged or corrupt, and its duration (bytes / rate) would be nonsense.
const MIN_SAMPLE_RATE = 1_000;
const MAX_SAMPLE_RATE = 768_000;

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
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw unreadable(
      format,
      `the header declares a ${sampleRate} Hz sample rate (from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz are accepted)`,
    );
  }
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
 * count of an MP3's Xing/Info frame, the Segment size of a WebM) tell a truncated file from a
 * short one: compare with what arrived. A FLAC declares its sample count: its last frame (found
 * in `tail`, checked by its own CRC-16) must be complete and end on that count. `head` is the
 * first bytes of the file, `tail` the last ones, `size` its full length.
 */
export function assertNotTruncated(format: MediaFormat, head: Buffer, size: number, tail?: Buffer): void {
  const declared =
    format === 'wav'
      ? wavDeclaredSize(head)
      : format === 'mp3'
        ? mp3DeclaredSize(head)
        : format === 'webm'
          ? webmDeclaredSize(head)
          : undefined;
  if (declared !== undefined && declared > size) {
    throw unreadable(format, `the file declares ${declared} bytes but has ${size} (truncated)`);
  }
  if (format === 'flac' && tail) {
    const verdict = flacEnding(head, tail, size);
    if (verdict) throw unreadable(format, verdict);
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

/** Matroska's variable-length integer at offset: its length and value (undefined when all ones). */
function ebmlVint(buffer: Buffer, offset: number, keepMarker = false): { length: number; value?: number } | undefined {
  if (offset >= buffer.length) return undefined;
  const first = buffer[offset];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length += 1;
  if (length > 8 || offset + length > buffer.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i += 1) {
    value = value * 256 + buffer[offset + i];
    allOnes &&= buffer[offset + i] === 0xff;
  }
  return { length, value: allOnes && !keepMarker ? undefined : value };
}

function webmDeclaredSize(head: Buffer): number | undefined {
  if (head.length < 4 || head.readUInt32BE(0) !== 0x1a45dfa3) return undefined;
  const headerSize = ebmlVint(head, 4);
  if (headerSize?.value === undefined) return undefined;
  const segment = 4 + headerSize.length + headerSize.value;
  const id = ebmlVint(head, segment, true);
  if (!id || id.value !== 0x18538067) return undefined;
  const segmentSize = ebmlVint(head, segment + id.length);
  if (segmentSize?.value === undefined) return undefined; // unknown size (live stream)
  return segment + id.length + segmentSize.length + segmentSize.value;
}

const CRC16_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

function crc8(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

interface FlacFrameHeader {
  firstSample: number;
  blockSize: number;
}

/** A FLAC frame header at offset (sync code, reserved bits and CRC-8 checked), or undefined. */
function flacFrameHeader(bytes: Buffer, offset: number, fixedBlockSize: number): FlacFrameHeader | undefined {
  if (offset + 6 > bytes.length || bytes[offset] !== 0xff || (bytes[offset + 1] & 0xfe) !== 0xf8) return undefined;
  const variable = bytes[offset + 1] & 1;
  const blockCode = bytes[offset + 2] >> 4;
  const rateCode = bytes[offset + 2] & 0x0f;
  if (blockCode === 0 || rateCode === 15 || bytes[offset + 3] >> 4 > 10 || bytes[offset + 3] & 1) return undefined;
  // The frame (or sample) number, UTF-8 coded.
  let position = offset + 4;
  const lead = bytes[position];
  let extra = 0;
  while (extra < 7 && lead & (0x80 >> extra)) extra += 1;
  if (extra === 1 || extra > 7) return undefined;
  let number = extra === 0 ? lead : lead & (0x7f >> extra);
  const continuation = extra === 0 ? 0 : extra - 1;
  if (position + 1 + continuation > bytes.length) return undefined;
  for (let i = 1; i <= continuation; i += 1) {
    if ((bytes[position + i] & 0xc0) !== 0x80) return undefined;
    number = number * 64 + (bytes[position + i] & 0x3f);
  }
  position += 1 + continuation;
  let blockSize: number;
  if (blockCode === 1) blockSize = 192;
  else if (blockCode <= 5) blockSize = 576 << (blockCode - 2);
  else if (blockCode === 6) blockSize = (bytes[position++] ?? 0) + 1;
  else if (blockCode === 7) {
    blockSize = ((bytes[position] ?? 0) << 8) + (bytes[position + 1] ?? 0) + 1;
    position += 2;
  } else blockSize = 256 << (blockCode - 8);
  if (rateCode === 12) position += 1;
  else if (rateCode === 13 || rateCode === 14) position += 2;
  if (position >= bytes.length || crc8(bytes.subarray(offset, position)) !== bytes[position]) return undefined;
  return { firstSample: variable ? number : number * fixedBlockSize, blockSize };
}

/** Why a FLAC file is truncated, or undefined when its last frame is whole and ends the stream. */
function flacEnding(head: Buffer, tail: Buffer, size: number): string | undefined {
  let start = 0;
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'ID3') {
    start = 10 + (((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f));
  }
  if (
    start + 42 > head.length ||
    head.toString('latin1', start, start + 4) !== 'fLaC' ||
    (head[start + 4] & 0x7f) !== 0
  ) {
    return undefined;
  }
  const info = start + 8;
  const maxBlockSize = head.readUInt16BE(info + 2);
  const maxFrameSize = head.readUIntBE(info + 7, 3);
  const totalSamples = (head[info + 13] & 0x0f) * 2 ** 32 + head.readUInt32BE(info + 14);
  if (totalSamples === 0) return undefined; // the encoder did not know the length (a stream)
  let frames = tail;
  if (frames.length >= 128 && frames.toString('latin1', frames.length - 128, frames.length - 125) === 'TAG') {
    frames = frames.subarray(0, frames.length - 128); // an ID3v1 tag after the audio
  }
  // Walk back from the end to the last frame header whose frame runs exactly to the end.
  for (let offset = frames.length - 6; offset >= 0; offset -= 1) {
    const header = flacFrameHeader(frames, offset, maxBlockSize);
    if (!header || offset + 8 > frames.length) continue;
    if (crc16(frames.subarray(offset, frames.length - 2)) !== frames.readUInt16BE(frames.length - 2)) continue;
    const lastSample = header.firstSample + header.blockSize;
    return lastSample < totalSamples
      ? `the stream declares ${totalSamples} samples but ends after ${lastSample} (truncated)`
      : undefined;
  }
  // No whole last frame in what was kept: truncated, unless frames can be larger than the tail.
  const searchedAll = tail.length >= size - start || (maxFrameSize > 0 && maxFrameSize < tail.length);
  return searchedAll ? 'the last frame is cut off (truncated)' : undefined;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]
    .slice(0, 200);
}
