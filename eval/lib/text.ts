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
  const out: string[] = [];
  let total = 0;
  let current = 0;
  let last: Kind | undefined;
  const flush = () => {
    if (last !== undefined) out.push(String(total + current));
    total = 0;
    current = 0;
    last = undefined;
  };
  for (const word of words) {
    // "oh" counts as a digit only inside a number run ("five oh two"), never alone.
    if (word === 'oh' && last === undefined) {
      out.push(word);
      continue;
    }
    if (word in UNITS) {
      const value = UNITS[word];
      // a unit after a unit, a teen or after "twenty N" begins a new number (digit strings)
      if (last === 'unit' || (last === 'tens' && (current % 10 !== 0 || value >= 10))) flush();
      current += value;
      last = 'unit';
    } else if (word in TENS) {
      if (last === 'unit' || last === 'tens') flush();
      current += TENS[word];
      last = 'tens';
    } else if (word in SCALES && last !== undefined) {
      const scale = SCALES[word];
      if (scale === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * scale;
        current = 0;
      }
      last = 'scale';
    } else {
      flush();
      out.push(word);
    }
  }
  flush();
  return out;
}

export function scoringWords(text: string): string[] {
  return foldNumbers(normalizeWords(text));
}

/** Word-level edit distance between the reference and the hypothesis. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = scoringWords(reference);
  const hyp = scoringWords(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return { errors: previous[hyp.length], words: ref.length };
}
