import { canonicalLabel } from '../labels/label-taxonomy';
import { calibrate, CalibrationMode } from './calibration';
import type { ObjectEngine, RawObject } from './vision-pool';
import { iou } from './worker/box-iou';

export interface MergedDetection {
  label: string;
  /** Calibrated: the probability that this detection is right. */
  confidence: number;
  box: [number, number, number, number];
  /** Every engine that found it, with its raw score. */
  engines: { engine: ObjectEngine; raw_score: number }[];
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
