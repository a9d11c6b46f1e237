import { box, textLine, textWord } from '../../test/factories/analysis.factory';
import { AttributeExtractor } from './attribute-extractor';
import type { AnalysisForAttributes, ProductAttribute, ProductColors } from './attribute.types';

const extractor = new AttributeExtractor();

/** A tesseract line as the image-analysis prototype returned it (pixels, confidence 0..100). */
type PixelLine = [text: string, confidence: number, x: number, y: number, w: number, h: number];
function ocr(width: number, height: number, lines: PixelLine[]): NonNullable<AnalysisForAttributes['text_detections']> {
  return lines.map(([text, confidence, x, y, w, h]) => ({
    text,
    confidence: confidence / 100,
    type: 'line',
    bounding_box: { left: x / width, top: y / height, width: w / width, height: h / height },
  }));
}
const value = (attributes: ProductAttribute[], key: string) =>
  attributes.filter((a) => a.key === key).map((a) => a.value);
const colors = (...names: [string, number][]): ProductColors => ({
  colors: names.map(([name, fraction]) => ({ name, hex: '#000000', fraction })),
  background: { name: 'white', hex: '#f2f2f2', fraction: 0.5, kept: false },
  region: 'image',
});

describe('AttributeExtractor on real OCR output', () => {
  // tesseract.js 7 on the rendered monitor box (image-analysis prototype, out/results.json)
  const monitorBox: AnalysisForAttributes = {
    labels: [],
    objects: [],
    text_detections: ocr(800, 520, [
      ['27 inch Monitor 4K', 96, 169, 172, 467, 35],
      ['Model NV-27U', 92, 297, 248, 207, 23],
      ['UHD 3840 x 2160 HDR10', 93, 263, 374, 276, 17],
    ]),
  };

  it('reads a monitor box: screen size, resolution, model, category and query', () => {
    const result = extractor.extract(monitorBox, colors(['navy', 0.975]));
    expect(result.category).toMatchObject({ path: 'Electronics > Computer > Monitor', term: 'monitor' });
    expect(result.category!.sources[0]).toMatchObject({ source: 'ocr', name: 'Monitor' });
    expect(value(result.attributes, 'screen_size')).toEqual(['27 inch']);
    expect(result.attributes.find((a) => a.key === 'screen_size')!.normalized).toEqual({ value: 27, unit: 'in' });
    expect(value(result.attributes, 'resolution')).toEqual(['4K UHD']);
    expect(value(result.attributes, 'model_number')).toEqual(['NV-27U']);
    expect(value(result.attributes, 'color')).toEqual(['navy']);
    expect(value(result.attributes, 'brand')).toEqual([]);
    expect(result.search_query).toBe('navy 27 inch 4K monitor');
    expect(result.text.resolutions).toEqual([expect.objectContaining({ width: 3840, height: 2160 })]);
  });

  it('adds the brand when the box prints one prominently', () => {
    const withBrand: AnalysisForAttributes = {
      ...monitorBox,
      text_detections: [
        ...ocr(800, 520, [['NOVAVIEW', 95, 250, 90, 300, 48]]),
        ...monitorBox.text_detections!,
        ...ocr(800, 520, [['144Hz', 94, 360, 320, 80, 20]]),
      ],
    };
    const result = extractor.extract(withBrand, colors(['navy', 0.9], ['white', 0.1]));
    expect(value(result.attributes, 'brand')).toEqual(['NOVAVIEW']);
    expect(value(result.attributes, 'refresh_rate')).toEqual(['144Hz']);
    expect(result.search_query).toBe('navy 27 inch 4K monitor NOVAVIEW');
    for (const a of result.attributes) {
      expect(a.confidence).toBeGreaterThan(0);
      expect(a.confidence).toBeLessThanOrEqual(1);
      expect(['ocr', 'labels', 'colors', 'objects']).toContain(a.source);
    }
  });

  it('reads a coffee bag: weight and a grocery category', () => {
    const result = extractor.extract(
      {
        text_detections: ocr(900, 640, [
          ['Organic Coffee Beans', 96, 202, 279, 338, 28],
          ['Dark Roast 500 g', 92, 260, 330, 221, 26],
          ['Best before 05/2027', 96, 280, 542, 181, 15],
        ]),
      },
      colors(['brown', 0.619], ['cream', 0.252], ['red', 0.119]),
    );
    expect(result.category!.path).toBe('Grocery > Beverages > Coffee');
    expect(value(result.attributes, 'weight')).toEqual(['500 g']);
    expect(value(result.attributes, 'model_number')).toEqual([]);
    expect(value(result.attributes, 'secondary_color')).toEqual(['cream']);
    expect(result.search_query).toBe('brown 500 g coffee');
  });

  it('reads a banner: a weak shoes category and no invented attributes', () => {
    const result = extractor.extract(
      {
        text_detections: ocr(1000, 360, [
          ['SUMMER SALE', 95, 164, 98, 672, 63],
          ['-30% on all shoes', 94, 307, 217, 386, 34],
        ]),
      },
      colors(['yellow', 0.996]),
    );
    expect(result.category!.path).toBe('Clothing, Shoes & Accessories > Shoes');
    expect(result.attributes.map((a) => a.key).sort()).toEqual(['category', 'color']);
  });

  it('uses detector objects for photos without text, marking the main product', () => {
    // the prototype's CenterNet detections on the scikit-image photos
    const coffee = extractor.extract(
      {
        objects: [
          { name: 'person', confidence: 0.3, bounding_box: box([0, 0, 0.2, 0.3]) },
          { name: 'cup', confidence: 0.45, bounding_box: box([0.276, 0.054, 0.409, 0.595]) },
        ],
      },
      {
        colors: [{ name: 'brown', hex: '#6b3f24', fraction: 0.6 }],
        background: null,
        region: 'object',
      },
    );
    expect(coffee.objects[0]).toMatchObject({
      name: 'cup',
      main: true,
      category: 'Home & Kitchen > Tableware > Cups & Mugs',
    });
    expect(coffee.objects[1]).toMatchObject({ name: 'person', main: false });
    expect(coffee.objects[1].category).toBeUndefined();
    expect(coffee.category!.path).toBe('Home & Kitchen > Tableware > Cups & Mugs');
    expect(coffee.category!.sources).toEqual([expect.objectContaining({ source: 'objects', name: 'cup' })]);
    expect(value(coffee.attributes, 'object')).toEqual(['cup']);

    const astronaut = extractor.extract(
      {
        objects: [{ name: 'person', confidence: 0.6, bounding_box: box([0.016, 0.017, 0.704, 0.998]) }],
      },
      null,
    );
    expect(astronaut.category).toBeNull();
    expect(astronaut.objects).toEqual([expect.objectContaining({ name: 'person', main: false })]);
    // clamped to the image
    expect(astronaut.objects[0].bounding_box!.top + astronaut.objects[0].bounding_box!.height).toBeLessThanOrEqual(1);
  });
});

