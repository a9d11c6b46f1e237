import type { ObjectEngine } from './vision-pool';

/**
 * Raw detector score -> probability that the detection is right, per engine: a logistic curve
 * p = 1 / (1 + e^-(a * raw + b)) (Platt scaling) fitted on the evaluation's dev images by
 * `npm run eval -- --fit-calibration` (eval/README.md). Without it the raw scores of the COCO
 * detectors sit around 0.3-0.6 for right answers, so a min_confidence meant for Rekognition
 * (0.7) returns almost nothing. The fit, its data and the held-out check are in the README.
 */
export interface PlattCurve {
  a: number;
  b: number;
}

/**
 * Refitted on 1 Dec 2026 on the 42 dev images (36 product shots; CenterNet: 48 detections, 22
 * right; NanoDet: 81, 17 right; SSD: 69, 14 right). p = 0.5 at raw 0.36 (CenterNet), 0.59
 * (NanoDet), 0.54 (SSD); p = 0.7 at raw 0.46 / 0.73 / 0.66. An engine missing here has its raw
 * score used as it is.
 */
export const CALIBRATION_CURVES: Partial<Record<ObjectEngine, PlattCurve>> = {
  centernet: { a: 8.2282, b: -2.9241 },
  nanodet: { a: 5.9451, b: -3.4887 },
  ssd: { a: 7.2532, b: -3.9107 },
};

export type CalibrationMode = 'fitted' | 'none';

export function calibrate(engine: ObjectEngine, raw: number, mode: CalibrationMode = 'fitted'): number {
  const curve = CALIBRATION_CURVES[engine];
  if (mode === 'none' || !curve) return raw;
  const p = 1 / (1 + Math.exp(-(curve.a * raw + curve.b)));
  return Math.round(p * 1e4) / 1e4;
}

/** The raw score at which an engine's calibrated probability reaches p (the curve inverted). */
export function rawScoreAt(engine: ObjectEngine, p: number): number {
  const curve = CALIBRATION_CURVES[engine];
  if (!curve) return p;
  return (Math.log(p / (1 - p)) - curve.b) / curve.a;
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

/** Fits a Platt curve to (score, right?) pairs by Newton's method on the log loss. */
export function fitPlatt(samples: { score: number; right: boolean }[]): PlattCurve {
  // Platt's targets: avoid 0/1 so the curve stays finite with few samples.
  const positives = samples.filter((s) => s.right).length;
  const negatives = samples.length - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  for (let iteration = 0; iteration < 100; iteration += 1) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (const { score, right } of samples) {
      const p = 1 / (1 + Math.exp(-(a * score + b)));
      const t = right ? hi : lo;
      const w = p * (1 - p);
      ga += (p - t) * score;
      gb += p - t;
      haa += w * score * score;
      hab += w * score;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a: Math.round(a * 1e4) / 1e4, b: Math.round(b * 1e4) / 1e4 };
}
