import { parseClothingSizes } from './clothing-size.parser';

describe('parseClothingSizes', () => {
  it.each([
    ['Size M', 'M', 'letter'],
    ['SIZE: XL', 'XL', 'letter'],
    ['size s', 'S', 'letter'],
    ['Size XXL', 'XXL', 'letter'],
    ['Size 2XL', '2XL', 'letter'],
    ['Size 10', '10', 'numeric'],
    ['Size 9.5', '9.5', 'numeric'],
    ['Sz. L', 'L', 'letter'],
    ['EU 42', '42', 'EU'],
    ['US 9.5', '9.5', 'US'],
    ['us 9.5', '9.5', 'US'],
    ['XL', 'XL', 'letter'],
  ])('%s -> %s (%s)', (text, size, system) => {
    expect(parseClothingSizes(text)).toMatchObject([{ size, system }]);
  });

  it('is surer with the word "size" than with a size alone', () => {
    expect(parseClothingSizes('Size XL')[0].confidence).toBeGreaterThan(parseClothingSizes('XL')[0].confidence);
  });

  it.each(['M', 'L', 'S', 'Sizes vary', 'EUR 12.99', 'Medium roast', 'Large', 'Model NV-27U', 'XL is great'])(
    'finds none in %s',
    (text) => {
      expect(parseClothingSizes(text)).toEqual([]);
    },
  );
});
