import { parseModelNumbers } from './model-number.parser';

describe('parseModelNumbers', () => {
  it.each([
    ['Model NV-27U', 'NV-27U', 0.9],
    ['MODEL: SM-G991B', 'SM-G991B', 0.9],
    ['Model No. WH-1000XM4', 'WH-1000XM4', 0.9],
    ['Art. no 12345A', '12345A', 0.9],
    ['SKU: AB12-34', 'AB12-34', 0.9],
    ['WH-1000XM4 Wireless Headphones', 'WH-1000XM4', 0.7],
    ['Galaxy SM-G991B', 'SM-G991B', 0.7],
    ['MacBook A1466', 'A1466', 0.4],
  ])('%s -> %s', (text, model, minConfidence) => {
    const found = parseModelNumbers(text);
    expect(found.map((f) => f.model)).toEqual([model]);
    expect(found[0].confidence).toBeGreaterThanOrEqual(minConfidence);
  });

  it.each([
    '27 inch Monitor 4K',
    '144Hz',
    '500ml',
    '1080p',
    'HDR10',
    'USB-C',
    'DDR4 16GB',
    'IP68',
    'Best before 05/2027',
    'EUR 12.99',
    '100% Cotton',
    'Organic Coffee Beans',
    '5G LTE',
    'Wi-Fi6',
    'Model 3', // a car model name, not a part number: too short
  ])('finds none in %s', (text) => {
    expect(parseModelNumbers(text)).toEqual([]);
  });

  it('reads a labelled model once, not again as a bare token', () => {
    expect(parseModelNumbers('Model NV-27U NV-27U')).toHaveLength(1);
  });
});
