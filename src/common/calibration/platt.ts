/**
 * Platt scaling: a logistic curve p = 1 / (1 + e^-(a * score + b)) from an engine's raw score
 * to the probability that its answer is right, fitted on labelled dev material (`npm run eval`).
 * Used for the local object detectors' scores and for pocketsphinx's word posteriors, so that a
 * confidence means what the AWS backends' confidences mean.
 */
/** `none` keeps the engine's raw scores (to measure them and fit new curves). */
export type CalibrationMode = 'fitted' | 'none';

export interface PlattCurve {
  a: number;
  b: number;
}

/** The curve at one score, rounded to 4 decimals like every confidence the service returns. */
export function plattProbability(curve: PlattCurve, score: number): number {
  const p = 1 / (1 + Math.exp(-(curve.a * score + curve.b)));
  return Math.round(p * 1e4) / 1e4;
}

/** The score at which the curve reaches probability p (the curve inverted). */
export function plattScoreAt(curve: PlattCurve, p: number): number {
  return (Math.log(p / (1 - p)) - curve.b) / curve.a;
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

/** How well confidences match outcomes: what the README reports for each calibration. */
export interface CalibrationReport {
  samples: number;
  /** Share of the answers that are right. */
  accuracy: number;
  meanConfidence: number;
  /** Expected calibration error over ten equal-width bins: mean |confidence - accuracy|, weighted. */
  ece: number;
  /** Mean squared error of the confidence against right (1) / wrong (0). */
  brier: number;
}

export function calibrationReport(samples: { confidence: number; right: boolean }[], bins = 10): CalibrationReport {
  const n = samples.length;
  if (n === 0) return { samples: 0, accuracy: NaN, meanConfidence: NaN, ece: NaN, brier: NaN };
  let ece = 0;
  for (let bin = 0; bin < bins; bin += 1) {
    const inBin = samples.filter((s) => Math.min(bins - 1, Math.floor(s.confidence * bins)) === bin);
    if (inBin.length === 0) continue;
    const confidence = inBin.reduce((sum, s) => sum + s.confidence, 0) / inBin.length;
    const accuracy = inBin.filter((s) => s.right).length / inBin.length;
    ece += (inBin.length / n) * Math.abs(confidence - accuracy);
  }
  return {
    samples: n,
    accuracy: samples.filter((s) => s.right).length / n,
    meanConfidence: samples.reduce((sum, s) => sum + s.confidence, 0) / n,
    ece,
    brier: samples.reduce((sum, s) => sum + (s.confidence - (s.right ? 1 : 0)) ** 2, 0) / n,
  };
}
