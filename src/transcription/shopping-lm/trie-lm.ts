/**
 * Reader of sphinxbase's binary trie language model (`en-us.lm.bin`, "Trie Language Model"):
 * Debian's `sphinx_lm_convert` cannot export it as ARPA (it aborts in
 * ngram_model_trie_write_arpa after the unigrams), so the shopping-model mix reads it here.
 *
 * Layout (sphinxbase lm_trie.c / lm_trie_quant.c, trigram models only): header, order (u8),
 * counts (u32 each), a dummy i32, the quantisation tables (float32 bins: bigram prob, bigram
 * backoff, trigram prob; 65536 each), the unigrams ({prob, backoff, next} x (n1 + 1)), the
 * bit-packed bigram array (word, 16-bit backoff bin, 16-bit prob bin, next), the bit-packed
 * trigram array (word, 16-bit prob bin), then the vocabulary as NUL-terminated strings.
 * Scores are in log base 1.0001 (pocketsphinx's -logbase), as sphinx_lm_convert writes them.
 */
import { readFileSync } from 'node:fs';

const HEADER = 'Trie Language Model';
const BINS = 1 << 16;
/** log10(1.0001): the trie stores logs in base 1.0001. */
const LOG10_OF_BASE = Math.log10(1.0001);

function requiredBits(max: number): number {
  if (!max) return 0;
  let bits = 1;
  while ((max >>>= 1)) bits += 1;
  return bits;
}

export interface TrieLm {
  words: string[];
  wordId: Map<string, number>;
  /** log10 unigram probability and backoff, by word id. */
  uniProb: Float64Array;
  uniBackoff: Float64Array;
  /** bigrams ending in word id i: [uniNext[i], uniNext[i + 1]) (the trie is reversed, below). */
  uniNext: Uint32Array;
  /** per bigram "v w": v, log10 prob, log10 backoff; trigrams "u v w" in [biNext[j], biNext[j + 1]). */
  biWord: Uint32Array;
  biProb: Float64Array;
  biBackoff: Float64Array;
  biNext: Uint32Array;
  /** per trigram "u v w": u, log10 prob. */
  triWord: Uint32Array;
  triProb: Float64Array;
}

