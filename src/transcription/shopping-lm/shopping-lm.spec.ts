/**
 * The shopping language model on the real en-us model of Debian pocketsphinx-en-us: the trie
 * reader decodes it (every history's distribution sums to one), the mix (built with the shipped
 * weights) keeps the general model's odds where the shopping corpus has nothing to say, and
 * pocketsphinx decodes with the built file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Environment } from '../../config/environment';
import { decodeWithRouting } from '../providers/language-model-routing';
import { PocketsphinxEngine } from '../providers/pocketsphinx-engine';
import { WORD_CONFIDENCE_CURVES } from '../providers/word-confidence';
import { plattProbability } from '../../common/calibration/platt';
import { buildShoppingLm, DEFAULT_WEIGHTS } from './build';
import { isShoppingRequest, numberWords, shoppingCorpus } from './corpus';
import { logProb, readTrieLm, TrieLm } from './trie-lm';

/** The service's default decoder options, so these tests decode as the service does. */
const SERVICE_ARGS = new Environment().POCKETSPHINX_ARGS.split(/\s+/).filter(Boolean);

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const SHOPPING_CLIP = join(__dirname, '../../../eval/data/speech/synthetic/shop-d06-slt.flac');
const GENERAL_CLIP = join(__dirname, '../../../eval/data/speech/real/2830-3980-0043.wav'); // LibriSpeech
// A real prompt (Allison Smith, Asterisk sounds, CC-BY-SA-3.0: eval/data/speech/prompts.txt)
const UNSURE_CLIP = join(__dirname, '../../../eval/data/speech/prompts/prompt-to-listen-to-it.flac');

function ids(lm: TrieLm, words: string): number[] {
  return words.split(' ').map((w) => {
    const id = lm.wordId.get(w);
    if (id === undefined) throw new Error(`${w} not in the model`);
    return id;
  });
}

function total(lm: TrieLm, history: string): number {
  const h = ids(lm, history);
  let sum = 0;
  for (let w = 0; w < lm.words.length; w += 1) sum += 10 ** logProb(lm, h, w);
  return sum;
}

describe('shopping language model', () => {
  let dir: string;
  let general: TrieLm;
  let mixed: TrieLm;
  let file: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shopping-lm-'));
    file = join(dir, 'mixed.lm.bin');
    general = readTrieLm(join(MODEL_DIR, 'en-us.lm.bin'));
    buildShoppingLm(MODEL_DIR, file, DEFAULT_WEIGHTS, () => undefined);
    mixed = readTrieLm(file);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the binary trie of en-us.lm.bin: every history sums to one', () => {
    expect(general.words.length).toBe(72_547);
    for (const history of ['the', 'to my', 'experience proves']) expect(total(general, history)).toBeCloseTo(1, 3);
  });

  it('mixes into a normalised model that favours shopping words after shopping words, general odds elsewhere', () => {
    for (const history of ['to my', 'in', 'experience proves']) expect(total(mixed, history)).toBeCloseTo(1, 2);
    const p = (lm: TrieLm, history: string, word: string) => logProb(lm, ids(lm, history), ids(lm, word)[0]);
    // after "to my", a cart is much likelier than in general English
    expect(p(mixed, 'to my', 'cart')).toBeGreaterThan(p(general, 'to my', 'cart') + 0.5);
    // after a word no shopper in the corpus uses, the general model keeps lambda-elsewhere of its
    // odds at least (to quantisation)
    const kept = Math.log10(DEFAULT_WEIGHTS.lambdaElsewhere) - 0.01;
    expect(p(mixed, 'experience proves', 'this')).toBeGreaterThanOrEqual(
      p(general, 'experience proves', 'this') + kept,
    );
    expect(p(mixed, 'experience proves', 'this')).toBeLessThan(p(general, 'experience proves', 'this') + 0.05);
  });

  it('is a model pocketsphinx decodes with: a shopping request comes out right', async () => {
    const run = (languageModel?: string) =>
      new PocketsphinxEngine({
        ffmpegPath: 'ffmpeg',
        pocketsphinxPath: 'pocketsphinx_continuous',
        modelDir: MODEL_DIR,
        languageModel,
        extraArgs: SERVICE_ARGS,
      }).run({ path: SHOPPING_CLIP, signal: AbortSignal.timeout(120_000) });
    const text = async (languageModel?: string) => (await run(languageModel)).words.map((w) => w.word).join(' ');
    expect(await text()).toBe('and two bags of coffee to my card');
    expect(await text(file)).toBe('add two bags of coffee to my cart');
  }, 120_000);

  it('tells a shopping request from other speech by its product and purchase words', () => {
    const said = (text: string) => isShoppingRequest(text.split(' '));
    expect(said('and two bags of coffee to my card')).toBe(true);
    expect(said('is this in stock')).toBe(true);
    expect(said('show me red sneakers')).toBe(true);
    expect(said('experience proves this')).toBe(false);
    // product names that everyday speech uses as often do not count alone
    expect(said('we will watch it at home')).toBe(false);
    expect(said('')).toBe(false);
  });

  it('decodes with the shopping model first, and again with the general one what is no request and not sure', async () => {
    const engine = new PocketsphinxEngine({
      ffmpegPath: 'ffmpeg',
      pocketsphinxPath: 'pocketsphinx_continuous',
      modelDir: MODEL_DIR,
      extraArgs: SERVICE_ARGS,
    });
    const route = async (path: string, shoppingModel?: string) => {
      const passes: (string | undefined)[] = [];
      const posteriors: number[][] = [];
      const out = await decodeWithRouting(async (languageModel, firstPass) => {
        expect(firstPass).toBe(passes.length === 0);
        passes.push(languageModel);
        const decoded = await engine.run({ path, signal: AbortSignal.timeout(120_000), languageModel });
        posteriors.push(decoded.words.map((w) => w.confidence));
        return decoded;
      }, shoppingModel);
      // the words of the pass kept, with pocketsphinx's posteriors through that pass's curve
      const curve = WORD_CONFIDENCE_CURVES[out.languageModel];
      expect(out.words.map((w) => w.confidence)).toEqual(posteriors.at(-1)?.map((p) => plattProbability(curve, p)));
      return { text: out.words.map((w) => w.word).join(' '), model: out.languageModel, passes };
    };
    expect(await route(SHOPPING_CLIP, file)).toEqual({
      text: 'add two bags of coffee to my cart',
      model: 'shopping',
      passes: [file],
    });
    // no request, but pocketsphinx is sure of what the shopping model heard: no second pass
    expect(await route(GENERAL_CLIP, file)).toEqual({
      text: 'experience proves this',
      model: 'shopping',
      passes: [file],
    });
    // no request and not sure: the general model decodes again and its transcript is kept
    expect(await route(UNSURE_CLIP, file)).toEqual({
      text: 'to listen to it',
      model: 'general',
      passes: [file, undefined],
    });
    // no shopping model: one general pass, whatever was said
    expect(await route(SHOPPING_CLIP)).toEqual({
      text: 'and two bags of coffee to my card',
      model: 'general',
      passes: [undefined],
    });
  }, 120_000);

  it('generates requests with numbers as a recogniser spells them', () => {
    expect(numberWords(27)).toBe('twenty seven');
    expect(numberWords(250)).toBe('two hundred fifty');
    const corpus = shoppingCorpus(200, (w) => /^[a-z']+$/.test(w));
    expect(corpus).toHaveLength(200);
    expect(corpus.every((s) => /^[a-z' ]+$/.test(s))).toBe(true);
  });
});
