import { lengthInInches, parseDimensions, parseQuantities } from './quantity.parser';

const one = (text: string, context = {}) => {
  const found = parseQuantities(text, context);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('parseQuantities', () => {
  describe('lengths (stated unit kept, normalised to cm)', () => {
    it.each([
      ['27 inch', 27, 'in', 68.58],
      ['27inch', 27, 'in', 68.58],
      ['27-inch', 27, 'in', 68.58],
      ['27 Inches', 27, 'in', 68.58],
      ['27"', 27, 'in', 68.58],
      ['27 ″', 27, 'in', 68.58],
      ['27″', 27, 'in', 68.58],
      ['27”', 27, 'in', 68.58],
      ["27''", 27, 'in', 68.58],
      ['27 in', 27, 'in', 68.58],
      ['27 in.', 27, 'in', 68.58],
      ['68.6 cm', 68.6, 'cm', 68.6],
      ['68,6 cm', 68.6, 'cm', 68.6],
      ['68.6cm', 68.6, 'cm', 68.6],
      ['686 mm', 686, 'mm', 68.6],
      ['686mm', 686, 'mm', 68.6],
      ['1.5 m', 1.5, 'm', 150],
      ['2 metres', 2, 'm', 200],
      ['6 ft', 6, 'ft', 182.88],
      ['6 feet', 6, 'ft', 182.88],
    ])('%s -> %d %s (%d cm)', (text, value, unit, cm) => {
      const q = one(text);
      expect(q).toMatchObject({ kind: 'length', value, unit, normalized: { value: cm, unit: 'cm' } });
    });

    it('gives screens in inches from any length unit', () => {
      expect(lengthInInches(one('68.6 cm'))).toBe(27);
      expect(lengthInInches(one('32"'))).toBe(32);
    });

    it('does not read "2 in 1" or words after numbers as inches', () => {
      expect(parseQuantities('2 in 1 laptop')).toEqual([]);
      expect(parseQuantities('27 monitors')).toEqual([]);
      expect(parseQuantities('5 min')).toEqual([]);
    });
  });

  describe('data capacity (normalised to decimal GB)', () => {
    it.each([
      ['16 GB', 16, 'GB', 16],
      ['16GB', 16, 'GB', 16],
      ['16gb', 16, 'GB', 16],
      ['1 TB', 1, 'TB', 1000],
      ['1TB', 1, 'TB', 1000],
      ['2.5 TB', 2.5, 'TB', 2500],
      ['512 MB', 512, 'MB', 0.512],
      ['64 KB', 64, 'KB', 0.000064],
    ])('%s -> %d %s', (text, value, unit, gb) => {
      expect(one(text)).toMatchObject({ kind: 'data', value, unit, normalized: { value: gb, unit: 'GB' } });
    });

    it('keeps what the capacity is for', () => {
      expect(parseQuantities('16GB RAM 1TB SSD')).toMatchObject([
        { unit: 'GB', qualifier: 'RAM' },
        { unit: 'TB', qualifier: 'SSD' },
      ]);
    });
  });

  describe('volume (normalised to ml) and weight (normalised to g)', () => {
    it.each([
      ['500 ml', 'volume', 500, 'ml', 500],
      ['500ml', 'volume', 500, 'ml', 500],
      ['500 mL', 'volume', 500, 'ml', 500],
      ['500 ML', 'volume', 500, 'ml', 500],
      ['33 cl', 'volume', 33, 'cl', 330],
      ['1 l', 'volume', 1, 'l', 1000],
      ['1.5L', 'volume', 1.5, 'l', 1500],
      ['1,5 L', 'volume', 1.5, 'l', 1500],
      ['2 litres', 'volume', 2, 'l', 2000],
      ['16.9 fl oz', 'volume', 16.9, 'fl oz', 499.79],
      ['16.9 FL. OZ.', 'volume', 16.9, 'fl oz', 499.79],
      ['16.9fl.oz', 'volume', 16.9, 'fl oz', 499.79],
      ['500 g', 'weight', 500, 'g', 500],
      ['500g', 'weight', 500, 'g', 500],
      ['1 kg', 'weight', 1, 'kg', 1000],
      ['2.2 lbs', 'weight', 2.2, 'lb', 997.9],
      ['250 mg', 'weight', 250, 'mg', 0.25],
    ])('%s -> %s %d %s', (text, kind, value, unit, normalized) => {
      expect(one(text)).toMatchObject({ kind, value, unit, normalized: { value: normalized } });
    });

    it('reads a bare oz as a weight without liquid context', () => {
      expect(one('12 oz')).toMatchObject({ kind: 'weight', unit: 'oz', normalized: { value: 340.19, unit: 'g' } });
      expect(one('Dark roast coffee 12 oz').note).toMatch(/weight/);
    });

    it('reads a bare oz as fluid ounces for liquids (context or liquid words)', () => {
      expect(one('12 oz', { liquid: true })).toMatchObject({
        kind: 'volume',
        unit: 'fl oz',
        normalized: { unit: 'ml' },
      });
      expect(one('Spring water 16 oz')).toMatchObject({ kind: 'volume', unit: 'fl oz' });
      expect(parseQuantities('16 oz (473 ml)')).toMatchObject([{ kind: 'volume' }, { kind: 'volume', unit: 'ml' }]);
    });
  });

  describe('frequency, power, battery', () => {
    it.each([
      ['144Hz', 'frequency', 144, 'Hz', 144],
      ['144 Hz', 'frequency', 144, 'Hz', 144],
      ['144HZ', 'frequency', 144, 'Hz', 144],
      ['60hz', 'frequency', 60, 'Hz', 60],
      ['48 kHz', 'frequency', 48, 'kHz', 48_000],
      ['3.2 GHz', 'frequency', 3.2, 'GHz', 3.2e9],
      ['2400MHz', 'frequency', 2400, 'MHz', 2.4e9],
      ['65W', 'power', 65, 'W', 65],
      ['1200 watts', 'power', 1200, 'W', 1200],
      ['2 kW', 'power', 2, 'kW', 2000],
      ['5000 mAh', 'battery', 5000, 'mAh', 5000],
    ])('%s -> %s %d %s', (text, kind, value, unit, normalized) => {
      expect(one(text)).toMatchObject({ kind, value, unit, normalized: { value: normalized } });
    });
  });

  describe('noisy OCR', () => {
    it.each([
      ['5OO ml', 500, 'ml'],
      ['5OOml', 500, 'ml'],
      ['l44Hz', 144, 'Hz'],
      ['1O TB', 10, 'TB'],
      ['27 ″', 27, 'in'],
    ])('%s -> %d %s', (text, value, unit) => {
      expect(one(text)).toMatchObject({ value, unit });
    });

    it('finds several quantities on one line in reading order', () => {
      expect(parseQuantities('27 inch Monitor 4K 144Hz 65W').map((q) => `${q.value} ${q.unit}`)).toEqual([
        '27 in',
        '144 Hz',
        '65 W',
      ]);
    });

    it('ignores numbers inside model numbers, standards and prices', () => {
      expect(parseQuantities('Model NV-27U')).toEqual([]);
      expect(parseQuantities('HDR10 HDMI2.1 USB3')).toEqual([]);
      expect(parseQuantities('EUR 12.99')).toEqual([]);
      expect(parseQuantities('5G LTE')).toEqual([]);
      expect(parseQuantities('Best before 05/2027')).toEqual([]);
    });
  });
});

describe('parseDimensions', () => {
  it.each([
    ['60 x 40 x 20 cm', [60, 40, 20], 'cm', [60, 40, 20]],
    ['60x40cm', [60, 40], 'cm', [60, 40]],
    ['600 x 400 mm', [600, 400], 'mm', [60, 40]],
    ['24 x 36"', [24, 36], 'in', [60.96, 91.44]],
    ['24" x 36"', [24, 36], 'in', [60.96, 91.44]],
  ])('%s', (text, values, unit, cm) => {
    expect(parseDimensions(text)).toMatchObject([{ values, unit, normalized: { values: cm, unit: 'cm' } }]);
  });

  it('does not report the parts of a dimension as single lengths, nor a pixel size as one', () => {
    expect(parseQuantities('60 x 40 x 20 cm')).toEqual([]);
    expect(parseDimensions('3840 x 2160')).toEqual([]);
  });
});
