import { normalizeOcrText, parseNumber, round } from '../text/ocr-text';
import type { ParsedDimensions, ParsedQuantity, QuantityKind } from './parsed.types';

/**
 * Measured quantities in OCR text: lengths, volumes, weights, data capacities, frequencies,
 * power and battery capacity.
 *
 * Every result keeps the unit as stated (canonical symbol: "27 inch" and 27" both give unit
 * "in") and adds a normalised value in one unit per kind:
 *
 * | kind      | normalised unit | notes                                                       |
 * | --------- | --------------- | ----------------------------------------------------------- |
 * | length    | cm              | screens are re-expressed in inches by the extractor         |
 * | volume    | ml              | fl oz = US fluid ounce (29.5735 ml), gal = US gallon         |
 * | weight    | g               | oz = avoirdupois ounce (28.3495 g), lb = 453.592 g          |
 * | data      | GB              | decimal, as storage is marketed: 1 TB = 1000 GB              |
 * | frequency | Hz              | refresh rates (144Hz) and clock speeds (3.2 GHz)            |
 * | power     | W               |                                                             |
 * | battery   | mAh             |                                                             |
 *
 * A bare "oz" is ambiguous. "fl oz" is always a volume. A bare "oz" is read as fluid ounces
 * when the context is a liquid (the caller says so, or the same text has a volume unit or a
 * liquid word such as water, juice, shampoo) and as a weight otherwise, with a lower
 * confidence and a note either way.
 */

interface UnitSpec {
  kind: QuantityKind;
  unit: string;
  /** Regex source of the unit as written, without the number. */
  pattern: string;
  caseSensitive?: boolean;
  /** Multiply by this to get the normalised unit. */
  factor: number;
  confidence: number;
}

export const NORMALIZED_UNIT: Record<QuantityKind, string> = {
  length: 'cm',
  volume: 'ml',
  weight: 'g',
  data: 'GB',
  frequency: 'Hz',
  power: 'W',
  battery: 'mAh',
};

const INCH_CM = 2.54;
const FL_OZ_ML = 29.5735;
const OZ_G = 28.3495;

