import { HttpStatus } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { withTimeout } from '../../common/async/with-timeout';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import type { ReadinessReport } from '../../health/readiness.registry';
import type { ImageAnalyzer } from '../image-analyzer';
import type { AnalysisOptions, AnalyzerOutput, DetectedObject, Emotion, Face } from '../image-analysis.types';
import { displayName, labelsFromDetections } from '../labels/label-taxonomy';
import { labelsFromText, mergeLabels } from '../labels/text-labels';
import { CALIBRATION_CURVES, paddedViewRule, type CalibrationMode } from './calibration';
import { mergeDetections } from './merge-detections';
import { PreparedImage, rgbAtMostSide } from '../preprocess/prepared-image';
import { moderationFromScores } from './moderation';
import { clampBox } from '../../common/geometry/bounding-box';
import { OcrEngine } from './ocr-engine';
import { VisionPool } from './vision-pool';
import { LOCAL_IMAGE_MODELS, type LocalImageModel } from '../../config/environment';

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
  /** The models loaded (IMAGE_LOCAL_MODELS; default all): a type needing another one is refused. */
  models?: readonly LocalImageModel[];
  /** Run the Open Images SSD too (default true; same as leaving `ssd` out of models). */
  ssd?: boolean;
  /** Object detection views (vision-pool.ts; default [0], the image alone). */
  objectViews?: number[];
  /** A second look on a padded view when nothing confident is found on a plain background (default true). */
  paddedView?: boolean;
  /** Margins of the padded views on demand (default [0.25]). */
  paddedMargins?: number[];
  /** Longest one analysis may take (default 120 s; the evaluation on a starved machine needs more). */
  timeoutMs?: number;
}

/** Which loaded model each analysis type needs (labels need a detector; faces and text add to them). */
const NEEDS: Partial<Record<string, LocalImageModel[]>> = {
  objects: ['objects', 'nanodet', 'ssd'],
  labels: ['objects', 'nanodet', 'ssd'],
  faces: ['faces'],
  moderation: ['moderation'],
  text: ['text'],
};

/** Generous: a cold start loads the models (~2-7 s on a busy machine) before the first image. */
const ENGINE_TIMEOUT_MS = 120_000;
/** Models, their versions and the calibration curves: a refit gives other confidences, so another cache key. */
const ENGINE_VERSION =
  'human-3.3.6+centernet+nanodet+blazeface/ssd-mnv2-oidv4-litertjs-2.5.3/nsfwjs-4.3.0-mnv2/tesseract-7.0.0-eng-best_int/v4-padded-view-when-unsure' +
  `/curves-${createHash('sha256').update(JSON.stringify(CALIBRATION_CURVES)).digest('hex').slice(0, 8)}`;

/**
 * Offline analysis, every model read from node_modules: Human (CenterNet over the 80 COCO
 * classes, BlazeFace + FaceMesh + emotion), NanoDet, the Open Images SSD (worker/ssd-detector.js) and
 * nsfwjs in worker threads, tesseract.js for text.
 * Labels are the detected classes plus our parent-category table.
 */
export class LocalImageAnalyzer implements ImageAnalyzer {
  readonly provider = 'local' as const;
  readonly defaultMinConfidence: number;
  readonly vision: VisionPool;
  readonly ocr: OcrEngine;

  readonly version: string;
  private readonly models: ReadonlySet<LocalImageModel>;
  /** Any vision model at all: else the vision workers are never started. */
  private readonly anyVisionModel: boolean;

  constructor(private readonly options: LocalAnalyzerOptions) {
    this.defaultMinConfidence = options.defaultMinConfidence;
    this.models = new Set(options.models ?? LOCAL_IMAGE_MODELS);
    if (options.nanodet === false) (this.models as Set<LocalImageModel>).delete('nanodet');
    if (options.ssd === false) (this.models as Set<LocalImageModel>).delete('ssd');
    const all = LOCAL_IMAGE_MODELS.every((model) => this.models.has(model));
    // Fewer models give other labels: their results must not share the cache with the full set.
    this.version = all ? ENGINE_VERSION : `${ENGINE_VERSION}/models=${[...this.models].sort().join('+')}`;
    this.anyVisionModel = ['objects', 'nanodet', 'ssd', 'faces', 'moderation'].some((m) =>
      this.models.has(m as LocalImageModel),
    );
    this.vision = new VisionPool({
      size: options.visionWorkers,
      nanodet: this.models.has('nanodet'),
      ssd: this.models.has('ssd'),
      centernet: this.models.has('objects'),
      faces: this.models.has('faces'),
      moderation: this.models.has('moderation'),
      objectViews: options.objectViews,
      paddedView: options.paddedView === false ? null : paddedViewRule({ margins: options.paddedMargins }),
    });
    this.ocr = new OcrEngine({ workers: options.ocrWorkers });
  }

  async warmUp(): Promise<void> {
    await Promise.all([
      this.anyVisionModel ? this.vision.start() : undefined,
      this.models.has('text') ? this.ocr.start() : undefined,
    ]);
  }

  readiness(): ReadinessReport {
    const vision = this.vision.status();
    const ocr = this.ocr.status();
    // Ready means "can serve": engines load lazily, so not-yet-loaded is still ready, a failed load is not.
    const failed = Boolean(vision.last_error && !this.vision.started) || Boolean(ocr.last_error && !this.ocr.started);
    return {
      ready: !failed,
      provider: this.provider,
      loaded: (!this.anyVisionModel || this.vision.started) && (!this.models.has('text') || this.ocr.started),
      vision,
      ocr,
    };
  }

  async analyze(image: PreparedImage, options: AnalysisOptions): Promise<AnalyzerOutput> {
    try {
      return await withTimeout(
        this.run(image, options),
        this.options.timeoutMs ?? ENGINE_TIMEOUT_MS,
        'local image analysis',
      );
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

  /** Refuses (400) the analysis types whose models this deployment does not load. */
  private refuseUnloaded(types: readonly string[]): void {
    const missing = types.filter((type) => NEEDS[type] && !NEEDS[type].some((model) => this.models.has(model)));
    if (missing.length === 0) return;
    throw new AppException(
      ErrorCode.VALIDATION_FAILED,
      `Not available on this deployment (IMAGE_LOCAL_MODELS): ${missing.join(', ')}`,
      HttpStatus.BAD_REQUEST,
      { fields: { analysis_types: missing.map((type) => `${type} needs a model this deployment does not load`) } },
    );
  }

  private async run(image: PreparedImage, options: AnalysisOptions): Promise<AnalyzerOutput> {
    this.refuseUnloaded(options.types);
    const types = new Set(options.types);
    const wantsLabels = types.has('labels');
    // Labels also come from printed text, so a labels request reads the text too (when it is loaded).
    const wantsText = types.has('text') || (wantsLabels && this.models.has('text'));
    const detector = this.models.has('objects') || this.models.has('nanodet') || this.models.has('ssd');
    const tasks = {
      objects: (types.has('objects') || wantsLabels) && detector,
      faces: (types.has('faces') || wantsLabels) && this.models.has('faces'),
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
