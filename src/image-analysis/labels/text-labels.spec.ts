import type { TextDetection } from '../image-analysis.types';
import { labelsFromText, mergeLabels } from './text-labels';

const line = (text: string, confidence: number, height: number): TextDetection => ({
  text,
  confidence,
  type: 'line',
  bounding_box: { left: 0.1, top: 0.1, width: 0.5, height },
});

describe('labelsFromText', () => {
  it('gives a product named in print as a label with source "text" and its taxonomy parents', () => {
    const labels = labelsFromText(
      [line('ULTRA HD', 0.95, 0.05), line('MONITOR', 0.9, 0.1), line('27 INCH', 0.9, 0.05)],
      0.4,
    );
    expect(labels).toEqual([
      { name: 'Monitor', confidence: 0.9, parents: ['Computer', 'Electronics'], source: 'text' },
    ]);
  });

  it('weights small print less and drops it under min_confidence', () => {
    const labels = labelsFromText([line('BIG TITLE', 0.9, 0.2), line('ground coffee', 0.8, 0.02)], 0);
    expect(labels[0].name).toBe('Coffee');
    expect(labels[0].confidence).toBeCloseTo(0.8 * 0.55, 3);
    expect(labelsFromText([line('BIG TITLE', 0.9, 0.2), line('ground coffee', 0.8, 0.02)], 0.5)).toEqual([]);
  });

  it('ignores words that are not products and word-level detections', () => {
    expect(labelsFromText([line('PRODUCT OF ITALY', 0.95, 0.1)], 0)).toEqual([]);
    expect(labelsFromText([{ ...line('MONITOR', 0.9, 0.1), type: 'word' }], 0)).toEqual([]);
  });
});

describe('mergeLabels', () => {
  it('keeps a name once with its best confidence, best first, capped', () => {
    const merged = mergeLabels(
      [
        { name: 'Cup', confidence: 0.5, parents: ['Tableware'] },
        { name: 'Tableware', confidence: 0.5, parents: [] },
      ],
      [{ name: 'Cup', confidence: 0.8, parents: ['Kitchen'], source: 'text' }],
      1,
    );
    expect(merged).toEqual([{ name: 'Cup', confidence: 0.8, parents: ['Kitchen'], source: 'text' }]);
  });
});