const UNITS: UnitSpec[] = [
  // length
  { kind: 'length', unit: 'in', pattern: 'inch(?:es)?|inches', factor: INCH_CM, confidence: 0.95 },
  { kind: 'length', unit: 'in', pattern: '"', factor: INCH_CM, confidence: 0.9 },
  // a bare "in" is a word too: not "2 in 1", and only right after the number
  { kind: 'length', unit: 'in', pattern: 'in\\.?(?!\\s*\\d)', factor: INCH_CM, confidence: 0.75 },
  { kind: 'length', unit: 'mm', pattern: 'mm|millimet(?:er|re)s?', factor: 0.1, confidence: 0.9 },
  { kind: 'length', unit: 'cm', pattern: 'cm|centimet(?:er|re)s?', factor: 1, confidence: 0.9 },
  { kind: 'length', unit: 'm', pattern: 'm|met(?:er|re)s?', caseSensitive: true, factor: 100, confidence: 0.8 },
  { kind: 'length', unit: 'ft', pattern: 'ft\\.?|feet|foot', factor: 30.48, confidence: 0.85 },
  // volume (fl oz before oz)
  { kind: 'volume', unit: 'fl oz', pattern: 'fl\\.?\\s?oz\\.?|fluid\\s+ounces?', factor: FL_OZ_ML, confidence: 0.95 },
  { kind: 'volume', unit: 'ml', pattern: 'ml|millilit(?:er|re)s?', factor: 1, confidence: 0.95 },
  { kind: 'volume', unit: 'cl', pattern: 'cl', factor: 10, confidence: 0.9 },
  { kind: 'volume', unit: 'l', pattern: 'l|ltrs?|lit(?:er|re)s?', factor: 1000, confidence: 0.9 },
  { kind: 'volume', unit: 'gal', pattern: 'gal|gallons?', factor: 3785.41, confidence: 0.85 },
  // weight (oz is resolved by context below)
  { kind: 'weight', unit: 'mg', pattern: 'mg', factor: 0.001, confidence: 0.9 },
  { kind: 'weight', unit: 'kg', pattern: 'kg|kgs|kilos?|kilograms?', factor: 1000, confidence: 0.95 },
  { kind: 'weight', unit: 'g', pattern: 'g|gr|grams?|grammes?', caseSensitive: true, factor: 1, confidence: 0.9 },
  { kind: 'weight', unit: 'lb', pattern: 'lbs?\\.?|pounds?', factor: 453.592, confidence: 0.9 },
  { kind: 'weight', unit: 'oz', pattern: 'oz\\.?|ounces?', factor: OZ_G, confidence: 0.75 },
  // data
  { kind: 'data', unit: 'KB', pattern: 'kb|kbytes?', factor: 1e-6, confidence: 0.85 },
  { kind: 'data', unit: 'MB', pattern: 'mb|mbytes?', factor: 1e-3, confidence: 0.9 },
  { kind: 'data', unit: 'GB', pattern: 'gb|gbytes?|gigabytes?', factor: 1, confidence: 0.95 },
  { kind: 'data', unit: 'TB', pattern: 'tb|tbytes?|terabytes?', factor: 1000, confidence: 0.95 },
  // frequency
  { kind: 'frequency', unit: 'Hz', pattern: 'hz|hertz', factor: 1, confidence: 0.95 },
  { kind: 'frequency', unit: 'kHz', pattern: 'khz', factor: 1e3, confidence: 0.95 },
  { kind: 'frequency', unit: 'MHz', pattern: 'mhz', factor: 1e6, confidence: 0.95 },
  { kind: 'frequency', unit: 'GHz', pattern: 'ghz', factor: 1e9, confidence: 0.95 },
  // power and battery
  { kind: 'power', unit: 'W', pattern: 'W|watts?|Watts?|WATTS?', caseSensitive: true, factor: 1, confidence: 0.9 },
  { kind: 'power', unit: 'kW', pattern: 'kW|KW|kilowatts?', caseSensitive: true, factor: 1000, confidence: 0.9 },
  { kind: 'battery', unit: 'mAh', pattern: 'mah', factor: 1, confidence: 0.95 },
];

const NUMBER = '(\\d+(?:[.,]\\d+)?)';
/** A number not glued to a word before it ("NV-27U", "HDR10" are not quantities). */
const NUMBER_START = '(?<![A-Za-z0-9.,-])';
/** The unit ends the token; a slash after it makes a rate ("170MB/s", "mg/ml"), not a quantity. */
const UNIT_END = '(?![A-Za-z0-9])(?!\\s?/)';

const UNIT_REGEXES = UNITS.map((spec) => ({
  spec,
  regex: new RegExp(
    `${NUMBER_START}${NUMBER}\\s?-?\\s?(?:${spec.pattern})${spec.pattern === '"' ? '' : UNIT_END}`,
    spec.caseSensitive ? 'g' : 'gi',
  ),
}));

const DIMENSIONS = new RegExp(
  `${NUMBER_START}${NUMBER}\\s?(?:cm|mm|"|in)?\\s?[xX*]\\s?${NUMBER}(?:\\s?(?:cm|mm|"|in)?\\s?[xX*]\\s?${NUMBER})?\\s?(cm|mm|m|inch(?:es)?|in|")(?![A-Za-z])`,
  'g',
);
const DIMENSION_UNITS: Record<string, { unit: string; factor: number }> = {
  cm: { unit: 'cm', factor: 1 },
  mm: { unit: 'mm', factor: 0.1 },
  m: { unit: 'm', factor: 100 },
  in: { unit: 'in', factor: INCH_CM },
  '"': { unit: 'in', factor: INCH_CM },
  inch: { unit: 'in', factor: INCH_CM },
  inches: { unit: 'in', factor: INCH_CM },
};

