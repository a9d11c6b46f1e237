/**
 * Which language model decodes a recording. The general model (en-us.lm.bin, or POCKETSPHINX_LM)
 * always decodes first; when its words name a product or a purchase (shopping-lm/corpus.ts
 * isShoppingRequest), the recording is decoded again with the shopping model
 * (POCKETSPHINX_SHOPPING_LM, built by `npm run build:shopping-lm`) and that transcript is kept.
 *
 * Why two passes and general first: the shopping model halves the errors on shopping requests
 * but costs general speech a few words (README, "Recognition quality"). Speech the general model
 * hears as no request at all keeps its general transcript, exactly as without a shopping model;
 * only requests pay the second pass.
 */
import { isShoppingRequest } from '../shopping-lm/corpus';
import type { EngineOutput } from './pocketsphinx-engine';

export type LanguageModelChoice = 'general' | 'shopping';

export interface RoutedOutput extends EngineOutput {
  languageModel: LanguageModelChoice;
}

/**
 * decode(undefined) runs the general model, decode(file) the given one. No shopping model
 * (unset, or its file missing): one pass, general.
 */
export async function decodeWithRouting(
  decode: (languageModel?: string) => Promise<EngineOutput>,
  shoppingModel: string | undefined,
): Promise<RoutedOutput> {
  const general = await decode();
  if (!shoppingModel || !isShoppingRequest(general.words.map((word) => word.word))) {
    return { ...general, languageModel: 'general' };
  }
  return { ...(await decode(shoppingModel)), languageModel: 'shopping' };
}
