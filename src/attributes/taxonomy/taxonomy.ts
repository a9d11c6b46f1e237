import { NON_PRODUCT_LABELS, TAXONOMY, TaxonomyDef } from './taxonomy.data';

/** One category of the taxonomy with its full path. */
export interface TaxonomyNode {
  name: string;
  /** ["Electronics", "Computer", "Monitor"] */
  path: string[];
  term: string;
  parent?: TaxonomyNode;
  depth: number;
}

export type EvidenceSource = 'labels' | 'objects' | 'ocr';

/** Something seen in the image that points at a category. */
export interface CategoryEvidence {
  source: EvidenceSource;
  /** The label, object class or printed word as it came. */
  name: string;
  /** 0..1, already weighted by the caller (object size, text prominence). */
  confidence: number;
  /** For evidence inferred from parsed text ("100% Cotton" -> clothing): the category it points at. */
  path?: string;
}

export interface CategoryMatch {
  /** "Electronics > Computer > Monitor" */
  path: string;
  levels: string[];
  /** The search noun of the category ("monitor"). */
  term: string;
  confidence: number;
  /** The labels, objects and words it came from, strongest first. */
  sources: CategoryEvidence[];
}

/** Lower case, single spaces, "t shirt" and "t-shirt" alike. */
export function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[_\s]+/g, ' ')
    .replace(/\s*-\s*/g, '-')
    .trim();
}

