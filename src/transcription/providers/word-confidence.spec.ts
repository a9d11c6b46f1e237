import { calibratedWords, WORD_CONFIDENCE_CURVES } from './word-confidence';

const words = [0, 0.2, 0.5, 0.9, 1].map((confidence, i) => ({
  word: `w${i}`,
  start_time: i,
  end_time: i + 0.5,
  confidence,
}));

describe('calibratedWords', () => {
  it('maps posteriors into 0..1 keeping their order', () => {
    const shopping = calibratedWords(words, 'shopping').map((w) => w.confidence);
    const general = calibratedWords(words, 'general').map((w) => w.confidence);
    for (const values of [shopping, general]) {
      expect(values.every((v) => v > 0 && v < 1)).toBe(true);
      expect([...values].sort((a, b) => a - b)).toEqual(values);
    }
    // a sure word of a request is right more often than a sure word of other speech (dev: 88% / 67% right)
    expect(shopping.at(-1)).toBeGreaterThan(general.at(-1) ?? 1);
    // a near-zero posterior is no sure error: ~4 in 10 such dev words were right
    expect(Math.min(shopping[0], general[0])).toBeGreaterThan(0.3);
  });

  it('keeps the words, their times and the raw posteriors with calibration none', () => {
    const out = calibratedWords(words, 'general');
    expect(out.map(({ word, start_time, end_time }) => [word, start_time, end_time])).toEqual(
      words.map(({ word, start_time, end_time }) => [word, start_time, end_time]),
    );
    expect(calibratedWords(words, 'general', 'none')).toEqual(words);
    expect(Object.keys(WORD_CONFIDENCE_CURVES).sort()).toEqual(['general', 'shopping']);
  });
});
