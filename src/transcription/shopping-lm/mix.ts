/**
 * A shopping trigram model estimated on the generated corpus (interpolated absolute
 * discounting) and its linear interpolation with the general en-us model:
 *   P(w | h) = lambda * P_general(w | h) + (1 - lambda) * P_shopping(w | h)
 * written as one ARPA back-off model over the union of both models' n-grams, with the back-off
 * weights recomputed so that every history sums to one (what SRILM's -mix-lm does).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { bigramIndex, logProb, TrieLm } from './trie-lm';

const DISCOUNT = 0.75;
const BOS = '<s>';
const EOS = '</s>';

export class ShoppingModel {
  readonly inVocab: Uint8Array;
  private readonly uni: Float64Array;
  private readonly c2 = new Map<string, number>();
  private readonly c3 = new Map<string, number>();
  private readonly ctx2 = new Map<number, { count: number; types: number }>();
  private readonly ctx3 = new Map<string, { count: number; types: number }>();

  constructor(
    sentences: string[],
    private readonly lm: TrieLm,
  ) {
    const n = lm.words.length;
    this.inVocab = new Uint8Array(n);
    this.uni = new Float64Array(n);
    let tokens = 0;
    const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
    for (const sentence of sentences) {
      const ids = [BOS, ...sentence.split(' '), EOS].map((w) => {
        const id = lm.wordId.get(w);
        if (id === undefined) throw new Error(`shopping corpus: "${w}" is not in the general model`);
        return id;
      });
      for (let i = 1; i < ids.length; i += 1) {
        this.uni[ids[i]] += 1;
        this.inVocab[ids[i]] = 1;
        tokens += 1;
        bump(this.c2, `${ids[i - 1]} ${ids[i]}`);
        if (i >= 2) bump(this.c3, `${ids[i - 2]} ${ids[i - 1]} ${ids[i]}`);
      }
    }
    for (let w = 0; w < n; w += 1) this.uni[w] /= tokens;
    for (const [key, count] of this.c2) {
      const v = Number(key.split(' ')[0]);
      const ctx = this.ctx2.get(v) ?? { count: 0, types: 0 };
      ctx.count += count;
      ctx.types += 1;
      this.ctx2.set(v, ctx);
    }
    for (const [key, count] of this.c3) {
      const uv = key.slice(0, key.lastIndexOf(' '));
      const ctx = this.ctx3.get(uv) ?? { count: 0, types: 0 };
      ctx.count += count;
      ctx.types += 1;
      this.ctx3.set(uv, ctx);
    }
  }

  bigramKeys(): string[] {
    return [...this.c2.keys()];
  }

  trigramKeys(): string[] {
    return [...this.c3.keys()];
  }

  /** Whether v ends shopping histories in the corpus (the shopping model has seen what follows it). */
  knowsHistory(v: number): boolean {
    return this.ctx2.has(v);
  }

  p1(w: number): number {
    return this.uni[w];
  }

  p2(v: number, w: number): number {
    if (!this.inVocab[w]) return 0;
    const ctx = this.ctx2.get(v);
    if (!ctx) return this.uni[w];
    const c = this.c2.get(`${v} ${w}`) ?? 0;
    return Math.max(c - DISCOUNT, 0) / ctx.count + ((DISCOUNT * ctx.types) / ctx.count) * this.uni[w];
  }

  p3(u: number, v: number, w: number): number {
    if (!this.inVocab[w]) return 0;
    const ctx = this.ctx3.get(`${u} ${v}`);
    if (!ctx) return this.p2(v, w);
    const c = this.c3.get(`${u} ${v} ${w}`) ?? 0;
    return Math.max(c - DISCOUNT, 0) / ctx.count + ((DISCOUNT * ctx.types) / ctx.count) * this.p2(v, w);
  }
}

export interface MixStats {
  unigrams: number;
  bigrams: number;
  trigrams: number;
  /** histories whose back-off weight needed clamping (quantised general probabilities sum over 1). */
  clamped: number;
}

export interface MixWeights {
  /** weight of the general model after a word the shopping corpus has histories for. */
  lambda: number;
  /** weight of the general model elsewhere, and for the unigrams (1: the general model alone). */
  lambdaElsewhere: number;
}

/**
 * Writes the interpolated model as ARPA text to `path`. The weight depends on the history's last
 * word: the shopping model only speaks after words it has seen shoppers use, so general speech
 * ("experience proves this") keeps the general model's odds.
 */
