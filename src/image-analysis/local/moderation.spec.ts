import { moderationFromScores } from './moderation';

describe('moderationFromScores (nsfwjs -> Rekognition-style labels)', () => {
  it('allows ordinary scores, including a confident "drawing"', () => {
    expect(moderationFromScores({ drawing: 0.98, neutral: 0.02, porn: 0, hentai: 0, sexy: 0 }, 0.4)).toEqual({
      labels: [],
      decision: 'allow',
    });
  });

  it('sends mid porn and high sexy scores to review', () => {
    const result = moderationFromScores({ porn: 0.62, sexy: 0.85, neutral: 0.1, hentai: 0, drawing: 0 }, 0.4);
    expect(result.decision).toBe('review');
    expect(result.labels).toEqual([
      { name: 'Suggestive', parent: '', confidence: 0.85 },
      { name: 'Explicit Nudity', parent: '', confidence: 0.62 },
    ]);
  });

  it('blocks only very confident porn or hentai', () => {
    expect(moderationFromScores({ hentai: 0.93 }, 0.4)).toEqual({
      decision: 'block',
      labels: [{ name: 'Illustrated Explicit Nudity', parent: 'Explicit Nudity', confidence: 0.93 }],
    });
    expect(moderationFromScores({ porn: 0.89 }, 0.4).decision).toBe('review');
  });

  it('a higher min_confidence hides labels under it (the decision stands)', () => {
    expect(moderationFromScores({ porn: 0.62 }, 0.7)).toEqual({ labels: [], decision: 'review' });
  });
});
