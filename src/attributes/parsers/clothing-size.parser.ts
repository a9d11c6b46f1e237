import { normalizeOcrText } from '../text/ocr-text';
import type { ParsedClothingSize } from './parsed.types';

/**
 * Clothing sizes: "Size M", "SIZE: XL", "Size 10", "EU 42", "US 9.5", and a line that is only a
 * letter size of two or more letters ("XL", "XXL", "2XL"). A lone "S", "M" or "L" without the
 * word "size" is too ambiguous to report.
 */

const LETTER = '(?:XXS|XS|S|M|L|XL|XXL|XXXL|[2-6]XL)';
const WITH_KEYWORD = new RegExp(
  `\\b(?:size|sz|taille|talla|gr(?:ö|oe)sse)(?:\\s?[:.]\\s?|\\s)(${LETTER}|\\d{1,2}(?:[.,]5)?)(?![A-Za-z0-9])`,
  'gi',
);
// OCR may lower-case the system ("us 9.5"); the number right after it keeps this specific
const SYSTEM = /\b(EU|US|UK|FR|IT|JP)\s?[:.]?\s?(\d{1,2}(?:[.,]5)?)(?![A-Za-z0-9%.,])/gi;
const ALONE = new RegExp(`^(XXS|XS|XL|XXL|XXXL|[2-6]XL)$`);

export function parseClothingSizes(input: string): ParsedClothingSize[] {
  const text = normalizeOcrText(input);
  const out: ParsedClothingSize[] = [];
  for (const m of text.matchAll(WITH_KEYWORD)) {
    const raw = m[1];
    const letter = /^[a-z0-9]*[a-z]+$/i.test(raw);
    // "size m" in lower case is fine after the keyword; sizes are printed upper case
    out.push({
      size: letter ? raw.toUpperCase() : raw.replace(',', '.'),
      system: letter ? 'letter' : 'numeric',
      text: m[0],
      confidence: 0.92,
    });
  }
  for (const m of text.matchAll(SYSTEM)) {
    out.push({ size: m[2].replace(',', '.'), system: m[1].toUpperCase(), text: m[0], confidence: 0.7 });
  }
  const alone = ALONE.exec(text.trim());
  if (alone && !out.length) out.push({ size: alone[1], system: 'letter', text: alone[0], confidence: 0.6 });
  return out;
}
