import type { ModerationLabel } from '../image-analysis.types';

/**
 * nsfwjs scores to Rekognition-style moderation labels, with high thresholds: on ordinary photos
 * MobileNetV2 gave porn 0.62 to an apple and sexy 0.89 to a footballer in shorts, so a label is
 * reported only from the review level up, and `decision` says block (porn/hentai >= 0.9), review
 * (porn/hentai >= 0.6 or sexy >= 0.8) or allow. "drawing" is not a moderation signal (renders,
 * logos and even a rocket launch photo score 0.6-0.98).
 */
export const MODERATION_THRESHOLDS = {
  block: { porn: 0.9, hentai: 0.9 } as Record<string, number>,
  review: { porn: 0.6, hentai: 0.6, sexy: 0.8 } as Record<string, number>,
};

const LABELS: Record<string, { name: string; parent: string }> = {
  porn: { name: 'Explicit Nudity', parent: '' },
  hentai: { name: 'Illustrated Explicit Nudity', parent: 'Explicit Nudity' },
  sexy: { name: 'Suggestive', parent: '' },
};

export type ModerationDecision = 'allow' | 'review' | 'block';

export function moderationFromScores(
  scores: Record<string, number>,
  minConfidence: number,
): { labels: ModerationLabel[]; decision: ModerationDecision } {
  const over = (level: Record<string, number>) =>
    Object.entries(level)
      .filter(([name, threshold]) => (scores[name] ?? 0) >= threshold)
      .map(([name]) => name);
  const block = over(MODERATION_THRESHOLDS.block);
  const review = over(MODERATION_THRESHOLDS.review);
  const labels = review
    .filter((name) => (scores[name] ?? 0) >= minConfidence)
    .map((name) => ({ ...LABELS[name], confidence: scores[name] }))
    .sort((a, b) => b.confidence - a.confidence);
  return { labels, decision: block.length > 0 ? 'block' : review.length > 0 ? 'review' : 'allow' };
}
