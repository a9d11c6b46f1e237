import { withTimeout } from '../../common/async/with-timeout';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import type { ReadinessReport } from '../../health/readiness.registry';
import type { ImageAnalyzer } from '../image-analyzer';
import type { AnalysisOptions, AnalyzerOutput, DetectedObject, Emotion, Face } from '../image-analysis.types';
import { displayName, labelsFromDetections } from '../labels/label-taxonomy';
import { labelsFromText, mergeLabels } from '../labels/text-labels';
import type { CalibrationMode } from './calibration';
import { mergeDetections } from './merge-detections';
import { PreparedImage, rgbAtMostSide } from '../preprocess/prepared-image';
import { moderationFromScores } from './moderation';
import { clampBox } from '../../common/geometry/bounding-box';
import { OcrEngine } from './ocr-engine';
import { VisionPool } from './vision-pool';

export interface LocalAnalyzerOptions {
  visionWorkers: number;
  ocrWorkers: number;
  /** Side the vision models see (Human/CenterNet and nsfwjs resize further themselves). */
  visionMaxSide: number;
  defaultMinConfidence: number;
  /** Raw engine scores to probabilities (calibration.ts); `none` only to measure or refit. */
  calibration?: CalibrationMode;
  /** Run NanoDet beside CenterNet (default true). */
  nanodet?: boolean;
}

/** Generous: a cold start loads the models (~2-7 s on a busy machine) before the first image. */
const ENGINE_TIMEOUT_MS = 120_000;
const ENGINE_VERSION =
  'human-3.3.6+centernet+nanodet+blazeface/nsfwjs-4.3.0-mnv2/tesseract-7.0.0-eng-best_int/v2-calibrated';

/**
 * Offline analysis, every model read from node_modules: Human (CenterNet over the 80 COCO
 * classes, BlazeFace + FaceMesh + emotion) and nsfwjs in worker threads, tesseract.js for text.
 * Labels are the detected classes plus our parent-category table.
 */
export class LocalImageAnalyzer implements ImageAnalyzer {
  readonly provider = 'local' as const;
  readonly version = ENGINE_VERSION;
  readonly defaultMinConfidence: number;
  readonly vision: VisionPool;
  readonly ocr: OcrEngine;

  constructor(private readonly options: LocalAnalyzerOptions) {
    this.defaultMinConfidence = options.defaultMinConfidence;
    this.vision = new VisionPool({ size: options.visionWorkers, nanodet: options.nanodet ?? true });
    this.ocr = new OcrEngine({ workers: options.ocrWorkers });
  }

  async warmUp(): Promise<void> {
    await Promise.all([this.vision.start(), this.ocr.start()]);
  }

  readiness(): ReadinessReport {
    const vision = this.vision.status();
    const ocr = this.ocr.status();
    // Ready means "can serve": engines load lazily, so not-yet-loaded is still ready, a failed load is not.
    const failed = Boolean(vision.last_error && !this.vision.started) || Boolean(ocr.last_error && !this.ocr.started);
    return {
      ready: !failed,
      provider: this.provider,
      loaded: this.vision.started && this.ocr.started,
      vision,
      ocr,
    };
  }

  async analyze(image: PreparedImage, options: AnalysisOptions): Promise<AnalyzerOutput> {
    try {
      return await withTimeout(this.run(image, options), ENGINE_TIMEOUT_MS, 'local image analysis');
    } catch (error) {
      if (error instanceof AppException) throw error;
      // A model that failed to load, a crashed worker, a stuck engine: the engines, not the caller.
      throw AppException.unavailable(
        ErrorCode.ENGINE_UNAVAILABLE,
        'The local image engines could not analyse this image; retry later',
        { provider: this.provider, reason: String((error as Error).message).split('\n')[0] },
        error,
      );
    }
  }

  private async run(image: PreparedImage, options: AnalysisOptions): Promise<AnalyzerOutput> {
    const types = new Set(options.types);
    const wantsLabels = types.has('labels');
    // Labels also come from printed text, so a labels request reads the text too.
    const wantsText = types.has('text') || wantsLabels;
    const tasks = {
      objects: types.has('objects') || wantsLabels,
      faces: types.has('faces') || wantsLabels,
      moderation: types.has('moderation'),
    };
    const anyVision = tasks.objects || tasks.faces || tasks.moderation;
    // Below 16 px on a side no detector sees anything meaningful (and some refuse the input).
    const tooSmall = Math.min(image.working.width, image.working.height) < 16;
    const [vision, text] = await Promise.all([
      anyVision && !tooSmall
        ? rgbAtMostSide(image, this.options.visionMaxSide).then((rgb) => this.vision.analyze(rgb, tasks))
        : undefined,
      wantsText ? this.ocr.recognize(image, options.minConfidence) : undefined,
    ]);

    const out: AnalyzerOutput = { details: {} };
    const detections = mergeDetections(vision?.objects ?? [], this.options.calibration ?? 'fitted').filter(
      (o) => o.confidence >= options.minConfidence,
    );
    const objects: DetectedObject[] = detections.map((o) => ({
      name: displayName(o.label),
      confidence: o.confidence,
      bounding_box: clampBox({ left: o.box[0], top: o.box[1], width: o.box[2], height: o.box[3] }),
    }));
    const faces: Face[] = (vision?.faces ?? [])
      .filter((f) => f.score >= options.minConfidence)
      .map((f) => ({
        confidence: f.score,
        bounding_box: clampBox({ left: f.box[0], top: f.box[1], width: f.box[2], height: f.box[3] }),
        emotions: f.emotions.map((e): Emotion => ({ type: e.emotion.toUpperCase(), confidence: e.score })),
      }));
    if (types.has('objects')) out.objects = objects;
    if (types.has('faces')) out.faces = faces;
    if (wantsLabels) {
      const fromObjects = labelsFromDetections(
        objects,
        faces.map((f) => f.confidence),
        options.maxLabels,
        options.minConfidence,
      );
      out.labels = mergeLabels(fromObjects, labelsFromText(text ?? [], options.minConfidence), options.maxLabels);
    }
    if (types.has('text')) out.text_detections = text ?? [];
    if (types.has('moderation')) {
      const scores = vision?.moderation ?? {};
      const moderation = moderationFromScores(scores, options.minConfidence);
      out.moderation_labels = moderation.labels;
      out.details = { ...out.details, moderation_decision: moderation.decision, moderation_scores: scores };
    }
    if (tooSmall && anyVision) out.details = { ...out.details, vision_skipped: 'image under 16 px on a side' };
    if (vision) out.details = { ...out.details, timings_ms: vision.timings };
    if (tasks.objects) {
      // Which engine found each object (same order as objects), with its raw score.
      out.details = { ...out.details, object_engines: detections.map((o) => o.engines) };
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.vision.close(), this.ocr.close()]);
  }
}
