import { Taxonomy } from '../../attributes/taxonomy/taxonomy';
import { normalizeOcrText } from '../../attributes/text/ocr-text';
import type { Label, TextDetection } from '../image-analysis.types';

const taxonomy = new Taxonomy();

/**
 * Labels from printed text: a line that names a product the taxonomy knows ("MONITOR" on a box)
 * gives that category as a label with `source: "text"`, parents nearest first. The same taxonomy
 * and word matching as /extract-attributes' categories (attributes/taxonomy). Its confidence is
 * the OCR line's, scaled by how prominent the line is (the tallest line counts fully), as there.
 */
export function labelsFromText(detections: TextDetection[], minConfidence: number): Label[] {
  const lines = detections.filter((d) => d.type === 'line');
  const tallest = Math.max(0, ...lines.map((l) => l.bounding_box.height));
  const best = new Map<string, Label>();
  for (const line of lines) {
    const prominence = tallest > 0 ? line.bounding_box.height / tallest : 0.5;
    const confidence = Math.round((0.5 + 0.5 * prominence) * line.confidence * 1e4) / 1e4;
    for (const { node } of taxonomy.wordsIn(normalizeOcrText(line.text))) {
      const existing = best.get(node.name);
      if (existing && existing.confidence >= confidence) continue;
      best.set(node.name, { name: node.name, confidence, parents: node.path.slice(0, -1).reverse(), source: 'text' });
    }
  }
  return [...best.values()].filter((label) => label.confidence >= minConfidence);
}

/** Detection labels and text labels in one list: a name once (its best), best first, capped. */
export function mergeLabels(fromObjects: Label[], fromText: Label[], maxLabels: number): Label[] {
  const byName = new Map<string, Label>();
  for (const label of [...fromObjects, ...fromText]) {
    const existing = byName.get(label.name);
    if (!existing || existing.confidence < label.confidence) byName.set(label.name, label);
  }
  return [...byName.values()]
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
    .slice(0, maxLabels);
}
