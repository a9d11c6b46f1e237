/**
 * Text normalisation for scoring: lower case, punctuation and contractions as in the tests'
 * WER (test/support/wer.ts), then spoken numbers folded to digits so that "twenty seven" and
 * "27" are one token, and "one two three" stays three.
 */
import { normalizeWords } from '../../test/support/wer';

const UNITS: Record<string, number> = {
  zero: 0,
  oh: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000 };

type Kind = 'unit' | 'tens' | 'scale';

/** "twenty seven" -> "27", "three hundred forty two" -> "342", "one two" -> "1 2". */
export function foldNumbers(words: string[]): string[] {
  return foldNumbersTraced(words).map((token) => token.text);
}

/** A scoring token and the input words it was made of (several for a spoken number). */
export interface TracedToken {
  text: string;
  from: number[];
}

/** foldNumbers, keeping which input words made each token (to score each engine word). */
export function foldNumbersTraced(words: string[]): TracedToken[] {
  const out: TracedToken[] = [];
  let total = 0;
  let current = 0;
  let last: Kind | undefined;
  let from: number[] = [];
  const flush = () => {
    if (last !== undefined) out.push({ text: String(total + current), from });
    total = 0;
    current = 0;
    last = undefined;
    from = [];
  };
  words.forEach((word, index) => {
    // "oh" counts as a digit only inside a number run ("five oh two"), never alone.
    if (word === 'oh' && last === undefined) {
      out.push({ text: word, from: [index] });
      return;
    }
    if (word in UNITS) {
      const value = UNITS[word];
      // a unit after a unit, a teen or after "twenty N" begins a new number (digit strings)
      if (last === 'unit' || (last === 'tens' && (current % 10 !== 0 || value >= 10))) flush();
      current += value;
      last = 'unit';
      from.push(index);
    } else if (word in TENS) {
      if (last === 'unit' || last === 'tens') flush();
      current += TENS[word];
      last = 'tens';
      from.push(index);
    } else if (word in SCALES && last !== undefined) {
      const scale = SCALES[word];
      if (scale === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * scale;
        current = 0;
      }
      last = 'scale';
      from.push(index);
    } else {
      flush();
      out.push({ text: word, from: [index] });
    }
  });
  flush();
  return out;
}

export function scoringWords(text: string): string[] {
  return foldNumbers(normalizeWords(text));
}

/** Word-level edit distances: cost[i][j] = edits between ref[..i] and hyp[..j] (one DP for both scorers). */
function editCosts(ref: string[], hyp: string[]): number[][] {
  const cost = Array.from({ length: ref.length + 1 }, (_, i) =>
    Array.from({ length: hyp.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= ref.length; i += 1) {
    for (let j = 1; j <= hyp.length; j += 1) {
      const same = ref[i - 1] === hyp[j - 1] ? 0 : 1;
      cost[i][j] = Math.min(cost[i - 1][j] + 1, cost[i][j - 1] + 1, cost[i - 1][j - 1] + same);
    }
  }
  return cost;
}

/** Word-level edit distance between the reference and the hypothesis. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = scoringWords(reference);
  const hyp = scoringWords(hypothesis);
  return { errors: editCosts(ref, hyp)[ref.length][hyp.length], words: ref.length };
}

/**
 * Which engine words are right: each engine word is normalised and numbers are folded as for the
 * WER, the tokens are aligned to the reference by the same edit distance, and a word is right
 * when every token it is part of is matched by an equal reference token (a substitution or an
 * insertion makes it wrong). The labels the word-confidence calibration is fitted on.
 */
export function rightWords(reference: string, engineWords: string[]): boolean[] {
  const ref = scoringWords(reference);
  const pieces = engineWords.flatMap((word, index) => normalizeWords(word).map((piece) => ({ piece, index })));
  const tokens = foldNumbersTraced(pieces.map((p) => p.piece)).map((token) => ({
    text: token.text,
    words: [...new Set(token.from.map((i) => pieces[i].index))],
  }));
  // The WER's alignment, backtracked preferring matches.
  const cost = editCosts(
    ref,
    tokens.map((token) => token.text),
  );
  const matched = new Array<boolean>(tokens.length).fill(false);
  for (let i = ref.length, j = tokens.length; i > 0 && j > 0;) {
    const same = ref[i - 1] === tokens[j - 1].text;
    if (same && cost[i][j] === cost[i - 1][j - 1]) {
      matched[j - 1] = true;
      i -= 1;
      j -= 1;
    } else if (cost[i][j] === cost[i - 1][j - 1] + 1) {
      i -= 1;
      j -= 1;
    } else if (cost[i][j] === cost[i][j - 1] + 1) j -= 1;
    else i -= 1;
  }
  const right = engineWords.map(() => true);
  const seen = engineWords.map(() => false);
  tokens.forEach((token, j) => {
    for (const word of token.words) {
      seen[word] = true;
      if (!matched[j]) right[word] = false;
    }
  });
  // A word that normalises to nothing (pocketsphinx never emits one) scores as wrong.
  return right.map((r, k) => r && seen[k]);
}
