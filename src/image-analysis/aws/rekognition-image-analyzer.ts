import {
  BoundingBox as AwsBoundingBox,
  DetectFacesCommand,
  DetectFacesCommandOutput,
  DetectLabelsCommand,
  DetectLabelsCommandOutput,
  DetectModerationLabelsCommand,
  DetectModerationLabelsCommandOutput,
  DetectTextCommand,
  DetectTextCommandOutput,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { HttpStatus } from '@nestjs/common';
import sharp from 'sharp';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import type { ReadinessReport } from '../../health/readiness.registry';
import type { ImageAnalyzer } from '../image-analyzer';
import type {
  AnalysisOptions,
  AnalysisType,
  AnalyzerOutput,
  BoundingBox,
  TextDetection,
} from '../image-analysis.types';
import { clampBox } from '../../common/geometry/bounding-box';
import type { PreparedImage } from '../preprocess/prepared-image';

/** Rekognition's limits for images sent as bytes. */
export const REKOGNITION_LIMITS = {
  maxBytes: 5 * 1024 * 1024,
  maxSide: 10_000,
  minSide: 80,
  formats: ['jpeg', 'png'],
  /** DetectText returns at most this many words. */
  maxWords: 100,
};

const pct = (value: number | undefined) => Math.round((value ?? 0) * 100) / 10000; // 0-100 -> 0..1, 4 digits
const box = (b: AwsBoundingBox | undefined): BoundingBox =>
  clampBox({ left: b?.Left ?? 0, top: b?.Top ?? 0, width: b?.Width ?? 0, height: b?.Height ?? 0 });

function unfit(image: PreparedImage, reason: string): AppException {
  return new AppException(
    ErrorCode.INVALID_FILE,
    `Rekognition cannot take this ${image.width}x${image.height} image: ${reason}`,
    HttpStatus.UNPROCESSABLE_ENTITY,
    { provider: 'aws', width: image.width, height: image.height, reason },
  );
}

/** The original, EXIF-oriented, scaled and encoded as JPEG (flattened on white). */
function encodeOriginal(image: PreparedImage, scale: number, quality: number): Promise<Buffer> {
  return sharp(image.bytes, { limitInputPixels: false })
    .rotate()
    .resize(Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)), {
      fit: 'fill',
    })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
}

/**
 * The bytes Rekognition gets: the original when it already fits (JPEG or PNG, no EXIF rotation,
 * <= 5 MB, 80 to 10,000 px a side); otherwise the largest JPEG of the oriented original that
 * fits: webp and rotated images converted at full size, big ones downscaled just enough, tiny
 * ones upscaled to 80 px. Never from the working copy (2048 px), which costs DetectText on small
 * print. 422 when no size fits (a side would fall under 80 px).
 */
export async function rekognitionBytes(
  image: PreparedImage,
): Promise<{ bytes: Buffer; converted: boolean; scale: number }> {
  const { maxBytes, maxSide, minSide, formats } = REKOGNITION_LIMITS;
  const short = Math.min(image.width, image.height);
  const long = Math.max(image.width, image.height);
  const fits =
    formats.includes(image.format) &&
    image.orientation === 1 &&
    image.pages === 1 &&
    image.bytes.length <= maxBytes &&
    long <= maxSide &&
    short >= minSide;
  if (fits) return { bytes: image.bytes, converted: false, scale: 1 };
  const smallest = minSide / short;
  const largest = maxSide / long;
  if (smallest > largest) {
    throw unfit(image, `its sides cannot both be within ${minSide} and ${maxSide} px`);
  }
  let scale = Math.min(largest, Math.max(smallest, 1));
  let quality = 90;
  for (;;) {
    const bytes = await encodeOriginal(image, scale, quality);
    if (bytes.length <= maxBytes) return { bytes, converted: true, scale };
    // Bytes grow about with the pixel count: aim a little under the limit.
    const next = scale * Math.min(0.9, Math.max(0.5, Math.sqrt(maxBytes / bytes.length) * 0.95));
    if (next >= smallest) scale = next;
    else if (scale > smallest) scale = smallest;
    else if (quality > 45) quality -= 15;
    else throw unfit(image, `it does not fit in 5 MB without a side under ${minSide} px`);
  }
}

