import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreAttributes } from '../src/attributes/testing/precision';
import type { AttributeResult } from '../src/attributes/attributes.service';
import { ProductFixture, renderProductFixtures } from './support/product-images';
import { createTestApp, TestApp } from './support/test-app';

const PHOTOS = join(__dirname, 'fixtures', 'images');
const photo = (name: string) => readFileSync(join(PHOTOS, name));
const value = (result: AttributeResult, key: string) =>
  result.attributes.filter((a) => a.key === key).map((a) => a.value);

/**
 * POST /api/v1/extract-attributes through the real app with the real local engines (objects,
 * OCR, colours): rendered product images with known text and colours, and real photos.
 */
describe('POST /api/v1/extract-attributes (local engines)', () => {
  let t: TestApp;
  let fixtures: ProductFixture[];
  const results = new Map<string, AttributeResult>();

  beforeAll(async () => {
    t = await createTestApp();
    fixtures = await renderProductFixtures();
    // one request per fixture, reused by the tests below (the engines take ~1 s an image)
    for (const f of fixtures) {
      const res = await t.http.post('/api/v1/extract-attributes').attach('file', f.png, `${f.name}.png`);
      expect(res.status).toBe(200);
      results.set(f.name, res.body as AttributeResult);
    }
  }, 180_000);
  afterAll(() => t?.close());

  it('reads the monitor box: category, colour, attributes and the search query', () => {
    const r = results.get('monitor-box')!;
    expect(r.category).toMatchObject({ path: 'Electronics > Computer > Monitor', term: 'monitor' });
    expect(r.category!.sources.map((s) => s.source)).toContain('ocr');
    expect(r.colors.colors[0].name).toBe('navy');
    expect(r.colors.background).toMatchObject({ kept: false });
    expect(value(r, 'brand')).toEqual(['NOVAVIEW']);
    expect(value(r, 'screen_size')).toEqual(['27 inch']);
    expect(value(r, 'resolution')).toEqual(['4K UHD']);
    expect(value(r, 'model_number')).toEqual(['NV-27U']);
    expect(value(r, 'refresh_rate')).toEqual(['144Hz']);
    expect(r.search_query).toBe('navy 27 inch 4K monitor NOVAVIEW');
    expect(r.text.lines.map((l) => l.text)).toEqual(expect.arrayContaining(['NOVAVIEW', 'Model NV-27U']));
    expect(r.text.quantities.find((q) => q.unit === 'in')).toMatchObject({
      value: 27,
      normalized: { value: 68.58, unit: 'cm' },
    });
    expect(r).toMatchObject({ provider: 'local', extractor_version: expect.any(String), cached: false });
    // a new image is stored, as with /analyze-image, and its analysis can be fetched
    expect(r.media_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.analysis_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads a shirt tag, a bottle label and a coffee bag', () => {
    const tag = results.get('shirt-tag')!;
    expect(value(tag, 'material')).toEqual(['100% cotton']);
    expect(value(tag, 'size')).toEqual(['M']);
    expect(value(tag, 'color')).toEqual(['red']);
    expect(tag.category!.path).toMatch(/^Clothing, Shoes & Accessories/);

    const bottle = results.get('water-bottle-label')!;
    expect(value(bottle, 'volume')).toEqual(['500 ml']);
    expect(bottle.attributes.find((a) => a.key === 'volume')!.normalized).toEqual({ value: 500, unit: 'ml' });
    expect(bottle.category!.path).toBe('Grocery > Beverages > Water');

    const coffee = results.get('coffee-bag')!;
    expect(value(coffee, 'weight')).toEqual(['500 g']);
    expect(value(coffee, 'color')).toEqual(['brown']);
  });

  it('gets the category and main colour of every rendered product right', () => {
    for (const f of fixtures) {
      const r = results.get(f.name)!;
      // a photo-like degraded image may lose its text (OCR), never gain a wrong category
      if (r.category) expect(`${f.name}: ${r.category.path}`).toBe(`${f.name}: ${f.category}`);
      expect(`${f.name}: ${r.colors.colors[0]?.name}`).toBe(`${f.name}: ${f.color}`);
    }
  });

  it('is precise on the rendered products (precision of the text attributes)', () => {
    const report = scoreAttributes(
      fixtures.map((f) => ({ name: f.name, expected: f.expected, attributes: results.get(f.name)!.attributes })),
    );
    process.stdout.write(
      `rendered products: ${report.correct}/${report.reported} correct (precision ${report.precision.toFixed(3)}), ` +
        `${report.correct}/${report.expected} found (recall ${report.recall.toFixed(3)})\n` +
        `false positives: ${JSON.stringify(report.falsePositives)}\nmisses: ${JSON.stringify(report.misses)}\n`,
    );
    expect(report.precision).toBeGreaterThanOrEqual(0.95);
    expect(report.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('answers a repeat from the cache with the same attributes', async () => {
    const f = fixtures.find((x) => x.name === 'monitor-box')!;
    const again = await t.http.post('/api/v1/extract-attributes').attach('file', f.png, 'again.png').expect(200);
    expect(again.body.cached).toBe(true);
    const first = results.get('monitor-box')!;
    expect(again.body.attributes).toEqual(first.attributes);
    expect(again.body.search_query).toBe(first.search_query);
    // the analysis it came from is kept
    const analysis = await t.http.get(`/api/v1/analyze-image/${first.analysis_id}`).expect(200);
    expect(analysis.body.text_detections.map((d: { text: string }) => d.text)).toContain('Model NV-27U');
  });

  it('is documented in OpenAPI with its request and response models', async () => {
    const { body: doc } = await t.http.get('/docs-json').expect(200);
    const op = doc.paths['/api/v1/extract-attributes'].post;
    expect(Object.keys(op.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(op.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/AttributeResultDto',
    });
    const result = doc.components.schemas.AttributeResultDto;
    expect(Object.keys(result.properties)).toEqual(
      expect.arrayContaining(['category', 'colors', 'text', 'objects', 'attributes', 'search_query']),
    );
    expect(doc.components.schemas.ProductAttributeDto.properties.source.enum).toEqual([
      'ocr',
      'labels',
      'colors',
      'objects',
    ]);
    expect(Object.keys(doc.components.schemas.ExtractAttributesDto.properties).sort()).toEqual([
      'filename',
      'image_file',
      'max_labels',
      'media_id',
      'min_confidence',
    ]);
  });

  it('takes JSON base64 and a media_id, and a different min_confidence is a different cache entry', async () => {
    const f = fixtures.find((x) => x.name === 'water-bottle-label')!;
    const json = await t.http
      .post('/api/v1/extract-attributes')
      .send({ image_file: f.png.toString('base64'), min_confidence: 0.5 })
      .expect(200);
    expect(json.body.cached).toBe(false);
    expect(value(json.body as AttributeResult, 'volume')).toEqual(['500 ml']);

    const upload = await t.http.post('/api/v1/upload').attach('file', f.png, 'bottle.png').expect(201);
    const byId = await t.http.post('/api/v1/extract-attributes').send({ media_id: upload.body.media_id }).expect(200);
    expect(byId.body.media_id).toBe(upload.body.media_id);
    expect(byId.body.search_query).toBe(results.get('water-bottle-label')!.search_query);
  });

  describe('real photos', () => {
    it('a cup of coffee: tableware category from the detector, colours inside the cup box', async () => {
      const res = await t.http
        .post('/api/v1/extract-attributes')
        .attach('file', photo('coffee.jpg'), 'coffee.jpg')
        .expect(200);
      const r = res.body as AttributeResult;
      const main = r.objects.find((o) => o.main);
      expect(main).toMatchObject({ category: 'Home & Kitchen > Tableware > Cups & Mugs' });
      expect(r.category!.path).toBe('Home & Kitchen > Tableware > Cups & Mugs');
      expect(r.colors.region).toBe('object');
      expect(r.search_query).toMatch(/mug$/);
    });

    it('a motorcycle', async () => {
      const res = await t.http
        .post('/api/v1/extract-attributes')
        .attach('file', photo('motorcycle.webp'), 'motorcycle.webp')
        .expect(200);
      expect(res.body.category.path).toBe('Vehicles > Motorcycles');
      expect(res.body.search_query).toMatch(/motorcycle/);
    });

    it('a portrait is not a product: no category, no invented attributes', async () => {
      const res = await t.http
        .post('/api/v1/extract-attributes')
        .attach('file', photo('astronaut.jpg'), 'astronaut.jpg')
        .expect(200);
      const r = res.body as AttributeResult;
      expect(r.category).toBeNull();
      expect(r.objects.every((o) => !o.main)).toBe(true);
      expect(r.attributes.map((a) => a.key).filter((k) => !['color', 'secondary_color'].includes(k))).toEqual([]);
    });
  });

  describe('bad input gets the error envelope', () => {
    const post = (http: TestApp['http']) => http.post('/api/v1/extract-attributes');
    const unknownId = '6f1c2f6e-0000-4000-8000-000000000000';
    it.each([
      ['no file in multipart', (h: TestApp['http']) => post(h).field('min_confidence', '0.5'), 400, 'FILE_MISSING'],
      ['neither image_file nor media_id', (h: TestApp['http']) => post(h).send({}), 400, 'VALIDATION_FAILED'],
      [
        'both image_file and media_id',
        (h: TestApp['http']) => post(h).send({ image_file: 'aGVsbG8=', media_id: unknownId }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'min_confidence out of range',
        (h: TestApp['http']) => post(h).send({ image_file: 'aGVsbG8=', min_confidence: 2 }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a multipart option out of range',
        (h: TestApp['http']) => post(h).field('max_labels', '0').attach('file', Buffer.from('x'), 'a.png'),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'analysis_types is not an option here',
        (h: TestApp['http']) => post(h).send({ image_file: 'aGVsbG8=', analysis_types: ['faces'] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'not an image',
        (h: TestApp['http']) => post(h).attach('file', Buffer.from('just some text, not a picture'), 'a.png'),
        415,
        'INVALID_FILE_FORMAT',
      ],
      ['unknown media_id', (h: TestApp['http']) => post(h).send({ media_id: unknownId }), 404, 'MEDIA_NOT_FOUND'],
    ])('%s', async (_name, send, status, code) => {
      const res = await send(t.http);
      expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
      expect(res.status).toBe(status);
    });
  });
});
