import { CategoryEvidence, inferCategory, singular, Taxonomy } from './taxonomy';

const taxonomy = new Taxonomy();
const pathOf = (name: string, by: 'label' | 'word' = 'label') =>
  (by === 'label' ? taxonomy.forLabel(name) : taxonomy.forWord(name))?.path.join(' > ');

/** The 80 COCO classes the local detector names, minus animals, people and street furniture. */
const COCO_PRODUCTS: [string, string][] = [
  ['tv', 'Electronics > TV & Video > Television'],
  ['laptop', 'Electronics > Computer > Laptop'],
  ['cell phone', 'Electronics > Mobile Phones'],
  ['keyboard', 'Electronics > Computer > Keyboard'],
  ['mouse', 'Electronics > Computer > Mouse'],
  ['remote', 'Electronics > TV & Video > Remote Control'],
  ['microwave', 'Home & Kitchen > Kitchen Appliances > Microwave'],
  ['oven', 'Home & Kitchen > Kitchen Appliances > Oven'],
  ['toaster', 'Home & Kitchen > Kitchen Appliances > Toaster'],
  ['refrigerator', 'Home & Kitchen > Kitchen Appliances > Refrigerator'],
  ['book', 'Books'],
  ['clock', 'Home & Kitchen > Decor > Clocks'],
  ['vase', 'Home & Kitchen > Decor > Vases'],
  ['scissors', 'Office Supplies > Scissors'],
  ['teddy bear', 'Toys & Games > Stuffed Animals'],
  ['hair drier', 'Beauty & Personal Care > Hair Dryers'],
  ['toothbrush', 'Beauty & Personal Care > Toothbrushes'],
  ['cup', 'Home & Kitchen > Tableware > Cups & Mugs'],
  ['bottle', 'Home & Kitchen > Drinkware > Bottles'],
  ['wine glass', 'Home & Kitchen > Tableware > Glasses'],
  ['fork', 'Home & Kitchen > Tableware > Cutlery'],
  ['knife', 'Home & Kitchen > Tableware > Cutlery'],
  ['spoon', 'Home & Kitchen > Tableware > Cutlery'],
  ['bowl', 'Home & Kitchen > Tableware > Bowls'],
  ['chair', 'Home & Kitchen > Furniture > Chairs'],
  ['couch', 'Home & Kitchen > Furniture > Sofas'],
  ['bed', 'Home & Kitchen > Furniture > Beds'],
  ['dining table', 'Home & Kitchen > Furniture > Tables'],
  ['potted plant', 'Home & Kitchen > Decor > Plants'],
  ['bench', 'Home & Kitchen > Furniture > Benches'],
  ['toilet', 'Home & Kitchen > Bathroom > Toilets'],
  ['sink', 'Home & Kitchen > Bathroom > Sinks'],
  ['backpack', 'Clothing, Shoes & Accessories > Bags & Luggage > Backpacks'],
  ['umbrella', 'Clothing, Shoes & Accessories > Accessories > Umbrellas'],
  ['handbag', 'Clothing, Shoes & Accessories > Bags & Luggage > Handbags'],
  ['tie', 'Clothing, Shoes & Accessories > Accessories > Ties'],
  ['suitcase', 'Clothing, Shoes & Accessories > Bags & Luggage > Suitcases'],
  ['sports ball', 'Sports & Outdoors > Balls'],
  ['skateboard', 'Sports & Outdoors > Skateboards'],
  ['surfboard', 'Sports & Outdoors > Surfboards'],
  ['tennis racket', 'Sports & Outdoors > Tennis Rackets'],
  ['skis', 'Sports & Outdoors > Skis & Snowboards'],
  ['snowboard', 'Sports & Outdoors > Skis & Snowboards'],
  ['kite', 'Toys & Games > Kites'],
  ['frisbee', 'Sports & Outdoors > Frisbees'],
  ['baseball bat', 'Sports & Outdoors > Baseball'],
  ['baseball glove', 'Sports & Outdoors > Baseball'],
  ['bicycle', 'Sports & Outdoors > Bicycles'],
  ['motorcycle', 'Vehicles > Motorcycles'],
  ['car', 'Vehicles > Cars'],
  ['truck', 'Vehicles > Trucks'],
  ['boat', 'Vehicles > Boats'],
  ['banana', 'Grocery > Fruit'],
  ['apple', 'Grocery > Fruit'],
  ['orange', 'Grocery > Fruit'],
  ['broccoli', 'Grocery > Vegetables'],
  ['carrot', 'Grocery > Vegetables'],
  ['cake', 'Grocery > Bakery'],
  ['donut', 'Grocery > Bakery'],
  ['pizza', 'Grocery > Prepared Food'],
  ['sandwich', 'Grocery > Prepared Food'],
  ['hot dog', 'Grocery > Prepared Food'],
];

