import type { ProductAttribute } from '../attribute.types';

/** Attribute keys that come from printed text (what the OCR precision is about). */
export const TEXT_KEYS = new Set([
  'brand',
  'model_number',
  'screen_size',
  'length',
  'dimensions',
  'resolution',
  'refresh_rate',
  'clock_speed',
  'frequency',
  'memory',
  'storage_capacity',
  'capacity',
  'volume',
  'weight',
  'power',
  'battery_capacity',
  'material',
  'size',
]);

export interface PrecisionReport {
  reported: number;
  expected: number;
  correct: number;
  precision: number;
  recall: number;
  falsePositives: string[];
  misses: string[];
}

/** Compares extracted text attributes ("key=value") with the expected ones. */
export function scoreAttributes(
  cases: { name: string; expected: string[]; attributes: ProductAttribute[] }[],
): PrecisionReport {
  let reported = 0;
  let expected = 0;
  let correct = 0;
  const falsePositives: string[] = [];
  const misses: string[] = [];
  for (const c of cases) {
    const got = new Set(c.attributes.filter((a) => TEXT_KEYS.has(a.key)).map((a) => `${a.key}=${a.value}`));
    const want = new Set(c.expected);
    reported += got.size;
    expected += want.size;
    for (const g of got) {
      if (want.has(g)) correct++;
      else falsePositives.push(`${c.name}: ${g}`);
    }
    for (const w of want) if (!got.has(w)) misses.push(`${c.name}: ${w}`);
  }
  return {
    reported,
    expected,
    correct,
    precision: reported ? correct / reported : 1,
    recall: expected ? correct / expected : 1,
    falsePositives,
    misses,
  };
}
