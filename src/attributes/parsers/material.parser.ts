import { normalizeOcrText } from '../text/ocr-text';
import type { ParsedMaterial } from './parsed.types';

/**
 * Materials with their share, as printed on care labels and product copy: "100% Cotton",
 * "60% cotton 40% polyester", "Cotton 95%, Elastane 5%", "Shell: 100% Polyamide". Materials
 * named without a share ("Stainless Steel") are reported with a lower confidence.
 */

/** Canonical material name -> spellings (lower case, OCR text is lower-cased before matching). */
const MATERIALS: Record<string, string[]> = {
  cotton: ['cotton', 'organic cotton', 'baumwolle', 'coton', 'algodon', 'algodón'],
  polyester: ['polyester', 'poliester', 'poliéster', 'polyesters'],
  elastane: ['elastane', 'elasthan', 'elastano'],
  spandex: ['spandex'],
  lycra: ['lycra'],
  nylon: ['nylon'],
  polyamide: ['polyamide', 'polyamid', 'poliamida'],
  wool: ['wool', 'merino wool', 'merino', 'wolle', 'laine', 'lana'],
  cashmere: ['cashmere'],
  silk: ['silk', 'seide', 'soie'],
  linen: ['linen', 'leinen', 'lin'],
  viscose: ['viscose', 'viskose'],
  rayon: ['rayon'],
  modal: ['modal'],
  lyocell: ['lyocell', 'tencel'],
  acrylic: ['acrylic', 'acryl'],
  polypropylene: ['polypropylene'],
  leather: ['leather', 'genuine leather', 'leder'],
  'faux leather': ['faux leather', 'vegan leather', 'pu leather'],
  suede: ['suede'],
  denim: ['denim'],
  down: ['down'],
  feather: ['feather', 'feathers'],
  hemp: ['hemp'],
  bamboo: ['bamboo'],
  'stainless steel': ['stainless steel', 'stainless'],
  aluminium: ['aluminium', 'aluminum'],
  steel: ['steel'],
  glass: ['glass', 'borosilicate glass'],
  ceramic: ['ceramic', 'porcelain', 'stoneware'],
  wood: ['wood', 'solid wood', 'oak', 'walnut', 'beech'],
  plastic: ['plastic', 'bpa free plastic', 'abs'],
  silicone: ['silicone'],
  rubber: ['rubber'],
};

/** Materials whose bare mention (no %) is too common a word to count on its own. */
const NEEDS_PERCENT = new Set(['down', 'modal', 'linen', 'glass', 'wood', 'steel', 'plastic', 'rubber', 'denim']);

const SPELLINGS = Object.entries(MATERIALS)
  .flatMap(([material, spellings]) => spellings.map((spelling) => ({ material, spelling })))
  .sort((a, b) => b.spelling.length - a.spelling.length);
const NAME_ALT = SPELLINGS.map((s) => s.spelling.replace(/\s+/g, '\\s+')).join('|');
const materialOf = (words: string) =>
  SPELLINGS.find((s) => s.spelling === words.toLowerCase().replace(/\s+/g, ' '))?.material;

const PERCENT_FIRST = new RegExp(`(\\d{1,3})\\s?%\\s?(${NAME_ALT})(?![a-z])`, 'gi');
const PERCENT_AFTER = new RegExp(`(?<![a-z])(${NAME_ALT})\\s?[:-]?\\s?(\\d{1,3})\\s?%`, 'gi');
const BARE = new RegExp(`(?<![a-z])(${NAME_ALT})(?![a-z])`, 'gi');

export function parseMaterials(input: string): ParsedMaterial[] {
  const text = normalizeOcrText(input);
  const out: (ParsedMaterial & { index: number; end: number })[] = [];
  const free = (start: number, end: number) => !out.some((o) => start < o.end && o.index < end);
  const add = (material: string | undefined, percent: number | undefined, m: RegExpMatchArray, confidence: number) => {
    if (!material || m.index === undefined || !free(m.index, m.index + m[0].length)) return;
    if (percent !== undefined && (percent <= 0 || percent > 100)) return;
    out.push({
      material,
      ...(percent !== undefined ? { percent } : {}),
      text: m[0],
      confidence,
      index: m.index,
      end: m.index + m[0].length,
    });
  };
  for (const m of text.matchAll(PERCENT_FIRST)) add(materialOf(m[2]), Number(m[1]), m, 0.95);
  for (const m of text.matchAll(PERCENT_AFTER)) add(materialOf(m[1]), Number(m[2]), m, 0.9);
  for (const m of text.matchAll(BARE)) {
    const material = materialOf(m[1]);
    if (material && !NEEDS_PERCENT.has(material)) add(material, undefined, m, 0.6);
  }
  // shares that add up to 100 confirm each other
  const total = out.reduce((sum, o) => sum + (o.percent ?? 0), 0);
  const confirmed = out.filter((o) => o.percent !== undefined).length > 1 && total === 100;
  return out
    .sort((a, b) => a.index - b.index)
    .map(({ index: _index, end: _end, ...material }) =>
      confirmed && material.percent !== undefined ? { ...material, confidence: 0.98 } : material,
    );
}
