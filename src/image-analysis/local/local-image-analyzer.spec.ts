import sharp from 'sharp';
import { allBoxes, boxWithinUnit, coffeeBag, monitorBox, normalizeText, photo } from '../../../test/support/images';
import { dominantColors } from '../colors/dominant-colors';
import { ANALYSIS_TYPES, AnalysisOptions, AnalyzerOutput } from '../image-analysis.types';
import { prepareImage, PreparedImage } from '../preprocess/prepared-image';
import { LocalAnalyzerOptions, LocalImageAnalyzer } from './local-image-analyzer';

/**
 * The real local engines (Human, nsfwjs, tesseract.js, all from node_modules) on real photos and
 * rendered product boxes. One analyzer for the whole file: the models load once.
 */
const prepare = (bytes: Buffer): Promise<PreparedImage> =>
  prepareImage(bytes, { maxPixels: 100_000_000, workingMaxSide: 2048, allowedFormats: ['jpeg', 'png', 'webp'] });
const all: AnalysisOptions = { types: [...ANALYSIS_TYPES], maxLabels: 20, minConfidence: 0.4 };

/** One small pool each (the machine has two cores), 640 px, a low floor so the specs see weak hits too. */
const analyzerWith = (options: Partial<LocalAnalyzerOptions> = {}) =>
  new LocalImageAnalyzer({
    visionWorkers: 1,
    ocrWorkers: 1,
    visionMaxSide: 640,
    defaultMinConfidence: 0.4,
    ...options,
  });

