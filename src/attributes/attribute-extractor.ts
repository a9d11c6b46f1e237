import type {
  AnalysisForAttributes,
  AttributeExtraction,
  AttributeSource,
  ParsedText,
  ProductAttribute,
  ProductColors,
  ProductObject,
  TextLine,
} from './attribute.types';
import type { BoundingBox as Box } from '../image-analysis/image-analysis.types';
import { clampBox } from '../common/geometry/bounding-box';
import { findBrandCandidates, type BrandWordInput } from './parsers/brand.parser';
import { parseClothingSizes } from './parsers/clothing-size.parser';
import { parseMaterials } from './parsers/material.parser';
import { parseModelNumbers } from './parsers/model-number.parser';
import type { ParsedQuantity } from './parsers/parsed.types';
import { lengthInInches, parseDimensions, parseQuantities } from './parsers/quantity.parser';
import { parseResolutions } from './parsers/resolution.parser';
import { buildSearchQuery } from './search-query';
import { normalizeOcrText } from './text/ocr-text';
import { CategoryEvidence, inferCategory, Taxonomy, TaxonomyNode } from './taxonomy/taxonomy';

/**
 * Turns an image analysis (labels, objects, OCR text, colours) into product attributes, a
 * category path and a search query. Pure: the caller measures the product colours (they need
 * the pixels) and passes them in.
 *
 * Bump EXTRACTOR_VERSION whenever the output for the same analysis changes: it is part of the
 * cache key of stored results.
 */
export const EXTRACTOR_VERSION = 'attributes-1';

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const area = (b?: Box) => (b ? Math.max(0, b.width) * Math.max(0, b.height) : 0);

/** Categories whose sizes are screen diagonals, given in inches. */
const SCREEN_PATHS = [
  'Electronics > Computer > Monitor',
  'Electronics > Computer > Laptop',
  'Electronics > TV & Video',
  'Electronics > Mobile Phones',
];
const SCREEN_WORDS = /\b(monitor|display|screen|tv|television|laptop|notebook|tablet|phone)\b/i;
/** Categories sold as liquids: a bare "oz" there is a fluid ounce. */
const LIQUID_PATHS = [
  'Grocery > Beverages > Water',
  'Grocery > Beverages > Juice',
  'Grocery > Beverages > Soft Drinks',
  'Grocery > Beverages > Wine',
  'Grocery > Beverages > Beer',
  'Home & Kitchen > Drinkware',
  'Beauty & Personal Care > Hair Care',
  'Beauty & Personal Care > Skin Care',
  'Beauty & Personal Care > Fragrance',
];

export interface ExtractOptions {
  /** Attributes below this confidence are dropped from the attribute list (parsed text keeps them). */
  minConfidence?: number;
}

export class AttributeExtractor {
  constructor(private readonly taxonomy: Taxonomy = new Taxonomy()) {}

  extract(
    analysis: AnalysisForAttributes,
    colors: ProductColors | null,
    options: ExtractOptions = {},
  ): AttributeExtraction {
    const minConfidence = options.minConfidence ?? 0.3;
    const { lines, words } = this.readText(analysis);
    const objects = this.objects(analysis);
    const main = objects.find((o) => o.main);

    // category from what was seen and what is printed; parsing needs it (liquids, screens)
    const evidence = this.categoryEvidence(analysis, objects, lines);
    const first = inferCategory(this.taxonomy, evidence);
    const liquid = first.best
      ? first.best.path === 'Grocery > Beverages' ||
        LIQUID_PATHS.some((p) => first.best!.path.startsWith(p)) ||
        undefined
      : undefined;

    const text = this.parseText(lines, words, liquid);
    // printed specs tell the kind of product too: fabric shares and sizes are clothes,
    // resolutions are screens
    const inferred: CategoryEvidence[] = [];
    const fabric = text.materials.find((m) => m.percent !== undefined && isTextile(m.material));
    const size = text.sizes.find((s) => s.confidence >= 0.8);
    const clue = fabric?.text ?? size?.text;
    if (clue) inferred.push({ source: 'ocr', name: clue, path: CLOTHING, confidence: 0.45 });
    if (text.resolutions.length) {
      inferred.push({ source: 'ocr', name: text.resolutions[0].text, path: 'Electronics', confidence: 0.4 });
    }
    const { best, alternatives } = inferred.length ? inferCategory(this.taxonomy, [...evidence, ...inferred]) : first;
    const node = best ? this.taxonomy.find(best.path) : undefined;

    const productColors: ProductColors = colors ?? {
      colors: (analysis.colors ?? []).map((c) => ({
        name: c.name,
        hex: c.hex,
        fraction: c.fraction,
      })),
      background: null,
      region: 'image',
    };

    const attributes = this.attributes({ best, node, text, colors: productColors, main, lines }).filter(
      (a) => a.confidence >= minConfidence,
    );
    const search_query = buildSearchQuery(attributes, {
      categoryTerm: best && best.confidence >= 0.5 ? best.term : undefined,
    });
    return {
      category: best ? { ...best, alternatives } : null,
      colors: productColors,
      text,
      objects,
      attributes,
      search_query,
    };
  }

