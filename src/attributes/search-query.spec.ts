import type { ProductAttribute } from './attribute.types';
import { buildSearchQuery } from './search-query';

const a = (key: string, value: string, confidence = 0.9): ProductAttribute => ({
  key,
  value,
  confidence,
  source: 'ocr',
});

describe('buildSearchQuery', () => {
  it.each([
    [
      'monitor',
      [
        a('brand', 'NOVAVIEW'),
        a('resolution', '4K UHD'),
        a('screen_size', '27 inch'),
        a('color', 'navy'),
        a('refresh_rate', '144Hz'),
        a('model_number', 'NV-27U'),
      ],
      'monitor',
      'navy 27 inch 4K monitor NOVAVIEW',
    ],
    ['t-shirt', [a('material', '100% cotton'), a('color', 'red'), a('size', 'M')], 't-shirt', 'red cotton t-shirt'],
    ['bottle', [a('volume', '500 ml'), a('color', 'blue', 0.4)], 'bottle', '500 ml bottle'],
    [
      'laptop',
      [a('resolution', 'Full HD'), a('storage_capacity', '1TB'), a('screen_size', '15.6 inch')],
      'laptop',
      '15.6 inch 1080p laptop',
    ],
    ['drive', [a('storage_capacity', '2TB'), a('brand', 'Seagate')], 'drive', '2TB drive Seagate'],
    ['no category', [a('color', 'red'), a('object', 'cup', 0.6)], undefined, 'red cup'],
    ['nothing', [], undefined, ''],
  ])('%s', (_name, attributes, categoryTerm, expected) => {
    expect(buildSearchQuery(attributes, { categoryTerm })).toBe(expected);
  });

  it('uses the most confident value of each kind and skips weak ones', () => {
    const query = buildSearchQuery([a('color', 'navy', 0.6), a('color', 'black', 0.8), a('brand', 'Zorblax', 0.3)], {
      categoryTerm: 'monitor',
    });
    expect(query).toBe('black monitor');
  });

  it('does not repeat a word already in the query', () => {
    expect(buildSearchQuery([a('color', 'tan'), a('brand', 'TAN')], { categoryTerm: 'tan' })).toBe('tan');
  });
});
