import { decodeWithRouting, SHOPPING_CONFIDENCE_MARGIN, SURE_WITHOUT_SECOND_PASS } from './language-model-routing';
import type { EngineOutput } from './pocketsphinx-engine';

const said = (text: string, posterior: number): EngineOutput => ({
  words: text.split(' ').map((word, i) => ({ word, start_time: i, end_time: i + 0.5, confidence: posterior })),
  duration: 3,
});

/** Routes between two canned passes; returns the kept transcript, its model and the passes run. */
async function route(shopping: EngineOutput, general: EngineOutput) {
  const passes: string[] = [];
  const out = await decodeWithRouting(
    async (languageModel) => {
      passes.push(languageModel ? 'shopping' : 'general');
      return languageModel ? shopping : general;
    },
    'shopping.lm.bin',
    { calibration: 'none' },
  );
  return { text: out.words.map((w) => w.word).join(' '), model: out.languageModel, passes };
}

describe('decodeWithRouting', () => {
  it('keeps a request the shopping model heard after one pass', async () => {
    expect(await route(said('add a red mug to my cart', 0.5), said('unused', 1))).toEqual({
      text: 'add a red mug to my cart',
      model: 'shopping',
      passes: ['shopping'],
    });
  });

  it('keeps the general transcript of speech that is no request, unless pocketsphinx was clearly surer of the other', async () => {
    const general = said('i need a birthday present for my son', 0.5);
    const alike = said('i need a birthday present for my sun', 0.5 + SHOPPING_CONFIDENCE_MARGIN / 2);
    expect(await route(alike, general)).toEqual({
      text: 'i need a birthday present for my son',
      model: 'general',
      passes: ['shopping', 'general'],
    });
    const surer = said('i need a birthday present for my sun', 0.5 + SHOPPING_CONFIDENCE_MARGIN * 2);
    expect(SURE_WITHOUT_SECOND_PASS).toBeGreaterThan(0.5 + SHOPPING_CONFIDENCE_MARGIN * 2);
    expect(await route(surer, general)).toEqual({
      text: 'i need a birthday present for my sun',
      model: 'shopping',
      passes: ['shopping', 'general'],
    });
    // nothing heard by the shopping model is never kept over words
    expect(await route({ words: [], duration: 3 }, general)).toMatchObject({ model: 'general' });
  });

  it('keeps a shopping transcript it is sure of without the second pass', async () => {
    const sure = said('i need a birthday present for my son', SURE_WITHOUT_SECOND_PASS);
    expect(await route(sure, said('unused', 1))).toEqual({
      text: 'i need a birthday present for my son',
      model: 'shopping',
      passes: ['shopping'],
    });
    // just under: the general pass runs and, as sure, is kept
    const unsure = said('i need a birthday present for my sun', SURE_WITHOUT_SECOND_PASS - 0.01);
    expect(await route(unsure, said('i need a birthday present for my son', SURE_WITHOUT_SECOND_PASS))).toEqual({
      text: 'i need a birthday present for my son',
      model: 'general',
      passes: ['shopping', 'general'],
    });
  });

  it('calibrates the confidences of the pass it keeps', async () => {
    const out = await decodeWithRouting(async () => said('add a red mug to my cart', 0.5), 'shopping.lm.bin');
    expect(out.languageModel).toBe('shopping');
    expect(out.words.every((w) => w.confidence !== 0.5 && w.confidence > 0 && w.confidence < 1)).toBe(true);
  });
});
