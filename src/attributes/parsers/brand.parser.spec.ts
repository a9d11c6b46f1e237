import { findBrandCandidates } from './brand.parser';

const word = (text: string, height = 0.05, confidence = 0.95) => ({ text, height, confidence });

describe('findBrandCandidates', () => {
  it('picks the prominent non-dictionary word of a monitor box', () => {
    const found = findBrandCandidates([
      word('NOVAVIEW', 0.12),
      word('27', 0.07),
      word('inch', 0.07),
      word('Monitor', 0.07),
      word('4K', 0.07),
      word('Model', 0.04),
      word('NV-27U', 0.04),
      word('UHD', 0.03),
      word('HDR10', 0.03),
    ]);
    expect(found.map((b) => b.brand)).toEqual(['NOVAVIEW']);
    expect(found[0].reasons).toEqual(expect.arrayContaining(['not a dictionary word', 'largest text', 'upper case']));
  });

  it('ranks larger and upper-case words first', () => {
    const found = findBrandCandidates([word('Zorblax', 0.03), word('KWENDA', 0.1)]);
    expect(found.map((b) => b.brand)).toEqual(['KWENDA', 'Zorblax']);
    expect(found[0].confidence).toBeGreaterThan(found[1].confidence);
  });

  it('recognises known brands even when they are dictionary words, when prominent', () => {
    expect(findBrandCandidates([word('Canon', 0.1), word('camera', 0.05)]).map((b) => b.brand)).toEqual(['Canon']);
    expect(findBrandCandidates([word('SONY', 0.05), word('Headphones', 0.1)])).toMatchObject([{ brand: 'Sony' }]);
    // "Next" in small print is a word, not the retailer
    expect(findBrandCandidates([word('Next', 0.02), word('Day', 0.02), word('DELIVERY', 0.1)])).toEqual([]);
  });

  it.each([
    ['dictionary words', ['Organic', 'Coffee', 'Beans', 'Monitor', 'Cotton', 'shoes']],
    ['technology terms and units', ['UHD', 'HDR', 'USB', 'OLED', 'Bluetooth', 'WiFi', 'ml', 'EUR']],
    ['model numbers and numbers', ['NV-27U', '500', '144Hz', 'WH-1000XM4']],
    ['OCR garbage and short words', ['Wkrtz', 'Qx', '|||', '--']],
    ['inflected words', ['monitors', 'roasted', 'labels']],
  ])('rejects %s', (_what, texts) => {
    expect(findBrandCandidates(texts.map((t) => word(t)))).toEqual([]);
  });

  it('drops words with low OCR confidence and words the caller excludes', () => {
    expect(findBrandCandidates([word('Glorptex', 0.1, 0.4)])).toEqual([]);
    expect(findBrandCandidates([word('Glorptex', 0.1)], ['glorptex'])).toEqual([]);
  });
});