  /** The object the photo is about: the largest confident product detection, if any. */
  mainObject(analysis: AnalysisForAttributes): ProductObject | undefined {
    return this.objects(analysis).find((o) => o.main);
  }

  /** OCR lines and words; words are split from lines when the engine gave lines only. */
  private readText(analysis: AnalysisForAttributes): { lines: TextLine[]; words: BrandWordInput[] } {
    const detections = analysis.text_detections ?? [];
    let lines: TextLine[] = detections
      .filter((d) => d.type !== 'word')
      .map((d) => ({
        text: d.text.trim(),
        confidence: d.confidence,
        ...(d.bounding_box ? { bounding_box: d.bounding_box } : {}),
      }))
      .filter((l) => l.text);
    const wordDetections = detections.filter((d) => d.type === 'word' && d.text.trim());
    if (!lines.length && wordDetections.length) lines = groupWordsIntoLines(wordDetections);
    const words: BrandWordInput[] = wordDetections.length
      ? wordDetections.map((w) => ({ text: w.text, confidence: w.confidence, height: w.bounding_box?.height }))
      : lines.flatMap((l) =>
          l.text.split(/\s+/).map((text) => ({ text, confidence: l.confidence, height: l.bounding_box?.height })),
        );
    return { lines, words };
  }

  /** Detected objects, the main product among them marked (largest confident product). */
  private objects(analysis: AnalysisForAttributes): ProductObject[] {
    const objects: ProductObject[] = (analysis.objects ?? []).map((o) => {
      const node = this.taxonomy.isNonProduct(o.name) ? undefined : this.taxonomy.forLabel(o.name);
      return {
        name: o.name,
        confidence: o.confidence,
        ...(o.bounding_box ? { bounding_box: clampBox(o.bounding_box, 3) } : {}),
        ...(node ? { category: node.path.join(' > ') } : {}),
        main: false,
      };
    });
    const candidates = objects
      .filter((o) => o.category && o.confidence >= 0.3)
      .sort((a, b) => b.confidence * Math.sqrt(area(b.bounding_box)) - a.confidence * Math.sqrt(area(a.bounding_box)));
    if (candidates.length) candidates[0].main = true;
    return objects.sort((a, b) => Number(b.main) - Number(a.main) || b.confidence - a.confidence);
  }

  private categoryEvidence(
    analysis: AnalysisForAttributes,
    objects: ProductObject[],
    lines: TextLine[],
  ): CategoryEvidence[] {
    const evidence: CategoryEvidence[] = [];
    for (const label of analysis.labels ?? []) {
      evidence.push({ source: 'labels', name: label.name, confidence: label.confidence });
    }
    for (const o of objects) {
      if (!o.category) continue;
      // a detection filling much of the frame is a better hint of what the photo is about
      const weight = o.bounding_box ? 0.7 + 0.3 * Math.sqrt(area(o.bounding_box)) : 0.85;
      evidence.push({ source: 'objects', name: o.name, confidence: round3(o.confidence * weight) });
    }
    const tallest = Math.max(0, ...lines.map((l) => l.bounding_box?.height ?? 0));
    for (const line of lines) {
      const prominence = tallest > 0 && line.bounding_box ? line.bounding_box.height / tallest : 0.5;
      for (const { phrase } of this.taxonomy.wordsIn(normalizeOcrText(line.text))) {
        evidence.push({ source: 'ocr', name: phrase, confidence: round3((0.5 + 0.3 * prominence) * line.confidence) });
      }
    }
    return evidence;
  }

