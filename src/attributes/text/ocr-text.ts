/**
 * Clean-up of OCR text before the attribute parsers see it. Tesseract and Rekognition both
 * confuse a few glyphs in numbers and print several kinds of quote marks; the parsers are
 * written against the cleaned form only.
 */

/** Quote marks OCR and product copy use for inches and feet, folded to ASCII. */
const DOUBLE_QUOTES = /[″“”„‟〃]|''/g;
const SINGLE_QUOTES = /[′‘’‚‛]/g;

/**
 * Inside a token that starts like a number ("1OO%", "5OOml", "l44Hz", "2l60"), the letters O/o
 * become 0 and l/I/| become 1 when they sit next to digits. Tokens that start with letters
 * ("Model", "NV-27U", "HDR10") are left alone: in model numbers a letter O is as likely as a 0.
 */
function fixNumericGlyphs(token: string): string {
  const match = /^[\dOoIl|]+(?:[.,][\dOoIl|]+)?/.exec(token);
  if (!match || !/\d/.test(match[0])) return token;
  const head = match[0];
  const chars = [...head];
  const isDigitLike = (c: string | undefined) => c !== undefined && /[\dOo]/.test(c);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === 'O' || c === 'o') {
      if (isDigitLike(chars[i - 1]) || isDigitLike(chars[i + 1])) chars[i] = '0';
    } else if (c === 'l' || c === 'I' || c === '|') {
      // "l44" or "2l60": a 1 when a digit follows; a trailing "l" is more likely a unit ("5l").
      if (/\d/.test(chars[i + 1] ?? '')) chars[i] = '1';
    }
  }
  // A leading glyph that was not followed by a digit stays a letter: do not eat words.
  const fixed = chars.join('');
  return /^\d/.test(fixed) ? fixed + token.slice(head.length) : token;
}

/** Normalises one OCR line: quotes, odd spaces, number glyphs, decimal commas kept as commas. */
export function normalizeOcrText(text: string): string {
  return text
    .replace(DOUBLE_QUOTES, '"')
    .normalize('NFKC')
    .replace(SINGLE_QUOTES, "'")
    .replace(/''/g, '"')
    .replace(/[×✕]/g, 'x')
    .replace(/[\u00a0\u2000-\u200b\u202f]/g, ' ')
    .split(/(\s+)/)
    .map((part) => (/\s/.test(part) ? part : fixNumericGlyphs(part)))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** "68,6" -> 68.6; "1.5" -> 1.5. Thousands separators are not expected in product sizes. */
export function parseNumber(text: string): number {
  return Number(text.replace(',', '.'));
}

/** Rounds to a few significant decimals so normalised values print cleanly (68.58, 0.5). */
export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
