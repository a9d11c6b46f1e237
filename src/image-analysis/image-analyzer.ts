import type { ReadinessReport } from '../health/readiness.registry';
import type { AnalysisOptions, AnalyzerOutput } from './image-analysis.types';
import type { PreparedImage } from './preprocess/prepared-image';

/** Injection token of the ImageAnalyzer port; IMAGE_ANALYSIS_PROVIDER picks the adapter. */
export const IMAGE_ANALYZER = Symbol('IMAGE_ANALYZER');

/**
 * A backend that turns one prepared image into labels, objects, text, faces and moderation
 * labels (colours are computed by the service with sharp for every provider). Only the asked
 * types are computed. Confidences are 0..1 and boxes fractions of the EXIF-oriented image.
 */
export interface ImageAnalyzer {
  readonly provider: 'local' | 'aws';
  /** Changes whenever results could change (engine versions, thresholds): part of the cache key. */
  readonly version: string;
  /** The min_confidence used when a request gives none. */
  readonly defaultMinConfidence: number;
  analyze(image: PreparedImage, options: AnalysisOptions): Promise<AnalyzerOutput>;
  readiness(): ReadinessReport;
  /** Loads models ahead of the first request (no-op for remote providers). */
  warmUp?(): Promise<void>;
  close?(): Promise<void>;
}
