import { CalibrationMode, PlattCurve, plattProbability } from '../../common/calibration/platt';
import type { Word } from '../transcription.types';
import type { LanguageModelChoice } from './language-model-routing';
import { SAMPLE_RATE } from './pocketsphinx-engine';

/**
 * pocketsphinx's word posterior -> the probability that the word is right, per language model
 * pass: a Platt curve fitted on the evaluation's dev speech by
 * `npm run eval -- --only=speech --fit-calibration` (dev words only; README, "Recognition
 * quality"). Raw posteriors are under-confident: of the dev words pocketsphinx gives under 0.1,
 * 41% are right, and over all dev words the mean posterior is 0.74 where 83% are right.
 * Transcribe's confidences are meant as that probability, so after this a word (and a
 * transcript's mean) confidence means the same on both backends.
 *
 * Fitted on 4 Dec 2026 on the 129 dev recordings with the default decoder options and routing
 * (shopping pass kept: 662 words, 88% right; general pass: 244 words, 67% right). A posterior of
 * 0 gives 0.37 / 0.42, 0.5 gives 0.80 / 0.66, 0.9 gives 0.95 / 0.81. Other POCKETSPHINX_ARGS
 * change the posteriors, so the curves hold for the defaults.
 */
export const WORD_CONFIDENCE_CURVES: Record<LanguageModelChoice, PlattCurve> = {
  shopping: { a: 3.8347, b: -0.5145 },
  general: { a: 2.0099, b: -0.3417 },
};

/**
 * Audio stored at under the model's 16 kHz (telephone audio at 8 kHz): the en-us model hears
 * mostly wrong words in it, and pocketsphinx's posteriors hardly show it (dev: mean 0.50 where
 * 15% of the words are right; the wideband curves make that 0.67). One curve for both passes,
 * fitted on 4 Dec 2026 on dev narrowband speech: the 50 dev prompts and 3 real clips band-limited
 * to 8 kHz (`--audio-filter=aresample=8000`) and the 4 dev telephone recordings (213 words, 32
 * right); per pass gave the same leave-one-recording-out log loss (0.398) with twice the
 * parameters. A posterior of 0.5 gives 0.12, 0.9 gives 0.30.
 */
export const NARROWBAND_WORD_CONFIDENCE_CURVE: PlattCurve = { a: 2.1782, b: -3.0525 };

/** wideband: the model's 16 kHz or more (what it was trained on); narrowband: less. */
export type AudioBand = 'wideband' | 'narrowband';

/** The band of audio stored at this rate (unknown: wideband, the model's own rate is assumed). */
export function audioBand(sampleRate: number | null | undefined, modelRate = SAMPLE_RATE): AudioBand {
  return sampleRate && sampleRate < modelRate ? 'narrowband' : 'wideband';
}

export function calibratedWords(
  words: Word[],
  pass: LanguageModelChoice,
  mode: CalibrationMode = 'fitted',
  band: AudioBand = 'wideband',
): Word[] {
  if (mode === 'none') return words;
  const curve = band === 'narrowband' ? NARROWBAND_WORD_CONFIDENCE_CURVE : WORD_CONFIDENCE_CURVES[pass];
  return words.map((word) => ({ ...word, confidence: plattProbability(curve, word.confidence) }));
}