describe('AttributeExtractor on Rekognition-shaped input', () => {
  it('combines labels, words and lines, with words giving brand prominence', () => {
    const result = extractor.extract(
      {
        labels: [
          { name: 'Clothing', confidence: 0.98, parents: [] },
          { name: 'T-Shirt', confidence: 0.91, parents: ['Clothing'] },
          { name: 'Person', confidence: 0.7, parents: [] },
        ],
        objects: [],
        text_detections: [
          textLine('KWENDA', 0.99, [0.3, 0.1, 0.4, 0.12]),
          textLine('100% Cotton', 0.97, [0.3, 0.4, 0.4, 0.05]),
          textLine('Size M', 0.96, [0.3, 0.5, 0.2, 0.05]),
          textLine('Made in Portugal', 0.95, [0.3, 0.6, 0.4, 0.04]),
          textWord('KWENDA', 0.99, [0.3, 0.1, 0.4, 0.12]),
          textWord('100%', 0.97, [0.3, 0.4, 0.15, 0.05]),
          textWord('Cotton', 0.97, [0.47, 0.4, 0.2, 0.05]),
          textWord('Size', 0.96, [0.3, 0.5, 0.1, 0.05]),
          textWord('M', 0.96, [0.42, 0.5, 0.05, 0.05]),
          textWord('Made', 0.95, [0.3, 0.6, 0.1, 0.04]),
          textWord('in', 0.95, [0.42, 0.6, 0.05, 0.04]),
          textWord('Portugal', 0.95, [0.49, 0.6, 0.2, 0.04]),
        ],
        colors: [{ name: 'red', hex: '#c8202a', fraction: 0.8 }],
      },
      null,
    );
    expect(result.category!.path).toBe('Clothing, Shoes & Accessories > Clothing > T-Shirts');
    expect(result.category!.sources.map((s) => s.name)).toEqual(expect.arrayContaining(['T-Shirt', 'Clothing']));
    expect(value(result.attributes, 'material')).toEqual(['100% cotton']);
    expect(value(result.attributes, 'size')).toEqual(['M']);
    expect(value(result.attributes, 'brand')).toEqual(['KWENDA']);
    expect(result.text.brand_candidates.map((b) => b.brand)).toEqual(['KWENDA']);
    expect(value(result.attributes, 'color')).toEqual(['red']);
    expect(result.attributes.find((a) => a.key === 'color')!.source).toBe('colors');
    expect(result.attributes.find((a) => a.key === 'category')!.source).toBe('labels');
    expect(result.search_query).toBe('red cotton t-shirt KWENDA');
  });

  it('groups words into lines when only words are given', () => {
    const result = extractor.extract(
      {
        text_detections: [
          textWord('ml', 0.9, [0.6, 0.5, 0.1, 0.1]),
          textWord('500', 0.9, [0.4, 0.51, 0.15, 0.1]),
          textWord('Water', 0.9, [0.4, 0.2, 0.3, 0.1]),
        ],
        labels: [{ name: 'Bottle', confidence: 0.9 }],
      },
      null,
    );
    expect(result.text.lines.map((l) => l.text)).toEqual(['Water', '500 ml']);
    expect(value(result.attributes, 'volume')).toEqual(['500 ml']);
    expect(result.search_query).toBe('500 ml bottle');
  });

  it('reads a bare oz as fluid ounces on a beverage and as weight on coffee', () => {
    const drink = extractor.extract(
      { labels: [{ name: 'Beverage', confidence: 0.9 }], text_detections: [{ text: '12 oz', confidence: 0.9 }] },
      null,
    );
    expect(drink.attributes.find((a) => a.key === 'volume')).toMatchObject({
      value: '12 fl oz',
      normalized: { value: 354.88, unit: 'ml' },
    });
    const beans = extractor.extract({ text_detections: [{ text: 'Coffee Beans 12 oz', confidence: 0.9 }] }, null);
    expect(beans.attributes.find((a) => a.key === 'weight')).toMatchObject({
      value: '12 oz',
      normalized: { value: 340.19, unit: 'g' },
    });
  });

  it('names capacities by what they are for', () => {
    const result = extractor.extract(
      {
        labels: [{ name: 'Laptop', confidence: 0.95 }],
        text_detections: [{ text: '15.6" FHD 16GB RAM 1TB SSD 2.4 GHz', confidence: 0.9 }],
      },
      null,
    );
    expect(value(result.attributes, 'screen_size')).toEqual(['15.6 inch']);
    expect(value(result.attributes, 'memory')).toEqual(['16GB']);
    expect(value(result.attributes, 'storage_capacity')).toEqual(['1TB']);
    expect(value(result.attributes, 'clock_speed')).toEqual(['2.4GHz']);
    expect(value(result.attributes, 'resolution')).toEqual(['Full HD']);
    expect(result.search_query).toBe('15.6 inch 1080p laptop');
  });

  it('returns an empty extraction for an empty analysis', () => {
    const result = extractor.extract({}, null);
    expect(result).toMatchObject({ category: null, objects: [], attributes: [], search_query: '' });
    expect(result.text.lines).toEqual([]);
  });
});