/** Simple English singular: "monitors" -> "monitor", "glasses" -> "glass", "boxes" -> "box". */
export function singular(word: string): string {
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(ches|shes|xes|sses)$/.test(word)) return word.slice(0, -2);
  if (/ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/s$/.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

export class Taxonomy {
  private readonly byLabel = new Map<string, TaxonomyNode>();
  private readonly byWord = new Map<string, TaxonomyNode>();
  readonly nodes: TaxonomyNode[] = [];
  /** Longest printed name, in words (OCR is scanned for n-grams up to this length). */
  readonly maxWords: number;

  constructor(defs: TaxonomyDef[] = TAXONOMY) {
    const visit = (def: TaxonomyDef, parent?: TaxonomyNode) => {
      const node: TaxonomyNode = {
        name: def.name,
        path: [...(parent?.path ?? []), def.name],
        term: def.term ?? def.name.toLowerCase(),
        parent,
        depth: (parent?.depth ?? -1) + 1,
      };
      this.nodes.push(node);
      for (const name of def.names ?? []) {
        this.add(this.byWord, name, node);
        this.add(this.byLabel, name, node);
      }
      for (const name of def.labelOnly ?? []) this.add(this.byLabel, name, node);
      // the category's own name is always a label name ("Monitor", "Shoes")
      this.add(this.byLabel, def.name, node);
      for (const child of def.children ?? []) visit(child, node);
    };
    for (const def of defs) visit(def);
    this.maxWords = Math.max(...[...this.byWord.keys()].map((k) => k.split(' ').length));
  }

  private add(index: Map<string, TaxonomyNode>, name: string, node: TaxonomyNode): void {
    const key = normalizeName(name);
    // the first (shallowest, earliest) definition of a name wins; the data avoids clashes
    if (!index.has(key)) index.set(key, node);
    const one = singular(key);
    if (!index.has(one)) index.set(one, node);
  }

  /** The category a detector label or object class names, if any. */
  forLabel(name: string): TaxonomyNode | undefined {
    const key = normalizeName(name);
    return this.byLabel.get(key) ?? this.byLabel.get(singular(key));
  }

  /** The category a printed word or phrase names, if any. */
  forWord(phrase: string): TaxonomyNode | undefined {
    const key = normalizeName(phrase);
    return this.byWord.get(key) ?? this.byWord.get(singular(key));
  }

  isNonProduct(name: string): boolean {
    const key = normalizeName(name);
    return NON_PRODUCT_LABELS.has(key) || NON_PRODUCT_LABELS.has(singular(key));
  }

  find(path: string): TaxonomyNode | undefined {
    return this.nodes.find((n) => n.path.join(' > ') === path);
  }

  /**
   * Every printed category name in a line of text, longest phrases first, each word used once:
   * "Wireless Gaming Mouse" -> Mouse (from "gaming mouse").
   */
  wordsIn(text: string): { phrase: string; node: TaxonomyNode }[] {
    const words = text
      .split(/[^A-Za-z'-]+/)
      .map((w) => w.replace(/^[-']+|[-']+$/g, ''))
      .filter(Boolean);
    const used = new Array<boolean>(words.length).fill(false);
    const out: { phrase: string; node: TaxonomyNode }[] = [];
    for (let size = Math.min(this.maxWords, words.length); size >= 1; size--) {
      for (let i = 0; i + size <= words.length; i++) {
        if (used.slice(i, i + size).some(Boolean)) continue;
        const phrase = words.slice(i, i + size).join(' ');
        const node = this.forWord(phrase);
        if (!node) continue;
        out.push({ phrase, node });
        for (let j = i; j < i + size; j++) used[j] = true;
      }
    }
    return out;
  }
}

const isAncestor = (a: TaxonomyNode, b: TaxonomyNode) => {
  for (let p = b.parent; p; p = p.parent) if (p === a) return true;
  return false;
};

/**
 * Picks the best category path from the evidence.
 *
 * Evidence for one node combines as independent signals (noisy-OR); evidence for an ancestor
 * adds half its weight to the descendants below it ("Electronics" supports "Monitor"). The best
 * scoring node wins; then the most specific descendant that is itself well supported (its own
 * evidence at least 0.4, its score at least 0.5) is preferred over a general ancestor, so "Electronics" 0.9 + "Monitor" 0.6 gives
 * Electronics > Computer > Monitor.
 */
export function inferCategory(
  taxonomy: Taxonomy,
  evidence: CategoryEvidence[],
): { best: CategoryMatch | null; alternatives: CategoryMatch[] } {
  const direct = new Map<TaxonomyNode, { miss: number; sources: CategoryEvidence[] }>();
  for (const e of evidence) {
    if (e.confidence <= 0) continue;
    const node = e.path
      ? taxonomy.find(e.path)
      : e.source === 'ocr'
        ? taxonomy.forWord(e.name)
        : taxonomy.forLabel(e.name);
    if (!node) continue;
    const entry = direct.get(node) ?? { miss: 1, sources: [] };
    entry.miss *= 1 - Math.min(0.99, e.confidence);
    entry.sources.push(e);
    direct.set(node, entry);
  }
  const scored = [...direct.entries()].map(([node, entry]) => {
    let miss = entry.miss;
    const sources = [...entry.sources];
    for (let a = node.parent; a; a = a.parent) {
      const up = direct.get(a);
      if (!up) continue;
      miss *= 1 - 0.5 * (1 - up.miss);
      sources.push(...up.sources);
    }
    return { node, score: 1 - miss, own: 1 - entry.miss, sources };
  });
  if (!scored.length) return { best: null, alternatives: [] };
  scored.sort((a, b) => b.score - a.score || b.node.depth - a.node.depth);
  let best = scored[0];
  const deeper = scored.filter((s) => isAncestor(best.node, s.node) && s.score >= 0.5 && s.own >= 0.4);
  if (deeper.length) best = deeper.sort((a, b) => b.score - a.score || b.node.depth - a.node.depth)[0];
  const toMatch = (s: (typeof scored)[number]): CategoryMatch => ({
    path: s.node.path.join(' > '),
    levels: s.node.path,
    term: s.node.term,
    confidence: Math.round(s.score * 1000) / 1000,
    sources: s.sources.sort((a, b) => b.confidence - a.confidence),
  });
  return {
    best: toMatch(best),
    alternatives: scored
      .filter((s) => s !== best)
      .slice(0, 3)
      .map(toMatch),
  };
}