  private parseText(lines: TextLine[], words: BrandWordInput[], liquid: boolean | undefined): ParsedText {
    // a line's OCR confidence scales what was parsed from it (gently: a 0.5 line keeps 75%)
    const scale = <T extends { confidence: number }>(items: T[], line: TextLine) =>
      items.map((item) => ({ ...item, confidence: round3(item.confidence * (0.5 + 0.5 * line.confidence)) }));
    const text: ParsedText = {
      lines,
      quantities: [],
      dimensions: [],
      resolutions: [],
      materials: [],
      sizes: [],
      model_numbers: [],
      brand_candidates: [],
    };
    // liquid words anywhere on the pack decide a bare "oz" on any line
    const liquidContext =
      liquid ??
      (lines.some((l) => /\b(ml|cl|fl\.?\s?oz|water|juice|drink|shampoo|lotion)\b/i.test(l.text)) || undefined);
    for (const line of lines) {
      text.quantities.push(...scale(parseQuantities(line.text, { liquid: liquidContext }), line));
      text.dimensions.push(...scale(parseDimensions(line.text), line));
      text.resolutions.push(...scale(parseResolutions(line.text), line));
      text.materials.push(...scale(parseMaterials(line.text), line));
      text.sizes.push(...scale(parseClothingSizes(line.text), line));
      text.model_numbers.push(...scale(parseModelNumbers(line.text), line));
    }
    text.resolutions = dedupe(text.resolutions, (r) => r.label);
    text.model_numbers = dedupe(text.model_numbers, (m) => m.model);
    text.materials = dedupe(text.materials, (m) => m.material);
    // words that are something else already are not brands
    const exclude = text.model_numbers.map((m) => m.model);
    text.brand_candidates = findBrandCandidates(words, exclude).slice(0, 3);
    return text;
  }

  private attributes(input: {
    best: ReturnType<typeof inferCategory>['best'];
    node?: TaxonomyNode;
    text: ParsedText;
    colors: ProductColors;
    main?: ProductObject;
    lines: TextLine[];
  }): ProductAttribute[] {
    const { best, node, text, colors, main } = input;
    const out: ProductAttribute[] = [];
    const add = (
      key: string,
      value: string,
      confidence: number,
      source: AttributeSource,
      normalized?: ProductAttribute['normalized'],
    ) => out.push({ key, value, confidence: round3(confidence), source, ...(normalized ? { normalized } : {}) });

    if (best) add('category', best.path, best.confidence, sourceOf(best.sources[0]?.source));
    if (main) add('object', main.name, main.confidence, 'objects');

    // colours: the main one, then others covering a real share of the product
    colors.colors.forEach((c, i) => {
      const confidence =
        Math.min(0.95, 0.45 + 0.5 * c.fraction) * (colors.region === 'object' || colors.background ? 1 : 0.85);
      if (i === 0) add('color', c.name, confidence, 'colors');
      else if (c.fraction >= 0.15) add('secondary_color', c.name, confidence, 'colors');
    });

    const brand = text.brand_candidates[0];
    if (brand && brand.confidence >= 0.5) add('brand', brand.brand, brand.confidence, 'ocr');
    for (const m of text.model_numbers) add('model_number', m.model, m.confidence, 'ocr');

    const screen = node
      ? SCREEN_PATHS.some((p) => node.path.join(' > ').startsWith(p))
      : input.lines.some((l) => SCREEN_WORDS.test(l.text));
    for (const q of text.quantities) {
      const { key, value, normalized } = describeQuantity(q, screen);
      add(key, value, q.confidence, 'ocr', normalized);
    }
    for (const d of text.dimensions) {
      add('dimensions', `${d.values.join(' x ')} ${d.unit}`, d.confidence, 'ocr');
    }
    for (const r of text.resolutions) add('resolution', r.label, r.confidence, 'ocr');
    for (const m of text.materials)
      add('material', m.percent !== undefined ? `${m.percent}% ${m.material}` : m.material, m.confidence, 'ocr');
    for (const s of text.sizes)
      add(
        'size',
        s.system === 'letter' || s.system === 'numeric' ? s.size : `${s.system} ${s.size}`,
        s.confidence,
        'ocr',
      );

    // one entry per key and value, the most confident
    return dedupe(out, (a) => `${a.key}\u0000${a.value.toLowerCase()}`);
  }
}