const REKOGNITION_LABELS: [string, string][] = [
  ['Monitor', 'Electronics > Computer > Monitor'],
  ['Screen', 'Electronics > Computer > Monitor'],
  ['Display', 'Electronics > Computer > Monitor'],
  ['Electronics', 'Electronics'],
  ['Computer Hardware', 'Electronics > Computer'],
  ['Mobile Phone', 'Electronics > Mobile Phones'],
  ['Headphones', 'Electronics > Audio > Headphones'],
  ['Shoe', 'Clothing, Shoes & Accessories > Shoes'],
  ['Footwear', 'Clothing, Shoes & Accessories > Shoes'],
  ['Sneaker', 'Clothing, Shoes & Accessories > Shoes'],
  ['Shirt', 'Clothing, Shoes & Accessories > Clothing > Shirts'],
  ['T-Shirt', 'Clothing, Shoes & Accessories > Clothing > T-Shirts'],
  ['Clothing', 'Clothing, Shoes & Accessories'],
  ['Apparel', 'Clothing, Shoes & Accessories'],
  ['Bottle', 'Home & Kitchen > Drinkware > Bottles'],
  ['Water Bottle', 'Home & Kitchen > Drinkware > Bottles'],
  ['Coffee Cup', 'Home & Kitchen > Tableware > Cups & Mugs'],
  ['Beverage', 'Grocery > Beverages'],
  ['Furniture', 'Home & Kitchen > Furniture'],
  ['Wristwatch', 'Clothing, Shoes & Accessories > Accessories > Watches'],
  ['Jeans', 'Clothing, Shoes & Accessories > Clothing > Pants'],
];

describe('Taxonomy', () => {
  it.each(COCO_PRODUCTS)('maps the COCO class %s to %s', (name, path) => {
    expect(pathOf(name)).toBe(path);
  });

  it.each(REKOGNITION_LABELS)('maps the Rekognition label %s to %s', (name, path) => {
    expect(pathOf(name)).toBe(path);
  });

  it.each([
    ['monitor', 'Electronics > Computer > Monitor'],
    ['Monitors', 'Electronics > Computer > Monitor'],
    ['headphones', 'Electronics > Audio > Headphones'],
    ['t-shirt', 'Clothing, Shoes & Accessories > Clothing > T-Shirts'],
    ['T-SHIRT', 'Clothing, Shoes & Accessories > Clothing > T-Shirts'],
    ['shoes', 'Clothing, Shoes & Accessories > Shoes'],
    ['coffee beans', 'Grocery > Beverages > Coffee'],
    ['mineral water', 'Grocery > Beverages > Water'],
  ])('maps the printed word %s to %s', (word, path) => {
    expect(pathOf(word, 'word')).toBe(path);
  });

  it('does not read vague words as categories from OCR, only from labels', () => {
    expect(pathOf('display', 'word')).toBeUndefined();
    expect(pathOf('apple', 'word')).toBeUndefined();
    expect(pathOf('display')).toBe('Electronics > Computer > Monitor');
  });

  it('knows the labels that are deliberately not products', () => {
    for (const name of ['person', 'Person', 'dog', 'cat', 'traffic light', 'stop sign']) {
      expect(taxonomy.isNonProduct(name)).toBe(true);
      expect(taxonomy.forLabel(name)).toBeUndefined();
    }
  });

  it('finds category phrases in a line, longest first', () => {
    expect(taxonomy.wordsIn('Wireless Gaming Mouse').map((w) => [w.phrase, w.node.name])).toEqual([
      ['Gaming Mouse', 'Mouse'],
    ]);
    expect(taxonomy.wordsIn('Organic Coffee Beans').map((w) => w.node.name)).toEqual(['Coffee']);
    expect(taxonomy.wordsIn('27 inch Monitor 4K').map((w) => w.node.name)).toEqual(['Monitor']);
    expect(taxonomy.wordsIn('Model NV-27U')).toEqual([]);
  });

  it.each([
    ['monitors', 'monitor'],
    ['glasses', 'glass'],
    ['boxes', 'box'],
    ['batteries', 'battery'],
    ['dress', 'dress'],
    ['bus', 'bus'],
  ])('singular(%s) = %s', (word, one) => {
    expect(singular(word)).toBe(one);
  });
});