/**
 * Rekognition: DetectLabels (labels with parents; instances become objects), DetectText (lines
 * and words with geometry), DetectFaces (ALL attributes: age range, emotions) and
 * DetectModerationLabels, called in parallel for the asked types only.
 */
export class RekognitionImageAnalyzer implements ImageAnalyzer {
  readonly provider = 'aws' as const;
  readonly version = 'rekognition/v1';

  constructor(
    private readonly client: RekognitionClient,
    readonly defaultMinConfidence: number,
  ) {}

  readiness(): ReadinessReport {
    return { ready: true, provider: this.provider, models: ['aws-rekognition'] };
  }

  async analyze(image: PreparedImage, options: AnalysisOptions): Promise<AnalyzerOutput> {
    const types = new Set(options.types);
    const { bytes, converted } = await rekognitionBytes(image);
    const Image = { Bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    const minConfidence = options.minConfidence * 100;
    const wantsLabels = types.has('labels') || types.has('objects');
    // Each call is billed on its own: keep what succeeded when one fails, and say which failed.
    const settled = await Promise.allSettled([
      wantsLabels
        ? this.client.send(
            new DetectLabelsCommand({
              Image,
              MaxLabels: Math.max(options.maxLabels, types.has('objects') ? 50 : 0),
              MinConfidence: minConfidence,
            }),
          )
        : undefined,
      types.has('text') ? this.client.send(new DetectTextCommand({ Image })) : undefined,
      types.has('faces') ? this.client.send(new DetectFacesCommand({ Image, Attributes: ['ALL'] })) : undefined,
      types.has('moderation')
        ? this.client.send(new DetectModerationLabelsCommand({ Image, MinConfidence: minConfidence }))
        : undefined,
    ]);
    const callTypes: AnalysisType[][] = [
      (['labels', 'objects'] as AnalysisType[]).filter((type) => types.has(type)),
      ['text'],
      ['faces'],
      ['moderation'],
    ];
    const failures = settled.flatMap((outcome, index) =>
      outcome.status === 'rejected' ? [{ types: callTypes[index], error: outcome.reason as unknown }] : [],
    );
    const asked = settled.filter((_, index) => callTypes[index].some((type) => types.has(type))).length;
    if (failures.length && failures.length === asked) throw translateRekognitionError(failures[0].error);
    const value = <T>(index: number) =>
      settled[index].status === 'fulfilled' ? (settled[index] as PromiseFulfilledResult<T>).value : undefined;
    const labels = value<DetectLabelsCommandOutput | undefined>(0);
    const text = value<DetectTextCommandOutput | undefined>(1);
    const faces = value<DetectFacesCommandOutput | undefined>(2);
    const moderation = value<DetectModerationLabelsCommandOutput | undefined>(3);
    const failed = new Set(failures.flatMap((failure) => failure.types));
    const warnings: string[] = [];
    const out: AnalyzerOutput = { details: { converted_for_provider: converted } };
    if (failures.length) {
      Object.assign(out.details as Record<string, unknown>, {
        failed_types: [...failed],
        errors: failures.map((failure) => {
          const translated = translateRekognitionError(failure.error);
          return { types: failure.types, code: translated.code, aws_error: translated.details.aws_error };
        }),
      });
    }
    if (types.has('labels') && !failed.has('labels')) {
      out.labels = (labels?.Labels ?? []).slice(0, options.maxLabels).map((label) => ({
        name: label.Name ?? '',
        confidence: pct(label.Confidence),
        parents: (label.Parents ?? []).map((p) => p.Name ?? '').filter(Boolean),
      }));
    }
    if (types.has('objects') && !failed.has('objects')) {
      out.objects = (labels?.Labels ?? []).flatMap((label) =>
        (label.Instances ?? [])
          .filter((instance) => (instance.Confidence ?? 0) >= minConfidence)
          .map((instance) => ({
            name: label.Name ?? '',
            confidence: pct(instance.Confidence),
            bounding_box: box(instance.BoundingBox),
          })),
      );
    }
    if (types.has('text') && !failed.has('text')) {
      const detections = (text?.TextDetections ?? []).filter((d) => (d.Confidence ?? 0) >= minConfidence);
      const lines = detections.filter((d) => d.Type === 'LINE');
      const lineIndexById = new Map<number, number>();
      const result: TextDetection[] = [];
      for (const line of lines) {
        lineIndexById.set(line.Id ?? -1, result.length);
        result.push({
          text: line.DetectedText ?? '',
          confidence: pct(line.Confidence),
          bounding_box: box(line.Geometry?.BoundingBox),
          type: 'line',
        });
      }
      for (const word of detections.filter((d) => d.Type === 'WORD')) {
        const parent = lineIndexById.get(word.ParentId ?? -1);
        result.push({
          text: word.DetectedText ?? '',
          confidence: pct(word.Confidence),
          bounding_box: box(word.Geometry?.BoundingBox),
          type: 'word',
          ...(parent === undefined ? {} : { parent_index: parent }),
        });
      }
      out.text_detections = result;
      const words = (text?.TextDetections ?? []).filter((d) => d.Type === 'WORD').length;
      if (words >= REKOGNITION_LIMITS.maxWords) {
        warnings.push(
          `DetectText returns at most ${REKOGNITION_LIMITS.maxWords} words: the image may hold more text than listed`,
        );
      }
    }
    if (types.has('faces') && !failed.has('faces')) {
      out.faces = (faces?.FaceDetails ?? [])
        .filter((face) => (face.Confidence ?? 0) >= minConfidence)
        .map((face) => ({
          confidence: pct(face.Confidence),
          bounding_box: box(face.BoundingBox),
          ...(face.AgeRange ? { age_range: { low: face.AgeRange.Low ?? 0, high: face.AgeRange.High ?? 0 } } : {}),
          ...(face.Emotions
            ? {
                emotions: face.Emotions.map((e) => ({ type: String(e.Type), confidence: pct(e.Confidence) })).sort(
                  (a, b) => b.confidence - a.confidence,
                ),
              }
            : {}),
        }));
    }
    if (types.has('moderation') && !failed.has('moderation')) {
      out.moderation_labels = (moderation?.ModerationLabels ?? []).map((label) => ({
        name: label.Name ?? '',
        parent: label.ParentName ?? '',
        confidence: pct(label.Confidence),
        ...(label.TaxonomyLevel ? { taxonomy_level: label.TaxonomyLevel } : {}),
      }));
    }
    if (warnings.length) (out.details as Record<string, unknown>).warnings = warnings;
    return out;
  }
}

/** Image complaints become 4xx for the caller; throttling 503; anything else 502 PROVIDER_ERROR. */
export function translateRekognitionError(error: unknown): AppException {
  if (error instanceof AppException) return error;
  const name = (error as { name?: string })?.name ?? 'Error';
  const details = { provider: 'aws', aws_error: name };
  if (
    name === 'InvalidImageFormatException' ||
    name === 'ImageTooLargeException' ||
    name === 'InvalidParameterException'
  ) {
    return new AppException(
      ErrorCode.INVALID_FILE,
      `Rekognition refused the image (${name})`,
      HttpStatus.BAD_REQUEST,
      details,
    );
  }
  if (
    name === 'ThrottlingException' ||
    name === 'ProvisionedThroughputExceededException' ||
    name === 'LimitExceededException'
  ) {
    return AppException.unavailable(
      ErrorCode.PROVIDER_ERROR,
      'Rekognition is throttling requests; retry later',
      details,
      error,
    );
  }
  return new AppException(ErrorCode.PROVIDER_ERROR, `Rekognition failed (${name})`, HttpStatus.BAD_GATEWAY, details, {
    cause: error,
  });
}
