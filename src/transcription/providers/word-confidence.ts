import { CalibrationMode, PlattCurve, plattProbability } from '../../common/calibration/platt';
import type { Word } from '../transcription.types';
import type { LanguageModelChoice } from './language-model-routing';

/**
 * pocketsphinx's word posterior -> the probability that the word is right, per language model
 * pass: a Platt curve fitted on the evaluation's dev speech by
 * `npm run eval -- --only=speech --fit-calibration` (dev words only; README,
 * "Recognition quality"). Raw posteriors are under-confident: of the dev
 * words pocketsphinx gives under 0.1, 41% are right, and over all dev words the mean posterior
 * is 0.72 where 82% are right. Transcribe's confidences are meant as that probability, so after
 * this a word (and a transcript's mean) confidence means the same on both backends.
 *
 * Fitted on 4 Dec 2026 on the 129 dev recordings with the default decoder options (shopping
 * pass: 478 words, 90% right; general pass: 430 words, 73% right). A posterior of 0 gives 0.40
 * / 0.37, 0.5 gives 0.85 / 0.70, 0.9 gives 0.97 / 0.87. Other POCKETSPHINX_ARGS change the
 * posteriors, so the curves hold for the defaults.
 */
export const WORD_CONFIDENCE_CURVES: Record<LanguageModelChoice, PlattCurve> = {
  shopping: { a: 4.2921, b: -0.4252 },
  general: { a: 2.6871, b: -0.5112 },
};

export function calibratedWords(words: Word[], pass: LanguageModelChoice, mode: CalibrationMode = 'fitted'): Word[] {
  if (mode === 'none') return words;
  const curve = WORD_CONFIDENCE_CURVES[pass];
  return words.map((word) => ({ ...word, confidence: plattProbability(curve, word.confidence) }));
}
