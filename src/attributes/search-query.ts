import type { ProductAttribute } from './attribute.types';

/**
 * One string a shopping search can use, built from the strongest attributes in a fixed order:
 *
 *   colour · material · size/capacity · resolution · category noun · brand
 *   "navy 27 inch 4K monitor NOVAVIEW", "red 100% cotton t-shirt", "500 ml bottle"
 *
 * Only attributes at or above `minConfidence` are used; one of each kind. Model numbers,
 * refresh rates, clothing sizes and secondary colours stay out (they over-narrow a search) and remain in the
 * attribute list for filters.
 */

const SIZE_KEYS = ['screen_size', 'storage_capacity', 'memory', 'capacity', 'volume', 'weight', 'length', 'dimensions'];

/** Short search forms of resolutions. */
const RESOLUTION_TERMS: Record<string, string> = {
  '8K UHD': '8K',
  '4K UHD': '4K',
  '5K': '5K',
  QHD: '1440p',
  'Full HD': '1080p',
  HD: '720p',
};

export function buildSearchQuery(
  attributes: ProductAttribute[],
  options: { categoryTerm?: string; minConfidence?: number } = {},
): string {
  const minConfidence = options.minConfidence ?? 0.5;
  const best = (key: string) =>
    attributes
      .filter((a) => a.key === key && a.confidence >= minConfidence)
      .sort((a, b) => b.confidence - a.confidence)[0];
  const parts: string[] = [];
  const push = (value: string | undefined) => {
    if (value && !parts.some((p) => p.toLowerCase() === value.toLowerCase())) parts.push(value);
  };
  push(best('color')?.value);
  const material = best('material');
  if (material) push(material.value.replace(/^\d+% /, ''));
  const size = SIZE_KEYS.map(best).find(Boolean);
  push(size?.value);
  const resolution = best('resolution');
  if (resolution) push(RESOLUTION_TERMS[resolution.value] ?? resolution.value);
  push((options.categoryTerm ?? best('object')?.value)?.toLowerCase());
  push(best('brand')?.value);
  return parts.join(' ');
}
