import { isDictionaryWord } from '../text/dictionary';
import { normalizeOcrText } from '../text/ocr-text';
import type { BrandCandidate } from './parsed.types';

/**
 * Brand candidates: prominent words (tall text, upper case) that are not English dictionary
 * words, not technology terms or units, not model numbers. Well-known brands are recognised
 * even when they are dictionary words ("Apple", "Canon", "Puma"). Candidates are ranked; the
 * caller decides how many to keep.
 */

export interface BrandWordInput {
  text: string;
  /** OCR confidence 0..1. */
  confidence: number;
  /** Height of the word's box as a fraction of the image height, when known. */
  height?: number;
}

/** Brands that are also dictionary words, or too short for the not-a-word rule. */
const KNOWN_BRANDS = new Map(
  [
    'Apple',
    'Canon',
    'Dell',
    'Acer',
    'Puma',
    'Nestle',
    'Dove',
    'Gap',
    'Shell',
    'Sharp',
    'Philips',
    'Sony',
    'Samsung',
    'LG',
    'HP',
    'Asus',
    'Lenovo',
    'Xiaomi',
    'Huawei',
    'Nokia',
    'Motorola',
    'Google',
    'Microsoft',
    'Logitech',
    'Bose',
    'JBL',
    'Nike',
    'Adidas',
    'Reebok',
    "Levi's",
    'Zara',
    'Uniqlo',
    'Gucci',
    'Prada',
    'IKEA',
    'Lego',
    'Nikon',
    'Panasonic',
    'Toshiba',
    'Intel',
    'AMD',
    'Nvidia',
    'Corsair',
    'Razer',
    'Kingston',
    'SanDisk',
    'Seagate',
    'Bosch',
    'Braun',
    'Dyson',
    'Tefal',
    'Nespresso',
    'Starbucks',
    'Lindt',
    'Heinz',
    'Pepsi',
    'Coca-Cola',
    'Evian',
    'Volvic',
    'Colgate',
    'Oral-B',
    'Nivea',
    'Gillette',
    'Rolex',
    'Casio',
    'Seiko',
    'Fossil',
    'Garmin',
    'Fitbit',
    'GoPro',
    'Kodak',
    'Fujifilm',
    'Olympus',
    'Vans',
    'Converse',
    'Crocs',
    'Columbia',
    'Patagonia',
    'Champion',
    'Guess',
    'Mango',
    'Next',
    'Hermes',
    'Chanel',
    'Dior',
    'Tesla',
    'Honda',
    'Yamaha',
    'Ducati',
    'Kawasaki',
    'Suzuki',
    'Trek',
    'Specialized',
  ].map((b) => [b.toLowerCase(), b]),
);
/** Dictionary brands are only taken when printed prominently (else "Next", "Guess" are words). */
const COMMON_WORD_BRANDS = new Set([
  // component and ingredient brands name a part, not the product, unless they are the headline
  'intel',
  'amd',
  'nvidia',
  'lycra',
  'apple',
  'shell',
  'sharp',
  'gap',
  'next',
  'guess',
  'mango',
  'champion',
  'dove',
  'trek',
  'specialized',
  'columbia',
  'puma',
  'canon',
  'fossil',
  'converse',
]);

