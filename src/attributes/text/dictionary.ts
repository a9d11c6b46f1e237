import { readFileSync } from 'node:fs';

/**
 * English word list for brand detection: a brand printed on a product is usually a word that
 * is not in the dictionary ("NOVAVIEW", "Logitech"). The list is the npm package
 * an-array-of-english-words (~275,000 words, MIT), shipped with its data, read once, offline.
 */
let words: Set<string> | undefined;

function load(): Set<string> {
  if (!words) {
    const file = require.resolve('an-array-of-english-words/index.json');
    words = new Set((JSON.parse(readFileSync(file, 'utf8')) as string[]).map((w) => w.toLowerCase()));
  }
  return words;
}

/** True for an English word, also in simple inflections the list may lack ("monitors", "roasted"). */
export function isDictionaryWord(word: string): boolean {
  const w = word.toLowerCase().replace(/[’']s$/, '');
  const set = load();
  if (set.has(w)) return true;
  for (const suffix of ['s', 'es', 'ed', 'ing', 'er', 'ers']) {
    if (w.endsWith(suffix) && set.has(w.slice(0, -suffix.length))) return true;
  }
  return false;
}

/** Number of words in the list (for the readiness log and tests). */
export function dictionarySize(): number {
  return load().size;
}
