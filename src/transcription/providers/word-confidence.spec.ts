import { audioBand, calibratedWords, WORD_CONFIDENCE_CURVES } from './word-confidence';

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

  it('gives telephone (narrowband) audio its own curve: its words are mostly wrong whatever pocketsphinx says', () => {
    for (const pass of ['shopping', 'general'] as const) {
      const wideband = calibratedWords(words, pass).map((w) => w.confidence);
      const narrowband = calibratedWords(words, pass, 'fitted', 'narrowband').map((w) => w.confidence);
      expect([...narrowband].sort((a, b) => a - b)).toEqual(narrowband);
      // dev narrowband speech: 15% of the words right; even a sure word is more likely wrong
      expect(Math.max(...narrowband)).toBeLessThan(0.3);
      narrowband.forEach((value, i) => expect(value).toBeLessThan(wideband[i]));
    }
    expect(calibratedWords(words, 'general', 'none', 'narrowband')).toEqual(words);
  });

  it('takes audio sampled under the model rate as narrowband, and an unknown rate as wideband', () => {
    expect(audioBand(8000, 16000)).toBe('narrowband');
    expect(audioBand(11025, 16000)).toBe('narrowband');
    expect(audioBand(16000, 16000)).toBe('wideband');
    expect(audioBand(48000, 16000)).toBe('wideband');
    expect(audioBand(null, 16000)).toBe('wideband');
    expect(audioBand(undefined, 16000)).toBe('wideband');
  });
});
