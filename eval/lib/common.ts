import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type EvalSet = 'dev' | 'heldout';
export const SETS: EvalSet[] = ['dev', 'heldout'];
export const DATA_DIR = join(__dirname, '..', 'data');

export interface ManifestItem {
  id: string;
  kind: 'speech' | 'image';
  group: string;
  set: EvalSet;
  /** Path under eval/data. */
  file: string;
  source: string;
  licence: string;
  /** speech: what was said. */
  reference?: string;
  /** image: the product (our label names); any of them in the top k counts as a hit. */
  expected?: string[];
  /** image: printed text lines that OCR should read. */
  text_lines?: string[];
  /** image: other names that are right too (the saucer under a cup). */
  also?: string[];
  /** Part of the CI subset. */
  subset?: boolean;
}

export function loadManifest(name: string): ManifestItem[] {
  const raw = JSON.parse(readFileSync(join(__dirname, '..', name), 'utf8')) as { items: ManifestItem[] };
  return raw.items;
}

export const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '-');

/** Runs `work` over the items with at most `concurrency` at once, results in input order. */
export async function mapLimit<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
