/**
 * Builds the shopping-adapted language model for pocketsphinx (`npm run build:shopping-lm`,
 * scripts/build-shopping-lm.ts): reads the general model (POCKETSPHINX_MODEL_DIR/en-us.lm.bin) and its dictionary, generates the
 * shopping corpus (corpus.ts), interpolates (mix.ts), writes ARPA and converts it to the binary
 * trie with sphinx_lm_convert (Debian sphinxbase-utils). lambda = weight of the general model
 * (mix.ts: after words shoppers use; lambda-elsewhere: after other words and for unigrams).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shoppingCorpus } from './corpus';
import { MixWeights, ShoppingModel, writeMixedArpa } from './mix';
import { readTrieLm } from './trie-lm';

export const DEFAULT_WEIGHTS: MixWeights = { lambda: 0.6, lambdaElsewhere: 0.9 };
export const CORPUS_SENTENCES = 20_000;

export function dictionaryWords(path: string): Set<string> {
  const words = new Set<string>();
  for (const line of readFileSync(path, 'latin1').split('\n')) {
    const word = line.split(' ', 1)[0].replace(/\(\d+\)$/, '');
    if (word) words.add(word);
  }
  return words;
}

export function buildShoppingLm(modelDir: string, out: string, weights = DEFAULT_WEIGHTS, log = console.log): void {
  const started = Date.now();
  const lm = readTrieLm(join(modelDir, 'en-us.lm.bin'));
  const dict = dictionaryWords(join(modelDir, 'cmudict-en-us.dict'));
  const corpus = shoppingCorpus(CORPUS_SENTENCES, (w) => dict.has(w) && lm.wordId.has(w));
  const shop = new ShoppingModel(corpus, lm);
  mkdirSync(dirname(out), { recursive: true });
  const arpa = `${out}.arpa.tmp`;
  try {
    const stats = writeMixedArpa(lm, shop, weights, arpa);
    log(`shopping LM: ${corpus.length} sentences, ${JSON.stringify(weights)}, ${JSON.stringify(stats)}`);
    execFileSync('sphinx_lm_convert', ['-i', arpa, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    rmSync(arpa, { force: true });
  }
  log(`shopping LM: ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