describe('AttributeExtractor.mainObject', () => {
  it('picks the largest confident product, never a person', () => {
    const extractor = new AttributeExtractor();
    const box = (width: number, height: number) => ({ left: 0, top: 0, width, height });
    expect(
      extractor.mainObject({
        objects: [
          { name: 'person', confidence: 0.95, bounding_box: box(0.9, 0.9) },
          { name: 'Cup', confidence: 0.5, bounding_box: box(0.1, 0.1) },
          { name: 'Laptop', confidence: 0.6, bounding_box: box(0.5, 0.4) },
          { name: 'Bottle', confidence: 0.2, bounding_box: box(0.8, 0.8) },
        ],
      })?.name,
    ).toBe('Laptop');
    expect(
      extractor.mainObject({ objects: [{ name: 'person', confidence: 0.9, bounding_box: box(1, 1) }] }),
    ).toBeUndefined();
  });
});

describe('categories inferred from printed specs', () => {
  const extractor = new AttributeExtractor();
  const lines = (...texts: string[]) => ({
    text_detections: texts.map((text) => ({ text, confidence: 0.95, type: 'line' })),
  });

  it('a fabric share or a size says clothing, citing the printed text', () => {
    const result = extractor.extract(lines('KWENDA', '100% Cotton', 'Size M'), null);
    expect(result.category).toMatchObject({
      path: 'Clothing, Shoes & Accessories',
      sources: [{ source: 'ocr', name: '100% Cotton' }],
    });
    expect(extractor.extract(lines('Size XL'), null).category!.path).toBe('Clothing, Shoes & Accessories');
  });

  it('a resolution says electronics, and a printed product word refines it', () => {
    expect(extractor.extract(lines('UHD 3840 x 2160'), null).category).toMatchObject({
      path: 'Electronics',
      confidence: 0.4,
    });
    expect(extractor.extract(lines('4K Monitor'), null).category!.path).toBe('Electronics > Computer > Monitor');
  });

  it('a non-textile material alone says nothing', () => {
    expect(extractor.extract(lines('Stainless Steel'), null).category).toBeNull();
  });
});