describe('inferCategory', () => {
  const e = (source: CategoryEvidence['source'], name: string, confidence: number): CategoryEvidence => ({
    source,
    name,
    confidence,
  });

  it('returns nothing without product evidence', () => {
    expect(inferCategory(taxonomy, [])).toEqual({ best: null, alternatives: [] });
    expect(inferCategory(taxonomy, [e('objects', 'person', 0.9), e('objects', 'dog', 0.8)]).best).toBeNull();
  });

  it('combines agreeing evidence and keeps where it came from', () => {
    const { best } = inferCategory(taxonomy, [e('ocr', 'Monitor', 0.7), e('labels', 'Monitor', 0.6)]);
    expect(best).toMatchObject({ path: 'Electronics > Computer > Monitor', term: 'monitor' });
    expect(best!.confidence).toBeCloseTo(1 - 0.3 * 0.4, 3);
    expect(best!.sources.map((s) => s.source)).toEqual(['ocr', 'labels']);
  });

  it('prefers the well-supported specific path over a general ancestor', () => {
    const { best } = inferCategory(taxonomy, [e('labels', 'Electronics', 0.95), e('labels', 'Monitor', 0.6)]);
    expect(best!.path).toBe('Electronics > Computer > Monitor');
    expect(best!.confidence).toBeGreaterThan(0.6);
    expect(best!.sources.map((s) => s.name)).toEqual(['Electronics', 'Monitor']);
  });

  it('stays general when the specific evidence is weak', () => {
    const { best, alternatives } = inferCategory(taxonomy, [
      e('labels', 'Electronics', 0.95),
      e('ocr', 'keyboard', 0.2),
    ]);
    expect(best!.path).toBe('Electronics');
    expect(alternatives.map((a) => a.path)).toContain('Electronics > Computer > Keyboard');
  });

  it('lets stronger evidence win a conflict and reports the loser as an alternative', () => {
    const { best, alternatives } = inferCategory(taxonomy, [e('objects', 'tv', 0.45), e('ocr', 'monitor', 0.8)]);
    expect(best!.path).toBe('Electronics > Computer > Monitor');
    expect(alternatives[0].path).toBe('Electronics > TV & Video > Television');
  });
});

describe('the image-analysis label names (display names and parents of the local detector)', () => {
  it.each([
    ['TV', 'Electronics > TV & Video > Television'],
    ['Mobile Phone', 'Electronics > Mobile Phones'],
    ['Remote Control', 'Electronics > TV & Video > Remote Control'],
    ['Hair Dryer', 'Beauty & Personal Care > Hair Dryers'],
    ['Ball', 'Sports & Outdoors > Balls'],
    ['Sports Equipment', 'Sports & Outdoors'],
    ['Home Decor', 'Home & Kitchen > Decor'],
    ['Kitchen', 'Home & Kitchen'],
    ['Personal Care', 'Beauty & Personal Care'],
    ['Publication', 'Books'],
    ['Computer Hardware', 'Electronics > Computer'],
  ])('%s -> %s', (name, path) => {
    expect(new Taxonomy().forLabel(name)?.path.join(' > ')).toBe(path);
  });

  it('lets a detected TV beat the generic "Screen" parent label that comes with it', () => {
    const { best } = inferCategory(new Taxonomy(), [
      { source: 'labels', name: 'TV', confidence: 0.6 },
      { source: 'labels', name: 'Screen', confidence: 0.6 },
      { source: 'labels', name: 'Electronics', confidence: 0.6 },
      { source: 'objects', name: 'TV', confidence: 0.55 },
    ]);
    expect(best!.path).toBe('Electronics > TV & Video > Television');
  });
});
