import { CalibrationMode, PlattCurve, plattProbability, plattScoreAt } from '../../common/calibration/platt';
import type { ObjectEngine } from './vision-pool';

/**
 * Raw detector score -> probability that the detection is right, per engine: a Platt curve
 * (common/calibration/platt.ts) fitted on the evaluation's dev images by
 * `npm run eval -- --only=images --set=dev --padded=false --fit-calibration` (eval/README.md). Without it the raw scores
 * of the COCO detectors sit around 0.3-0.6 for right answers, so a min_confidence meant for
 * Rekognition (0.7) returns almost nothing. The fit, its data and the held-out check are in the
 * README.
 *
 * Refitted on 4 Dec 2026 on the 68 dev images (62 product shots; the image's own view, as every
 * fit before: CenterNet 82 detections, 33 right; NanoDet 153, 28 right; SSD 111, 22 right).
 * p = 0.5 at raw 0.37 (CenterNet), 0.59 (NanoDet), 0.56 (SSD); p = 0.7 at raw 0.46 / 0.71 /
 * 0.69. An engine missing here has its raw score used as it is.
 */
export const CALIBRATION_CURVES: Partial<Record<ObjectEngine, PlattCurve>> = {
  centernet: { a: 10.1484, b: -3.79 },
  nanodet: { a: 6.6168, b: -3.8827 },
  ssd: { a: 6.7896, b: -3.8165 },
};

export type { CalibrationMode };

export function calibrate(engine: ObjectEngine, raw: number, mode: CalibrationMode = 'fitted'): number {
  const curve = CALIBRATION_CURVES[engine];
  if (mode === 'none' || !curve) return raw;
  return plattProbability(curve, raw);
}

/** The raw score at which an engine's calibrated probability reaches p (the curve inverted). */
export function rawScoreAt(engine: ObjectEngine, p: number): number {
  const curve = CALIBRATION_CURVES[engine];
  if (!curve) return p;
  return plattScoreAt(curve, p);
}

/** When the vision pool looks again on a padded view (vision-pool.ts `wantsPaddedView`). */
export interface PaddedViewRule {
  /** One padded view per margin (a margin of m x the longest side on each side). */
  margins: number[];
  whenBelowRaw: Partial<Record<ObjectEngine, number>>;
  plainBorderMaxSd: number;
}

/**
 * Chosen on the dev images (2 Dec 2026, README): a second look with a 25% margin only when no
 * detection of the image reaches p = 0.6 (the default threshold) and the border is plain (pixel
 * standard deviation under 16 of 255; the dev product shots have 0, the dev photos 23-79). On
 * dev this took product-shot top-5 from 69% to 81% at 92% precision, where padding every image
 * also padded the photos and lost precision (84% over all images).
 */
export function paddedViewRule({ belowProbability = 0.6, margins = [0.25] } = {}): PaddedViewRule {
  const engines: ObjectEngine[] = ['centernet', 'nanodet', 'ssd'];
  return {
    margins,
    whenBelowRaw: Object.fromEntries(engines.map((e) => [e, Math.round(rawScoreAt(e, belowProbability) * 1e4) / 1e4])),
    plainBorderMaxSd: 16,
  };
}
