import {
  BoundingBox as AwsBoundingBox,
  DetectFacesCommand,
  DetectLabelsCommand,
  DetectModerationLabelsCommand,
  DetectTextCommand,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { HttpStatus } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import type { ReadinessReport } from '../../health/readiness.registry';
import type { ImageAnalyzer } from '../image-analyzer';
import type { AnalysisOptions, AnalyzerOutput, BoundingBox, TextDetection } from '../image-analysis.types';
import { clampBox } from '../local/ocr-engine';
import { encodeWorking, PreparedImage } from '../preprocess/prepared-image';

/** Rekognition's limits for images sent as bytes. */
export const REKOGNITION_LIMITS = { maxBytes: 5 * 1024 * 1024, maxSide: 10_000, formats: ['jpeg', 'png'] };

const pct = (value: number | undefined) => Math.round((value ?? 0) * 100) / 10000; // 0-100 -> 0..1, 4 digits
const box = (b: AwsBoundingBox | undefined): BoundingBox =>
  clampBox({ left: b?.Left ?? 0, top: b?.Top ?? 0, width: b?.Width ?? 0, height: b?.Height ?? 0 });

/**
 * The bytes Rekognition gets: the original when it already fits (JPEG or PNG, no EXIF rotation,
 * <= 5 MB, <= 10,000 px a side); otherwise the decoded working copy re-encoded as JPEG (webp and
 * rotated images converted, big ones downscaled) so boxes stay relative to the oriented image.
 */
export async function rekognitionBytes(image: PreparedImage): Promise<{ bytes: Buffer; converted: boolean }> {
  const fits =
    REKOGNITION_LIMITS.formats.includes(image.format) &&
    image.orientation === 1 &&
    image.pages === 1 &&
    image.bytes.length <= REKOGNITION_LIMITS.maxBytes &&
    Math.max(image.width, image.height) <= REKOGNITION_LIMITS.maxSide;
  if (fits) return { bytes: image.bytes, converted: false };
  let quality = 90;
  let maxSide = Math.min(REKOGNITION_LIMITS.maxSide, Math.max(image.working.width, image.working.height));
  for (;;) {
    const bytes = await encodeWorking(image, 'jpeg', { quality, maxSide });
    if (bytes.length <= REKOGNITION_LIMITS.maxBytes) return { bytes, converted: true };
    quality = Math.max(60, quality - 15);
    maxSide = Math.round(maxSide * 0.8);
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
    try {
      const [labels, text, faces, moderation] = await Promise.all([
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
      const out: AnalyzerOutput = { details: { converted_for_provider: converted } };
      if (types.has('labels')) {
        out.labels = (labels?.Labels ?? []).slice(0, options.maxLabels).map((label) => ({
          name: label.Name ?? '',
          confidence: pct(label.Confidence),
          parents: (label.Parents ?? []).map((p) => p.Name ?? '').filter(Boolean),
        }));
      }
      if (types.has('objects')) {
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
      if (types.has('text')) {
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
      }
      if (types.has('faces')) {
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
      if (types.has('moderation')) {
        out.moderation_labels = (moderation?.ModerationLabels ?? []).map((label) => ({
          name: label.Name ?? '',
          parent: label.ParentName ?? '',
          confidence: pct(label.Confidence),
        }));
      }
      return out;
    } catch (error) {
      throw translateRekognitionError(error);
    }
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