const LIQUID_WORDS =
  /\b(water|juice|drink|beverage|soda|milk|shampoo|conditioner|lotion|liquid|oil|wine|beer|sauce|syrup|fl|ml|spray|soap|cleaner|detergent|cola|tea|coffee drink)\b/i;
const VOLUME_UNIT = /\d\s?(ml|cl|l|ltr|fl\.?\s?oz)\b/i;

const QUALIFIERS = /^\s*(ram|memory|ddr\d?|lpddr\d?x?|ssd|hdd|storage|emmc|flash|nvme|vram|gddr\d?x?)\b/i;

export interface QuantityContext {
  /** True when the product is a liquid (bottle, beverage): a bare "oz" is then a fluid ounce. */
  liquid?: boolean;
}

interface Span {
  start: number;
  end: number;
}
const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/** Sizes written as "60 x 40 x 20 cm" or '24" x 36"'. */
export function parseDimensions(input: string): ParsedDimensions[] {
  const text = normalizeOcrText(input);
  const out: ParsedDimensions[] = [];
  for (const m of text.matchAll(DIMENSIONS)) {
    const unitWord = m[4].toLowerCase();
    const unit = DIMENSION_UNITS[unitWord] ?? DIMENSION_UNITS[unitWord.startsWith('inch') ? 'inch' : unitWord];
    if (!unit) continue;
    const values = [m[1], m[2], m[3]].filter((v): v is string => v !== undefined).map(parseNumber);
    out.push({
      kind: 'dimensions',
      values,
      unit: unit.unit,
      normalized: { values: values.map((v) => round(v * unit.factor)), unit: 'cm' },
      text: m[0],
      confidence: 0.9,
    });
  }
  return out;
}

/**
 * Every quantity in one line of text (cleaned with normalizeOcrText first), in reading order.
 * Parts of a dimension ("60 x 40 x 20 cm") are not reported again as lengths.
 */
export function parseQuantities(input: string, context: QuantityContext = {}): ParsedQuantity[] {
  const text = normalizeOcrText(input);
  const taken: Span[] = [...text.matchAll(DIMENSIONS)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  const found: (ParsedQuantity & Span)[] = [];
  const liquid = context.liquid ?? (LIQUID_WORDS.test(text) || VOLUME_UNIT.test(text));

  for (const { spec, regex } of UNIT_REGEXES) {
    for (const m of text.matchAll(regex)) {
      const span = { start: m.index, end: m.index + m[0].length };
      if (taken.some((t) => overlaps(t, span)) || found.some((f) => overlaps(f, span))) continue;
      const value = parseNumber(m[1]);
      if (!Number.isFinite(value) || value <= 0) continue;
      let { kind, unit, factor, confidence } = spec;
      let note: string | undefined;
      if (unit === 'oz') {
        if (liquid) {
          kind = 'volume';
          unit = 'fl oz';
          factor = FL_OZ_ML;
          note = 'bare "oz" read as fluid ounces (liquid product)';
        } else {
          note = 'bare "oz" read as a weight (no liquid context)';
        }
        confidence = 0.7;
      }
      // A lone "m"/"g"/"W"/"in" after a big bare number is weak evidence; a 4-digit inch is not a screen.
      if (unit === 'in' && value > 200) confidence = Math.min(confidence, 0.3);
      const qualifier = kind === 'data' ? QUALIFIERS.exec(text.slice(span.end))?.[1] : undefined;
      found.push({
        kind,
        value,
        unit,
        normalized: { value: round(value * factor, kind === 'data' ? 6 : 2), unit: NORMALIZED_UNIT[kind] },
        text: m[0],
        confidence,
        ...(note ? { note } : {}),
        ...(qualifier ? { qualifier: qualifier.toUpperCase() } : {}),
        ...span,
      });
    }
  }
  return found.sort((a, b) => a.start - b.start).map(({ start: _start, end: _end, ...quantity }) => quantity);
}

/** Converts a length in any supported unit to inches (screens are sold by the inch). */
export function lengthInInches(quantity: { normalized: { value: number } }): number {
  return round(quantity.normalized.value / INCH_CM, 1);
}
