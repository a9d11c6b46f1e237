import { canonicalLabel } from '../labels/label-taxonomy';
import { calibrate, CalibrationMode } from './calibration';
import type { ObjectEngine, RawObject } from './vision-pool';

export interface MergedDetection {
  label: string;
  /** Calibrated: the probability that this detection is right. */
  confidence: number;
  box: [number, number, number, number];
  /** Every engine that found it, with its raw score. */
  engines: { engine: ObjectEngine; raw_score: number }[];
}

function iou(a: RawObject['box'], b: RawObject['box']): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * One list from several detectors: scores calibrated per engine first (so they compare), then
 * the same class over the same place (IoU >= 0.5) merged into one detection with the box of the
 * best one (greedy NMS per class). A detection that several engines agree on gets the noisy-OR
 * of their calibrated probabilities, 1 - prod(1 - p): on the dev images 12 of the 13 detections
 * found by two or three engines were right, against 19 of 124 found by one (README).
 */
export function mergeDetections(
  objects: RawObject[],
  mode: CalibrationMode = 'fitted',
  iouThreshold = 0.5,
): MergedDetection[] {
  const calibrated = objects
    .map((o) => ({ ...o, label: canonicalLabel(o.label), confidence: calibrate(o.engine, o.score, mode) }))
    .sort((a, b) => b.confidence - a.confidence);
  const merged: MergedDetection[] = [];
  for (const o of calibrated) {
    const same = merged.find((m) => m.label === o.label && iou(m.box, o.box) >= iouThreshold);
    if (same) {
      if (!same.engines.some((e) => e.engine === o.engine)) same.engines.push({ engine: o.engine, raw_score: o.score });
      continue;
    }
    merged.push({
      label: o.label,
      confidence: o.confidence,
      box: o.box,
      engines: [{ engine: o.engine, raw_score: o.score }],
    });
  }
  if (mode === 'none') return merged; // raw scores: the best one, for measuring and refitting
  for (const m of merged) {
    if (m.engines.length < 2) continue;
    const missed = m.engines.reduce((q, e) => q * (1 - calibrate(e.engine, e.raw_score, mode)), 1);
    m.confidence = Math.round((1 - missed) * 1e4) / 1e4;
  }
  return merged.sort((a, b) => b.confidence - a.confidence);
}