export function writeMixedArpa(lm: TrieLm, shop: ShoppingModel, weights: MixWeights, path: string): MixStats {
  const n1 = lm.words.length;
  const n2 = lm.biWord.length;
  const { lambda, lambdaElsewhere } = weights;
  const mix = (general: number, shopping: number, v = -1) => {
    const l = v >= 0 && shop.knowsHistory(v) ? lambda : lambdaElsewhere;
    return l * general + (1 - l) * shopping;
  };
  const bos = lm.wordId.get(BOS) ?? -1;
  let clamped = 0;
  const backoff = (num: number, den: number) => {
    const limit = 1 - 1e-7;
    if (num > limit || den > limit) clamped += 1;
    return Math.log10((1 - Math.min(num, limit)) / (1 - Math.min(den, limit)));
  };

  // Unigrams.
  const p1 = new Float64Array(n1);
  for (let w = 0; w < n1; w += 1) p1[w] = w === bos ? 0 : mix(10 ** lm.uniProb[w], shop.p1(w));

  // Bigrams: the general model's nodes ("v w", owner w), then the shopping-only ones.
  const owner = new Uint32Array(n2);
  for (let w = 0; w < n1; w += 1) owner.fill(w, lm.uniNext[w], lm.uniNext[w + 1]);
  const p2 = new Float64Array(n2);
  const num1 = new Float64Array(n1);
  const den1 = new Float64Array(n1);
  for (let j = 0; j < n2; j += 1) {
    const v = lm.biWord[j];
    const w = owner[j];
    p2[j] = mix(10 ** lm.biProb[j], shop.p2(v, w), v);
    num1[v] += p2[j];
    den1[v] += p1[w];
  }
  const extraBigrams = new Map<string, number>();
  for (const key of shop.bigramKeys()) {
    const [v, w] = key.split(' ').map(Number);
    if (bigramIndex(lm, v, w) >= 0) continue;
    const p = mix(10 ** logProb(lm, [v], w), shop.p2(v, w), v);
    extraBigrams.set(key, p);
    num1[v] += p;
    den1[v] += p1[w];
  }
  const bo1 = new Float64Array(n1);
  for (let v = 0; v < n1; v += 1) bo1[v] = num1[v] > 0 ? backoff(num1[v], den1[v]) : 0;
  /** The mixed model's P(w | v), explicit or backed off. */
  const mixedBigram = (v: number, w: number) => {
    const j = bigramIndex(lm, v, w);
    if (j >= 0) return p2[j];
    return extraBigrams.get(`${v} ${w}`) ?? 10 ** bo1[v] * p1[w];
  };

  // Trigrams "u v w": general nodes under bigram node "v w", then the shopping-only ones. Their
  // history "u v" is a general bigram node (the trie has one for every trigram) or a shopping-only bigram.
  const num2 = new Float64Array(n2);
  const den2 = new Float64Array(n2);
  const extraNum2 = new Map<string, number>();
  const extraDen2 = new Map<string, number>();
  const addToHistory = (u: number, v: number, p: number, lower: number) => {
    const h = bigramIndex(lm, u, v);
    if (h >= 0) {
      num2[h] += p;
      den2[h] += lower;
    } else {
      const key = `${u} ${v}`;
      extraNum2.set(key, (extraNum2.get(key) ?? 0) + p);
      extraDen2.set(key, (extraDen2.get(key) ?? 0) + lower);
    }
  };
  const p3 = new Float64Array(lm.triWord.length);
  for (let j = 0; j < n2; j += 1) {
    const v = lm.biWord[j];
    const w = owner[j];
    for (let k = lm.biNext[j]; k < lm.biNext[j + 1]; k += 1) {
      const u = lm.triWord[k];
      p3[k] = mix(10 ** lm.triProb[k], shop.p3(u, v, w), v);
      addToHistory(u, v, p3[k], p2[j]);
    }
  }
  const extraTrigrams = new Map<string, number>();
  for (const key of shop.trigramKeys()) {
    const [u, v, w] = key.split(' ').map(Number);
    const j = bigramIndex(lm, v, w);
    if (j >= 0) {
      let found = false;
      for (let k = lm.biNext[j]; k < lm.biNext[j + 1] && !found; k += 1) found = lm.triWord[k] === u;
      if (found) continue;
    }
    const p = mix(10 ** logProb(lm, [u, v], w), shop.p3(u, v, w), v);
    extraTrigrams.set(key, p);
    addToHistory(u, v, p, mixedBigram(v, w));
  }

  // ARPA text.
  const fd = openSync(path, 'w');
  let chunk: string[] = [];
  const out = (line: string) => {
    chunk.push(line);
    if (chunk.length >= 50_000) flush();
  };
  const flush = () => {
    writeSync(fd, chunk.join('\n') + '\n');
    chunk = [];
  };
  const log = (p: number) => (p > 0 ? Math.log10(p).toFixed(6) : '-99');
  const bo = (x: number) => x.toFixed(6);
  const words = lm.words;
  const nBigrams = n2 + extraBigrams.size;
  const nTrigrams = lm.triWord.length + extraTrigrams.size;
  out('\\data\\');
  out(`ngram 1=${n1}`);
  out(`ngram 2=${nBigrams}`);
  out(`ngram 3=${nTrigrams}`);
  out('');
  out('\\1-grams:');
  for (let w = 0; w < n1; w += 1) out(`${log(p1[w])}\t${words[w]}\t${bo(bo1[w])}`);
  out('');
  out('\\2-grams:');
  for (let j = 0; j < n2; j += 1) {
    const b = num2[j] > 0 ? backoff(num2[j], den2[j]) : 0;
    out(`${log(p2[j])}\t${words[lm.biWord[j]]} ${words[owner[j]]}\t${bo(b)}`);
  }
  for (const [key, p] of extraBigrams) {
    const [v, w] = key.split(' ').map(Number);
    const num = extraNum2.get(key) ?? 0;
    const b = num > 0 ? backoff(num, extraDen2.get(key) ?? 0) : 0;
    out(`${log(p)}\t${words[v]} ${words[w]}\t${bo(b)}`);
  }
  out('');
  out('\\3-grams:');
  for (let j = 0; j < n2; j += 1) {
    const pair = `${words[lm.biWord[j]]} ${words[owner[j]]}`;
    for (let k = lm.biNext[j]; k < lm.biNext[j + 1]; k += 1) out(`${log(p3[k])}\t${words[lm.triWord[k]]} ${pair}`);
  }
  for (const [key, p] of extraTrigrams)
    out(
      `${log(p)}\t${key
        .split(' ')
        .map((id) => words[Number(id)])
        .join(' ')}`,
    );
  out('');
  out('\\end\\');
  flush();
  closeSync(fd);
  return { unigrams: n1, bigrams: nBigrams, trigrams: nTrigrams, clamped };
}