const CLOTHING = 'Clothing, Shoes & Accessories';
const TEXTILES = new Set([
  'cotton',
  'polyester',
  'elastane',
  'spandex',
  'lycra',
  'nylon',
  'polyamide',
  'wool',
  'cashmere',
  'silk',
  'linen',
  'viscose',
  'rayon',
  'modal',
  'lyocell',
  'acrylic',
]);
const isTextile = (material: string) => TEXTILES.has(material);

function sourceOf(source: CategoryEvidence['source'] | undefined): AttributeSource {
  return source ?? 'labels';
}

const UNIT_WORDS: Record<string, string> = { in: 'inch' };

function describeQuantity(
  q: ParsedQuantity,
  screen: boolean,
): { key: string; value: string; normalized: ProductAttribute['normalized'] } {
  const show = (value: number, unit: string) => `${value} ${UNIT_WORDS[unit] ?? unit}`;
  switch (q.kind) {
    case 'length':
      if (screen && q.normalized.value >= 2.5 * 2.54 && q.normalized.value <= 120 * 2.54) {
        const inches = lengthInInches(q);
        return { key: 'screen_size', value: show(inches, 'in'), normalized: { value: inches, unit: 'in' } };
      }
      return { key: 'length', value: show(q.value, q.unit), normalized: q.normalized };
    case 'data': {
      const key =
        q.qualifier && /RAM|MEMORY|DDR/.test(q.qualifier) ? 'memory' : q.qualifier ? 'storage_capacity' : 'capacity';
      return { key, value: `${q.value}${q.unit}`, normalized: q.normalized };
    }
    case 'frequency': {
      const key =
        q.unit === 'Hz' && q.value >= 24 && q.value <= 600
          ? 'refresh_rate'
          : /GHz|MHz/.test(q.unit)
            ? 'clock_speed'
            : 'frequency';
      return { key, value: `${q.value}${q.unit}`, normalized: q.normalized };
    }
    case 'power':
      return { key: 'power', value: `${q.value}${q.unit}`, normalized: q.normalized };
    case 'battery':
      return { key: 'battery_capacity', value: `${q.value} ${q.unit}`, normalized: q.normalized };
    default:
      return { key: q.kind, value: show(q.value, q.unit), normalized: q.normalized };
  }
}

function dedupe<T extends { confidence: number }>(items: T[], key: (item: T) => string): T[] {
  const best = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const seen = best.get(k);
    if (!seen || seen.confidence < item.confidence) best.set(k, item);
  }
  return [...best.values()];
}

/** Words on one baseline (vertical centres within half a word height) become a line. */
function groupWordsIntoLines(words: { text: string; confidence: number; bounding_box?: Box }[]): TextLine[] {
  const sorted = [...words].sort((a, b) => (a.bounding_box?.top ?? 0) - (b.bounding_box?.top ?? 0));
  const groups: (typeof words)[] = [];
  for (const w of sorted) {
    const c = (w.bounding_box?.top ?? 0) + (w.bounding_box?.height ?? 0) / 2;
    const group = groups.find((g) => {
      const b = g[0].bounding_box;
      return b && Math.abs(b.top + b.height / 2 - c) <= b.height / 2;
    });
    if (group) group.push(w);
    else groups.push([w]);
  }
  return groups.map((g) => {
    g.sort((a, b) => (a.bounding_box?.left ?? 0) - (b.bounding_box?.left ?? 0));
    const boxes = g.map((w) => w.bounding_box).filter((b): b is Box => !!b);
    const left = Math.min(...boxes.map((b) => b.left));
    const top = Math.min(...boxes.map((b) => b.top));
    return {
      text: g.map((w) => w.text).join(' '),
      confidence: round3(g.reduce((s, w) => s + w.confidence, 0) / g.length),
      ...(boxes.length
        ? {
            bounding_box: {
              left,
              top,
              width: Math.max(...boxes.map((b) => b.left + b.width)) - left,
              height: Math.max(...boxes.map((b) => b.top + b.height)) - top,
            },
          }
        : {}),
    };
  });
}