describe('LocalImageAnalyzer (real models)', () => {
  let analyzer: LocalImageAnalyzer;
  const results = new Map<string, AnalyzerOutput>();

  beforeAll(async () => {
    analyzer = analyzerWith();
    await analyzer.warmUp();
    for (const name of [
      'astronaut.jpg',
      'cat.jpg',
      'coffee.jpg',
      'motorcycle.webp',
      'rocket.jpg',
      'people-montage.jpg',
    ]) {
      results.set(name, await analyzer.analyze(await prepare(photo(name)), all));
    }
  }, 240_000);
  afterAll(() => analyzer?.close());

  it('reports the loaded models once warm', () => {
    const report = analyzer.readiness();
    expect(report).toMatchObject({ ready: true, loaded: true });
    expect((report.vision as { models: string[] }).models).toEqual(
      expect.arrayContaining(['centernet', 'nanodet', 'blazeface', 'facemesh', 'emotion', 'nsfwjs:MobileNetV2']),
    );
    expect((report.ocr as { models: string[] }).models).toEqual(['tesseract:eng:4.0.0_best_int']);
  });

  it.each([
    ['astronaut.jpg', 'Person'],
    ['coffee.jpg', 'Cup'],
    ['motorcycle.webp', 'Motorcycle'],
    ['people-montage.jpg', 'Person'],
  ])('%s gives the COCO object %s', (name, object) => {
    const objects = results.get(name)?.objects ?? [];
    expect(objects.map((o) => o.name)).toContain(object);
  });

  it('the cat is detected as an animal (CenterNet calls it a dog), with parent labels from our table', () => {
    const labels = results.get('cat.jpg')?.labels ?? [];
    expect(labels.map((l) => l.name)).toEqual(expect.arrayContaining(['Animal', 'Mammal', 'Pet']));
    expect(labels.find((l) => l.name === 'Mammal')?.parents).toEqual(['Animal']);
  });

  it('labels carry real parents: Cup -> Tableware, Kitchen', () => {
    const cup = results.get('coffee.jpg')?.labels?.find((l) => l.name === 'Cup');
    expect(cup).toMatchObject({ parents: ['Tableware', 'Kitchen'] });
    expect(results.get('coffee.jpg')?.labels?.map((l) => l.name)).toContain('Kitchen');
  });

  it.each([
    ['astronaut.jpg', 1],
    ['people-montage.jpg', 3],
    ['cat.jpg', 0],
    ['coffee.jpg', 0],
    ['motorcycle.webp', 0],
    ['rocket.jpg', 0],
  ])('%s has %i face(s)', (name, count) => {
    expect(results.get(name)?.faces).toHaveLength(count);
  });

  it('faces carry emotions but no age (the local age model is not credible)', () => {
    const [face] = results.get('astronaut.jpg')?.faces ?? [];
    expect(face.emotions?.[0]).toEqual({ type: 'HAPPY', confidence: expect.any(Number) });
    expect(face.age_range).toBeUndefined();
    // The face sits in the upper middle of the portrait.
    expect(face.bounding_box.left).toBeGreaterThan(0.2);
    expect(face.bounding_box.left + face.bounding_box.width).toBeLessThan(0.7);
    expect(face.bounding_box.top).toBeLessThan(0.3);
  });

  it('no ordinary photo gets a moderation label', () => {
    for (const [name, result] of results) {
      expect({ name, labels: result.moderation_labels }).toEqual({ name, labels: [] });
      expect(result.details?.moderation_decision).toBe('allow');
    }
  });

  it('looks again on a padded view only when nothing confident is found on a plain background', async () => {
    // A grey block on white: a plain border and nothing any detector is sure of.
    const block = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
      .composite([
        {
          input: await sharp({ create: { width: 220, height: 180, channels: 3, background: '#777777' } })
            .png()
            .toBuffer(),
          top: 60,
          left: 90,
        },
      ])
      .png()
      .toBuffer();
    const plain = await analyzer.analyze(await prepare(block), { ...all, types: ['objects'] });
    expect(plain.objects?.every((o) => o.confidence < 0.6)).toBe(true);
    expect((plain.details?.timings_ms as Record<string, number>).padded_view).toEqual(expect.any(Number));
    // A photo's border is not plain: one pass, whatever it found.
    expect((results.get('cat.jpg')?.details?.timings_ms as Record<string, number>).padded_view).toBeUndefined();
  });

  it('every box of every photo lies within [0, 1]', () => {
    for (const result of results.values()) {
      for (const box of allBoxes(result)) expect({ box, within: boxWithinUnit(box) }).toEqual({ box, within: true });
    }
  });

  it('OCR reads the lines printed on rendered product boxes, with word boxes inside their lines', async () => {
    for (const product of [await monitorBox(), await coffeeBag()]) {
      const result = await analyzer.analyze(await prepare(product.png), { ...all, types: ['text'] });
      const lines = (result.text_detections ?? []).filter((t) => t.type === 'line');
      const read = lines.map((l) => normalizeText(l.text));
      for (const expected of product.lines)
        expect(read.some((line) => line.includes(normalizeText(expected)))).toBe(true);
      for (const word of (result.text_detections ?? []).filter((t) => t.type === 'word')) {
        const line = result.text_detections?.[word.parent_index as number];
        expect(line?.type).toBe('line');
        expect(word.bounding_box.left).toBeGreaterThanOrEqual((line?.bounding_box.left ?? 0) - 0.01);
      }
      expect(result.objects).toBeUndefined(); // only the asked type is computed
    }
  });

  it('the monitor line sits where it was drawn (upper middle of the box)', async () => {
    const product = await monitorBox();
    const result = await analyzer.analyze(await prepare(product.png), { ...all, types: ['text'] });
    const line = result.text_detections?.find(
      (t) => t.type === 'line' && normalizeText(t.text).includes('27 inch monitor'),
    );
    // Drawn centred at x=400 of 800, baseline y=205 of 520, 44 px type.
    expect(line?.bounding_box.left).toBeGreaterThan(0.15);
    expect((line?.bounding_box.left ?? 0) + (line?.bounding_box.width ?? 0)).toBeLessThan(0.85);
    expect(line?.bounding_box.top).toBeGreaterThan(0.25);
    expect(line?.bounding_box.top).toBeLessThan(0.4);
  });

  it('photos have no text', () => {
    expect(results.get('cat.jpg')?.text_detections).toEqual([]);
  });

  it('colours name the box colour (shared sharp step)', async () => {
    const prepared = await prepare((await monitorBox()).png);
    const { colors } = await dominantColors(prepared.working);
    expect(colors[0].name).toBe('navy');
  });

  it('two images at once run on two workers when the pool has two', async () => {
    const two = analyzerWith({ visionWorkers: 2 });
    try {
      await two.vision.start();
      expect(two.readiness().vision).toMatchObject({ workers: 2, workers_ready: 2 });
      const image = await prepare(photo('coffee.jpg'));
      const [a, b] = await Promise.all([
        two.analyze(image, { ...all, types: ['objects'] }),
        two.analyze(image, { ...all, types: ['objects'] }),
      ]);
      expect(a.objects).toEqual(b.objects);
    } finally {
      await two.close();
    }
  }, 60_000);

  it('an engine that cannot run answers 503 ENGINE_UNAVAILABLE, not a 500', async () => {
    const closed = analyzerWith();
    await closed.close();
    const error = await closed
      .analyze(await prepare(photo('cat.jpg')), { ...all, types: ['objects'] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    expect((error as { getStatus(): number }).getStatus()).toBe(503);
  });
});

describe('LocalImageAnalyzer with only some models (IMAGE_LOCAL_MODELS)', () => {
  let analyzer: LocalImageAnalyzer;
  beforeAll(async () => {
    analyzer = analyzerWith({ models: ['objects'] });
    await analyzer.warmUp();
  }, 120_000);
  afterAll(() => analyzer?.close());

  it('loads CenterNet alone: no face models, no nsfwjs, no OCR workers', () => {
    const report = analyzer.readiness();
    expect(report).toMatchObject({ ready: true, loaded: true });
    expect((report.vision as { models: string[] }).models).toEqual(['centernet']);
    expect(report.ocr).toMatchObject({ workers_ready: 0, models: [] });
  });

  it('still finds objects, and labels come from them alone', async () => {
    const out = await analyzer.analyze(await prepare(photo('coffee.jpg')), { ...all, types: ['objects', 'labels'] });
    expect(out.objects?.map((o) => o.name)).toContain('Cup');
    expect(out.labels?.map((l) => l.name)).toContain('Cup');
  });

  it('refuses the types it has no model for with 400 VALIDATION_FAILED naming them', async () => {
    const error = await analyzer
      .analyze(await prepare(photo('cat.jpg')), { ...all, types: ['objects', 'moderation', 'text'] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((error as { getStatus(): number }).getStatus()).toBe(400);
    expect((error as Error).message).toContain('moderation, text');
  });

  it('keeps its results apart from the full set in the cache (another engine version)', () => {
    expect(analyzer.version).toMatch(/\/models=objects$/);
  });
});
