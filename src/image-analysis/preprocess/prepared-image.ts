import { HttpStatus } from '@nestjs/common';
import { createHash } from 'node:crypto';
import sharp, { Metadata } from 'sharp';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

/** Raw, tightly packed 8-bit sRGB pixels. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * An image decoded once per request: the original bytes and their hash, the EXIF-oriented size,
 * and one working copy of the pixels (oriented, alpha flattened on white, sRGB, 8 bits, longest
 * side capped) that every analysis type derives its own input from.
 */
export interface PreparedImage {
  bytes: Buffer;
  sha256: string;
  /** As sharp names it: jpeg, png, webp, ... */
  format: string;
  /** Oriented size (EXIF orientation 5..8 swaps the stored width and height). */
  width: number;
  height: number;
  orientation: number;
  pages: number;
  working: RgbImage;
}

export interface PrepareOptions {
  /** Refuse images with more pixels than this (decompression bombs) before decoding them. */
  maxPixels: number;
  /** Longest side of the shared working copy. */
  workingMaxSide: number;
  /** Formats accepted, as sharp names them (jpeg, png, webp). */
  allowedFormats: string[];
}

/** Turns "jpg" into sharp's "jpeg" and drops duplicates. */
export function sharpFormats(formats: string[]): string[] {
  return [...new Set(formats.map((f) => (f === 'jpg' ? 'jpeg' : f)))];
}

function invalid(message: string, details: Record<string, unknown> = {}): AppException {
  return new AppException(ErrorCode.INVALID_FILE, message, HttpStatus.BAD_REQUEST, details);
}

/**
 * Validates and decodes an image, with the storage intake's statuses: empty -> 400 INVALID_FILE,
 * non-image or unsupported format -> 415 INVALID_FILE_FORMAT, corrupt/truncated or more pixels than
 * allowed (checked on the header, before any decoding) -> 422 INVALID_FILE.
 */
export async function prepareImage(bytes: Buffer, options: PrepareOptions): Promise<PreparedImage> {
  if (bytes.length === 0) throw invalid('The image is empty (0 bytes)');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new AppException(
      ErrorCode.INVALID_FILE_FORMAT,
      `Not a supported image. Supported formats: ${options.allowedFormats.join(', ')}`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      { supported_formats: options.allowedFormats },
    );
  }
  const format = meta.format ?? 'unknown';
  if (!options.allowedFormats.includes(format)) {
    throw new AppException(
      ErrorCode.INVALID_FILE_FORMAT,
      `Unsupported image format ${format}. Supported formats: ${options.allowedFormats.join(', ')}`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      { received_format: format, supported_formats: options.allowedFormats },
    );
  }
  const storedWidth = meta.width ?? 0;
  const storedHeight = meta.pageHeight ?? meta.height ?? 0;
  if (storedWidth < 1 || storedHeight < 1) {
    throw new AppException(
      ErrorCode.INVALID_FILE,
      'The image header gives no dimensions',
      HttpStatus.UNPROCESSABLE_ENTITY,
      {
        format,
        reason: 'no dimensions in the header',
      },
    );
  }
  const pixels = storedWidth * storedHeight;
  if (pixels > options.maxPixels) {
    throw new AppException(
      ErrorCode.INVALID_FILE,
      `The image is ${storedWidth}x${storedHeight} pixels; at most ${options.maxPixels} pixels are accepted`,
      HttpStatus.UNPROCESSABLE_ENTITY,
      { format, width: storedWidth, height: storedHeight, max_pixels: options.maxPixels, reason: 'too many pixels' },
    );
  }
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  const width = swap ? storedHeight : storedWidth;
  const height = swap ? storedWidth : storedHeight;

  let working: RgbImage;
  try {
    // failOn 'error': a truncated or corrupt file fails here instead of yielding grey pixels.
    // Animated images: the first frame only (sharp reads page 0 by default).
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: options.maxPixels })
      .rotate()
      .resize({
        width: options.workingMaxSide,
        height: options.workingMaxSide,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    working = { data, width: info.width, height: info.height };
  } catch (error) {
    throw new AppException(
      ErrorCode.INVALID_FILE,
      `The file looks like ${format} but cannot be decoded (corrupt or truncated)`,
      HttpStatus.UNPROCESSABLE_ENTITY,
      { format, reason: String((error as Error).message).split('\n')[0] },
    );
  }
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format,
    width,
    height,
    orientation,
    pages: meta.pages ?? 1,
    working,
  };
}

/** The working copy resized so its longest side is at most maxSide (never enlarged). */
export async function rgbAtMostSide(image: PreparedImage, maxSide: number): Promise<RgbImage> {
  const { working } = image;
  if (Math.max(working.width, working.height) <= maxSide) return working;
  const { data, info } = await sharp(working.data, {
    raw: { width: working.width, height: working.height, channels: 3 },
  })
    .resize({ width: maxSide, height: maxSide, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Encodes the working copy (or a resized one) as PNG/JPEG. */
export function encodeWorking(
  image: PreparedImage,
  format: 'png' | 'jpeg',
  options: { maxSide?: number; quality?: number; grayscale?: boolean; scale?: number } = {},
): Promise<Buffer> {
  const { working } = image;
  let pipeline = sharp(working.data, { raw: { width: working.width, height: working.height, channels: 3 } });
  if (options.scale && options.scale !== 1) {
    pipeline = pipeline.resize(
      Math.max(1, Math.round(working.width * options.scale)),
      Math.max(1, Math.round(working.height * options.scale)),
      { kernel: 'lanczos3' },
    );
  } else if (options.maxSide) {
    pipeline = pipeline.resize({
      width: options.maxSide,
      height: options.maxSide,
      fit: 'inside',
      withoutEnlargement: true,
    });
  }
  if (options.grayscale) pipeline = pipeline.grayscale();
  return format === 'png'
    ? pipeline.png({ compressionLevel: 1 }).toBuffer()
    : pipeline.jpeg({ quality: options.quality ?? 90, mozjpeg: false }).toBuffer();
}