/** Technology, marketing and unit words that are not brands although not in the dictionary. */
const NOT_BRANDS = new Set(
  (
    'hdr uhd fhd qhd wqhd hd usb lcd led oled qled amoled hdmi wifi wi-fi bluetooth nfc gps ssd hdd ram rom cpu gpu ddr ' +
    'microsd microsdhc microsdxc sdhc sdxc sd type-c ethernet lan ' +
    'ips va tn nits srgb dci rgb hz khz mhz ghz mah ml cl ltr oz lb lbs kg mg cm mm inch xl xxl xs ' +
    'eur usd gbp aud cad chf jpy vat sku ean upc isbn qty pcs pc tv ' +
    'bpa pvc abs ce rohs fcc ul eac weee diy ' +
    'smart pro max ultra plus mini lite neo eco bio vegan keto gluten ' +
    'www com http https inc ltd llc gmbh co corp celsius fahrenheit displayport freesync gsync g-sync thunderbolt ' +
    'usa uk eu prc portugal italy france germany spain vietnam bangladesh cambodia indonesia thailand malaysia ' +
    'taiwan japan korea mexico brazil canada australia england scotland ireland europe london colombia ethiopia ' +
    'kenya peru guatemala honduras sri lanka pakistan morocco tunisia romania bulgaria poland hungary czech ' +
    'slovakia austria switzerland belgium netherlands holland denmark sweden norway finland greece egypt'
  ).split(' '),
);

const WORD = /^[A-Za-z][A-Za-z&'’-]*[A-Za-z]$/;

function score(word: BrandWordInput, maxHeight: number): { confidence: number; reasons: string[] } | null {
  const text = word.text;
  const lower = text.toLowerCase();
  const known = KNOWN_BRANDS.get(lower);
  const prominence = word.height && maxHeight > 0 ? word.height / maxHeight : 0.5;
  const reasons: string[] = [];
  let confidence: number;
  if (known && !(COMMON_WORD_BRANDS.has(lower) && prominence < 0.99)) {
    confidence = 0.85;
    reasons.push('known brand');
  } else {
    if (text.length < 3 || NOT_BRANDS.has(lower) || isDictionaryWord(lower)) return null;
    if (!/[aeiouy]/i.test(text)) return null; // OCR garbage ("Wkrtz") rarely has no vowel
    if (word.confidence < 0.6) return null;
    confidence = 0.4;
    reasons.push('not a dictionary word');
  }
  confidence += 0.3 * prominence;
  if (prominence >= 0.99) reasons.push('largest text');
  if (text.length >= 3 && text === text.toUpperCase()) {
    confidence += 0.1;
    reasons.push('upper case');
  }
  confidence += 0.05 * word.confidence;
  return { confidence: Math.min(0.99, Math.round(confidence * 100) / 100), reasons };
}

/** "NOVAV1EW" -> "NOVAVIEW", "C0TTON" -> "COTTON": one 1/0 between letters of a word is an I/O. */
function unswapDigits(word: string): string {
  const m = /^([A-Za-z]{2,})([01])([A-Za-z]{2,})$/.exec(word);
  if (!m) return word;
  const upper = m[1] === m[1].toUpperCase();
  const letter = m[2] === '1' ? (upper ? 'I' : 'i') : upper ? 'O' : 'o';
  return m[1] + letter + m[3];
}

/** Ranks brand candidates among OCR words, most likely first. */
export function findBrandCandidates(words: BrandWordInput[], exclude: Iterable<string> = []): BrandCandidate[] {
  const excluded = new Set([...exclude].map((e) => e.toLowerCase()));
  const cleaned = words
    // "Shell:" and "Lining:" are field names on labels, not brands
    .filter((w) => !/:\s*$/.test(w.text))
    .map((w) => ({ ...w, text: unswapDigits(normalizeOcrText(w.text)).replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '') }))
    .filter((w) => WORD.test(w.text) && !excluded.has(w.text.toLowerCase()));
  const maxHeight = Math.max(0, ...words.map((w) => w.height ?? 0));
  const byBrand = new Map<string, BrandCandidate>();
  for (const word of cleaned) {
    const result = score(word, maxHeight);
    if (!result) continue;
    const key = word.text.toLowerCase();
    const brand = KNOWN_BRANDS.get(key) ?? word.text;
    const seen = byBrand.get(key);
    if (!seen || seen.confidence < result.confidence) byBrand.set(key, { brand, ...result });
  }
  return [...byBrand.values()].sort((a, b) => b.confidence - a.confidence);
}
