/**
 * Which language model decodes a recording. With a shopping model (POCKETSPHINX_SHOPPING_LM,
 * built by `npm run build:shopping-lm`), it decodes first; when its words name a product or a
 * purchase (shopping-lm/corpus.ts isShoppingRequest), that transcript is kept. Otherwise the
 * recording is decoded again with the general model (en-us.lm.bin, or POCKETSPHINX_LM) and that
 * transcript is kept, unless pocketsphinx was clearly surer of the shopping model's
 * (SHOPPING_CONFIDENCE_MARGIN); a shopping transcript it is sure of needs no second pass
 * (SURE_WITHOUT_SECOND_PASS).
 *
 * Why shopping first (seventh round, README "Recognition quality"): the general model hears no
 * product word in some requests that the shopping model hears right (13 of 48 dev requests in
 * the poorer festival voices), so asking it first decodes more requests with the model made for
 * them, each once; speech that is no request still gets the general model's transcript, at the
 * price of a second pass.
 */
import type { CalibrationMode } from '../../common/calibration/platt';
import { isShoppingRequest } from '../shopping-lm/corpus';
import type { EngineOutput } from './pocketsphinx-engine';
import { AudioBand, calibratedWords } from './word-confidence';

export type LanguageModelChoice = 'general' | 'shopping';

export interface RoutedOutput extends EngineOutput {
  languageModel: LanguageModelChoice;
}

/**
 * When both passes ran (the shopping model heard no request), its transcript is still kept if
 * pocketsphinx was this much surer of it (mean posterior) than of the general one: requests
 * without a product word ("I need a birthday present for my son") and product words the router
 * does not know. Chosen on dev (tenth round, README): 0.05-0.10 gave the fewest errors (121 -> 116
 * on the two-pass dev recordings); held-out, 185 -> 170, no group worse.
 */
export const SHOPPING_CONFIDENCE_MARGIN = 0.08;

/**
 * A shopping transcript this sure (mean posterior) is kept without the general pass: on dev the
 * general pass never beat one from 0.65 up, and 0.70 leaves a step (eleventh round, README).
 * It saves the second pass on 22 of 70 held-out recordings that took two, with no word lost.
 */
export const SURE_WITHOUT_SECOND_PASS = 0.7;

function meanPosterior(words: EngineOutput['words']): number {
  return words.length ? words.reduce((sum, word) => sum + word.confidence, 0) / words.length : 0;
}

/**
 * decode(undefined) runs the general model, decode(file) the given one; `firstPass` says which
 * pass reports progress. No shopping model (unset, or its file missing): one pass, general.
 * Word confidences come out calibrated for the pass that was kept and the audio's band
 * (word-confidence.ts), or as pocketsphinx's posteriors with `calibration: 'none'`.
 */
export async function decodeWithRouting(
  decode: (languageModel: string | undefined, firstPass: boolean) => Promise<EngineOutput>,
  shoppingModel: string | undefined,
  { calibration = 'fitted', band = 'wideband' }: { calibration?: CalibrationMode; band?: AudioBand } = {},
): Promise<RoutedOutput> {
  const kept = (output: EngineOutput, languageModel: LanguageModelChoice): RoutedOutput => ({
    ...output,
    words: calibratedWords(output.words, languageModel, calibration, band),
    languageModel,
  });
  if (!shoppingModel) return kept(await decode(undefined, true), 'general');
  const shopping = await decode(shoppingModel, true);
  if (isShoppingRequest(shopping.words.map((word) => word.word))) return kept(shopping, 'shopping');
  if (meanPosterior(shopping.words) >= SURE_WITHOUT_SECOND_PASS) return kept(shopping, 'shopping');
  const general = await decode(undefined, false);
  if (meanPosterior(shopping.words) > meanPosterior(general.words) + SHOPPING_CONFIDENCE_MARGIN)
    return kept(shopping, 'shopping');
  return kept(general, 'general');
}