export function readTrieLm(path: string): TrieLm {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, HEADER.length) !== HEADER) throw new Error(`${path}: not a sphinx trie LM`);
  let pos = HEADER.length;
  const order = buf.readUInt8(pos);
  pos += 1;
  if (order !== 3) throw new Error(`${path}: order ${order}, only trigram models are read`);
  const counts = [0, 1, 2].map((i) => buf.readUInt32LE(pos + 4 * i));
  pos += 12 + 4; // counts, dummy
  const table = (i: number) =>
    new Float32Array(buf.buffer.slice(buf.byteOffset + pos + i * BINS * 4, buf.byteOffset + pos + (i + 1) * BINS * 4));
  const [biProbBins, biBackoffBins, triProbBins] = [table(0), table(1), table(2)];
  pos += 3 * BINS * 4;

  const [n1, n2, n3] = counts;
  const uniProb = new Float64Array(n1);
  const uniBackoff = new Float64Array(n1);
  const uniNext = new Uint32Array(n1 + 1);
  for (let i = 0; i <= n1; i += 1) {
    const at = pos + 12 * i;
    if (i < n1) {
      uniProb[i] = buf.readFloatLE(at) * LOG10_OF_BASE;
      uniBackoff[i] = buf.readFloatLE(at + 4) * LOG10_OF_BASE;
    }
    uniNext[i] = buf.readUInt32LE(at + 8);
  }
  pos += 12 * (n1 + 1);

  const wordBits = requiredBits(n1);
  const wordMask = 2 ** wordBits - 1;
  const nextBits = requiredBits(n3);
  const nextMask = 2 ** nextBits - 1;
  const midBits = wordBits + 32 + nextBits;
  const midBytes = Math.floor(((1 + n2) * midBits + 7) / 8) + 8;
  const longBits = wordBits + 16;
  const read = (offset: number, mask: number) => (buf.readUInt32LE(Math.floor(offset / 8)) >>> (offset % 8)) & mask;

  const biWord = new Uint32Array(n2);
  const biProb = new Float64Array(n2);
  const biBackoff = new Float64Array(n2);
  const biNext = new Uint32Array(n2 + 1);
  const midBase = pos * 8;
  for (let j = 0; j <= n2; j += 1) {
    const at = midBase + j * midBits;
    if (j < n2) {
      biWord[j] = read(at, wordMask);
      biBackoff[j] = biBackoffBins[read(at + wordBits, 0xffff)] * LOG10_OF_BASE;
      biProb[j] = biProbBins[read(at + wordBits + 16, 0xffff)] * LOG10_OF_BASE;
    }
    biNext[j] = read(at + wordBits + 32, nextMask);
  }
  pos += midBytes;

  const triWord = new Uint32Array(n3);
  const triProb = new Float64Array(n3);
  const longBase = pos * 8;
  for (let k = 0; k < n3; k += 1) {
    const at = longBase + k * longBits;
    triWord[k] = read(at, wordMask);
    triProb[k] = triProbBins[read(at + wordBits, 0xffff)] * LOG10_OF_BASE;
  }
  pos += Math.floor(((1 + n3) * longBits + 7) / 8) + 8;

  const size = buf.readInt32LE(pos);
  pos += 4;
  const words = buf
    .toString('latin1', pos, pos + size)
    .split('\0')
    .slice(0, n1);
  // The header counts are an estimate made before the trie was built: en-us.lm.bin has 6 unused
  // bigram slots at the end (what trips sphinx_lm_convert's assertion). The pointers say what is used.
  const usedBigrams = uniNext[n1];
  const usedTrigrams = biNext[usedBigrams];
  if (words.length !== n1 || usedBigrams > n2 || usedTrigrams > n3) {
    throw new Error(
      `${path}: layout mismatch (${words.length} words, ${usedBigrams} / ${n2}, ${usedTrigrams} / ${n3})`,
    );
  }
  const wordId = new Map(words.map((w, i) => [w, i]));
  return {
    words,
    wordId,
    uniProb,
    uniBackoff,
    uniNext,
    biWord: biWord.slice(0, usedBigrams),
    biProb: biProb.slice(0, usedBigrams),
    biBackoff: biBackoff.slice(0, usedBigrams),
    biNext: biNext.slice(0, usedBigrams + 1),
    triWord: triWord.slice(0, usedTrigrams),
    triProb: triProb.slice(0, usedTrigrams),
  };
}

function search(array: Uint32Array, begin: number, end: number, value: number): number {
  let lo = begin;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && array[lo] === value ? lo : -1;
}

/**
 * The trie is reversed (as KenLM's): a unigram's range holds the bigrams that END in it, and a
 * bigram node "v w" holds the trigrams "u v w". Each node keeps its n-gram's probability and the
 * backoff of that n-gram used as a history.
 */
/** Index of the bigram "v w", or -1. */
export function bigramIndex(lm: TrieLm, v: number, w: number): number {
  return search(lm.biWord, lm.uniNext[w], lm.uniNext[w + 1], v);
}

/** Index of the trigram "u v w", or -1. */
export function trigramIndex(lm: TrieLm, u: number, v: number, w: number): number {
  const j = bigramIndex(lm, v, w);
  return j < 0 ? -1 : search(lm.triWord, lm.biNext[j], lm.biNext[j + 1], u);
}

/** log10 P(w | history) with the usual back-off, history oldest first (0-2 word ids). */
export function logProb(lm: TrieLm, history: number[], w: number): number {
  if (history.length >= 2) {
    const [u, v] = history.slice(-2);
    const k = trigramIndex(lm, u, v, w);
    if (k >= 0) return lm.triProb[k];
    const j = bigramIndex(lm, u, v);
    return (j >= 0 ? lm.biBackoff[j] : 0) + logProb(lm, [v], w);
  }
  if (history.length === 1) {
    const j = bigramIndex(lm, history[0], w);
    if (j >= 0) return lm.biProb[j];
    return lm.uniBackoff[history[0]] + lm.uniProb[w];
  }
  return lm.uniProb[w];
}
