import {
  DetectFacesCommand,
  DetectLabelsCommand,
  DetectModerationLabelsCommand,
  DetectTextCommand,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import {
  detectFacesResponse,
  detectLabelsResponse,
  detectModerationResponse,
  detectTextResponse,
} from '../src/image-analysis/aws/__fixtures__/rekognition-responses';
import {
  animatedWebp,
  cmykJpeg,
  exifRotatedJpeg,
  png16,
  pngBombHeader,
  solidPng,
  truncatedJpeg,
} from './support/hostile-images';
import { allBoxes, boxWithinUnit, monitorBox, normalizeText, photo, redMug } from './support/images';
import { createTestApp, TestApp } from './support/test-app';
import { wavHeader } from './support/wav';

const API = '/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A short 16 kHz mono 16-bit WAV tone. */
function wav(seconds: number): Buffer {
  const samples = Math.round(16_000 * seconds);
  const header = wavHeader(samples * 2);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2);
  return Buffer.concat([header, data]);
}

function expectError(body: unknown, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
}

/**
 * The image analysis API on the real app with the real local engines (one app, so the models
 * load once for the whole file), then the same routes on the aws provider with a mocked SDK.
 */
describe('image analysis (e2e, local engines)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        IMAGE_ANALYSIS_WORKERS: '2',
        IMAGE_OCR_WORKERS: '1',
        IMAGE_BATCH_MAX_ITEMS: '4',
        MAX_IMAGE_PIXELS: '50000000',
      },
    });
  }, 60_000);
  afterAll(() => t?.close());

  const analyze = (bytes: Buffer, filename: string, fields: Record<string, string> = {}) => {
    const req = t.http.post(`${API}/analyze-image`);
    for (const [key, value] of Object.entries(fields)) req.field(key, value);
    return req.attach('file', bytes, filename);
  };

  describe('POST /analyze-image', () => {
    it('multipart photo: the spec response, defaults labels/text/objects only, stored through the media store', async () => {
      const res = await analyze(photo('coffee.jpg'), 'coffee.jpg').expect(200);
      expect(res.body).toMatchObject({
        analysis_id: expect.stringMatching(UUID),
        status: 'completed',
        analysis_types: ['labels', 'objects', 'text'],
        image: { width: 600, height: 400, format: 'jpeg' },
        provider: 'local',
        cached: false,
        processing_time: expect.any(Number),
        media_id: expect.stringMatching(UUID),
      });
      expect(res.body.objects.map((o: { name: string }) => o.name)).toContain('Cup');
      expect(res.body.labels).toEqual(
        expect.arrayContaining([{ name: 'Cup', confidence: expect.any(Number), parents: ['Tableware', 'Kitchen'] }]),
      );
      expect(res.body.text_detections).toEqual([]);
      for (const key of ['faces', 'moderation_labels', 'colors']) expect(res.body).not.toHaveProperty(key);
      for (const box of allBoxes(res.body)) expect(boxWithinUnit(box)).toBe(true);
      // The image went through the media store: its record exists.
      const media = await t.http.get(`${API}/media/${res.body.media_id}`).expect(200);
      expect(media.body).toMatchObject({ media_type: 'image', format: 'jpeg', sha256: res.body.sha256 });
    });

    it('a repeat answers from the cache, marked cached, much faster', async () => {
      const first = await analyze(photo('motorcycle.webp'), 'm.webp', { analysis_types: 'objects,faces' }).expect(200);
      const again = await analyze(photo('motorcycle.webp'), 'm.webp', { analysis_types: 'objects,faces' }).expect(200);
      expect(first.body.cached).toBe(false);
      expect(again.body.cached).toBe(true);
      expect(again.body.analysis_id).not.toBe(first.body.analysis_id);
      expect(again.body.objects).toEqual(first.body.objects);
      expect(again.body.objects.map((o: { name: string }) => o.name)).toContain('Motorcycle');
      expect(again.body.faces).toEqual([]);
      expect(again.body.processing_time).toBeLessThan(first.body.processing_time);
      // The same bytes are not stored twice: the hit reuses the media stored the first time...
      expect(again.body.media_id).toBe(first.body.media_id);
      // ...unless it was deleted since.
      await t.http.delete(`${API}/media/${first.body.media_id}`).expect(204);
      const afterDelete = await analyze(photo('motorcycle.webp'), 'm.webp', { analysis_types: 'objects,faces' }).expect(
        200,
      );
      expect(afterDelete.body.cached).toBe(true);
      expect(afterDelete.body.media_id).not.toBe(first.body.media_id);
      await t.http.get(`${API}/media/${afterDelete.body.media_id}`).expect(200);
      // Other options are another cache entry.
      const other = await analyze(photo('motorcycle.webp'), 'm.webp', { analysis_types: 'objects' }).expect(200);
      expect(other.body.cached).toBe(false);
    });

    it('JSON base64: OCR reads the rendered product box and colours name it navy', async () => {
      const box = await monitorBox();
      const res = await t.http
        .post(`${API}/analyze-image`)
        .send({ image_file: box.png.toString('base64'), analysis_types: ['text', 'colors'], filename: 'box.png' })
        .expect(200);
      const lines = res.body.text_detections
        .filter((d: { type: string }) => d.type === 'line')
        .map((d: { text: string }) => normalizeText(d.text));
      for (const expected of ['27 inch Monitor 4K', 'Model NV-27U'])
        expect(lines.some((l: string) => l.includes(normalizeText(expected)))).toBe(true);
      expect(res.body.text_detections.some((d: { type: string }) => d.type === 'word')).toBe(true);
      expect(res.body.colors[0]).toEqual({
        name: 'navy',
        hex: expect.stringMatching(/^#[0-9a-f]{6}$/),
        fraction: expect.any(Number),
      });
      expect(res.body.image).toEqual({ width: 800, height: 520, format: 'png' });
      expect(res.body).not.toHaveProperty('objects');
    });

    it('media_id: a stored group picture gives the right number of faces', async () => {
      const upload = await t.http
        .post(`${API}/upload`)
        .attach('file', photo('people-montage.jpg'), 'people.jpg')
        .expect(201);
      const res = await t.http
        .post(`${API}/analyze-image`)
        .send({ media_id: upload.body.media_id, analysis_types: ['faces', 'labels'] })
        .expect(200);
      expect(res.body.media_id).toBe(upload.body.media_id);
      expect(res.body.faces).toHaveLength(3);
      expect(res.body.labels.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(['Person', 'Face']));
      for (const face of res.body.faces) {
        expect(boxWithinUnit(face.bounding_box)).toBe(true);
        expect(face).not.toHaveProperty('age_range');
      }
    });

    it('moderation: ordinary photos get no label and an allow decision', async () => {
      const res = await analyze(photo('astronaut.jpg'), 'a.jpg', { analysis_types: 'moderation,faces' }).expect(200);
      expect(res.body.moderation_labels).toEqual([]);
      expect(res.body.details.moderation_decision).toBe('allow');
      expect(res.body.faces).toHaveLength(1);
    });

    it('max_labels and min_confidence are honoured', async () => {
      const res = await analyze(photo('coffee.jpg'), 'c.jpg', {
        analysis_types: 'labels',
        max_labels: '2',
        min_confidence: '0.1',
      }).expect(200);
      expect(res.body.labels).toHaveLength(2);
      expect(res.body.min_confidence).toBe(0.1);
      const strict = await analyze(photo('coffee.jpg'), 'c.jpg', {
        analysis_types: 'labels,objects',
        min_confidence: '0.99',
      }).expect(200);
      expect(strict.body.labels).toEqual([]);
      expect(strict.body.objects).toEqual([]);
    });

    it.each([
      [{ analysis_types: ['labels', 'bogus'], media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' }, 'analysis_types'],
      [{ min_confidence: 2, media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' }, 'min_confidence'],
      [{ max_labels: 0, media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' }, 'max_labels'],
      [{ image_file: 'not base64 !!' }, 'image_file'],
      [{}, 'image_file'],
      [{ image_file: 'aGVsbG8=', media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' }, 'media_id'],
      [{ media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11', surprise: 1 }, 'surprise'],
    ])('JSON %j -> 400 VALIDATION_FAILED naming %s', async (body, field) => {
      const res = await t.http.post(`${API}/analyze-image`).send(body).expect(400);
      expectError(res.body, 'VALIDATION_FAILED');
      expect(Object.keys(res.body.error.details.fields)).toContain(field);
    });

    it('multipart options go through the same rules', async () => {
      const res = await analyze(photo('cat.jpg'), 'cat.jpg', { analysis_types: 'labels,everything' }).expect(400);
      expectError(res.body, 'VALIDATION_FAILED');
      const unknown = await analyze(photo('cat.jpg'), 'cat.jpg', { colour: 'red' }).expect(400);
      expect(unknown.body.error.code).toBe('UNEXPECTED_FIELD');
    });

    it('an unknown media_id -> 404 MEDIA_NOT_FOUND; an audio media -> 415', async () => {
      const unknown = { media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' };
      expectError((await t.http.post(`${API}/analyze-image`).send(unknown).expect(404)).body, 'MEDIA_NOT_FOUND');
      const upload = await t.http.post(`${API}/upload`).attach('file', wav(0.5), 'beep.wav').expect(201);
      expect(upload.body.media_type).toBe('audio');
      const audio = await t.http.post(`${API}/analyze-image`).send({ media_id: upload.body.media_id }).expect(415);
      expectError(audio.body, 'INVALID_FILE_FORMAT');
    });
  });

  describe('hostile images', () => {
    const gif = () =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
        .gif()
        .toBuffer();
    it.each([
      ['zero bytes', 400, 'INVALID_FILE', 'empty.png', () => Promise.resolve(Buffer.alloc(0))],
      ['a text file named .png', 415, 'INVALID_FILE_FORMAT', 'fake.png', () => Promise.resolve(Buffer.from('text\n'))],
      [
        'a bomb header (60000x60000)',
        422,
        'INVALID_FILE',
        'bomb.png',
        () => Promise.resolve(pngBombHeader(60_000, 60_000)),
      ],
      ['a truncated JPEG', 422, 'INVALID_FILE', 'cut.jpg', truncatedJpeg],
      ['a GIF', 415, 'INVALID_FILE_FORMAT', 'x.gif', gif],
    ])('%s -> %i %s, in the error envelope', async (_name, status, code, filename, make) => {
      const res = await analyze(await make(), filename).expect(status);
      expectError(res.body, code);
    });

    it.each([
      ['animated WebP (first frame)', animatedWebp, { width: 64, height: 64, format: 'webp' }, 'red'],
      ['CMYK JPEG', cmykJpeg, { width: 120, height: 120, format: 'jpeg' }, 'red'],
      ['16-bit PNG', png16, { width: 120, height: 120, format: 'png' }, 'green'],
      ['1x1 PNG', () => solidPng(1, 1, '#2456b8'), { width: 1, height: 1, format: 'png' }, 'blue'],
      ['20000x10 PNG', () => solidPng(20_000, 10, '#f4d80c'), { width: 20_000, height: 10, format: 'png' }, 'yellow'],
    ])('%s is analysed: every type answers', async (_name, make, image, colour) => {
      const res = await analyze(await make(), 'odd.img', {
        analysis_types: 'labels,objects,text,faces,moderation,colors',
      }).expect(200);
      expect(res.body.image).toEqual(image);
      expect(res.body.colors[0].name).toBe(colour);
      for (const key of ['labels', 'objects', 'text_detections', 'faces', 'moderation_labels'])
        expect(Array.isArray(res.body[key])).toBe(true);
    });

    it('an EXIF-rotated photo is analysed upright: size and boxes are of the oriented image', async () => {
      const rotated = await exifRotatedJpeg();
      const res = await analyze(rotated, 'rotated.jpg', { analysis_types: 'colors' }).expect(200);
      expect(res.body.image).toEqual({ width: 400, height: 200, format: 'jpeg' });
      // A sideways astronaut is still found with her face where it is once upright.
      const sideways = await sharp(photo('astronaut.jpg'))
        .rotate(-90)
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const faces = await analyze(sideways, 'side.jpg', { analysis_types: 'faces' }).expect(200);
      expect(faces.body.faces).toHaveLength(1);
      expect(faces.body.faces[0].bounding_box.top).toBeLessThan(0.3);
    });
  });

  describe('GET /analyze-image/{id} and /annotated', () => {
    let analysisId: string;
    beforeAll(async () => {
      const res = await analyze(photo('people-montage.jpg'), 'people.jpg', { analysis_types: 'objects,faces' }).expect(
        200,
      );
      analysisId = res.body.analysis_id;
    });

    it('answers the stored result', async () => {
      const res = await t.http.get(`${API}/analyze-image/${analysisId}`).expect(200);
      expect(res.body).toMatchObject({
        analysis_id: analysisId,
        status: 'completed',
        image: { width: 640, height: 640 },
      });
      expect(res.body.faces).toHaveLength(3);
    });

    it('draws the boxes on the image (JPEG for a JPEG)', async () => {
      const res = await t.http
        .get(`${API}/analyze-image/${analysisId}/annotated`)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      const meta = await sharp(res.body as Buffer).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 640]);
      // It differs from the plain picture where a face box is drawn.
      const plain = await sharp(photo('people-montage.jpg')).raw().toBuffer();
      const drawn = await sharp(res.body as Buffer)
        .raw()
        .toBuffer();
      let changed = 0;
      for (let i = 0; i < plain.length; i += 3)
        if (Math.abs(plain[i] - drawn[i]) + Math.abs(plain[i + 1] - drawn[i + 1]) > 80) changed++;
      expect(changed).toBeGreaterThan(2000);
    });

    it('unknown id -> 404 ANALYSIS_NOT_FOUND; malformed -> 400', async () => {
      expectError(
        (await t.http.get(`${API}/analyze-image/9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11`).expect(404)).body,
        'ANALYSIS_NOT_FOUND',
      );
      expectError(
        (await t.http.get(`${API}/analyze-image/9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11/annotated`).expect(404)).body,
        'ANALYSIS_NOT_FOUND',
      );
      expectError((await t.http.get(`${API}/analyze-image/nope`).expect(400)).body, 'VALIDATION_FAILED');
    });
  });

  describe('POST /analyze-image/batch', () => {
    it('multipart: each file gets its result or its own error; the batch is kept', async () => {
      const mug = await redMug();
      const res = await t.http
        .post(`${API}/analyze-image/batch`)
        .field('analysis_types', 'objects,colors')
        .attach('files', photo('coffee.jpg'), 'coffee.jpg')
        .attach('files', Buffer.from('not an image'), 'notes.png')
        .attach('files', mug.png, 'mug.png')
        .expect(200);
      expect(res.body).toMatchObject({
        batch_id: expect.stringMatching(UUID),
        status: 'completed',
        total: 3,
        succeeded: 2,
        failed: 1,
      });
      const [coffee, text, red] = res.body.items;
      expect(coffee).toMatchObject({ index: 0, filename: 'coffee.jpg', status: 'completed' });
      expect(coffee.result.objects.map((o: { name: string }) => o.name)).toContain('Cup');
      expect(text).toMatchObject({ index: 1, status: 'failed', error: { code: 'INVALID_FILE_FORMAT' } });
      expect(red.result.colors[0].name).toBe('red');
      const again = await t.http.get(`${API}/analyze-image/batch/${res.body.batch_id}`).expect(200);
      expect(again.body.items).toHaveLength(3);
    });

    it('?wait=0 answers 202 with a Location at once; the batch is followed there until it completes', async () => {
      const res = await t.http
        .post(`${API}/analyze-image/batch?wait=0`)
        .field('analysis_types', 'colors')
        .attach('files', photo('coffee.jpg'), 'coffee.jpg')
        .attach('files', photo('cat.jpg'), 'cat.jpg')
        .expect(202);
      expect(res.body).toMatchObject({ batch_id: expect.stringMatching(UUID), status: 'in_progress', total: 2 });
      expect(res.headers.location).toBe(`/api/v1/analyze-image/batch/${res.body.batch_id}`);
      const done = await t.http.get(`${res.headers.location}?wait=60`).expect(200);
      expect(done.body).toMatchObject({ status: 'completed', total: 2, succeeded: 2, failed: 0 });
      expect(done.body.items.map((item: { filename: string }) => item.filename)).toEqual(['coffee.jpg', 'cat.jpg']);
      expectError((await t.http.get(`${res.headers.location}?wait=soon`).expect(400)).body, 'VALIDATION_FAILED');
    });

    it('JSON: items by base64 or media_id, per-item options, an unknown media_id fails alone', async () => {
      const box = await monitorBox();
      const res = await t.http
        .post(`${API}/analyze-image/batch`)
        .send({
          analysis_types: ['objects'],
          items: [
            { image_file: photo('cat.jpg').toString('base64'), filename: 'cat.jpg' },
            { image_file: box.png.toString('base64'), analysis_types: ['text'] },
            { media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' },
          ],
        })
        .expect(200);
      expect(res.body).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
      expect(res.body.items[0].result.analysis_types).toEqual(['objects']);
      expect(res.body.items[1].result.analysis_types).toEqual(['text']);
      expect(res.body.items[1].result.text_detections.length).toBeGreaterThan(0);
      expect(res.body.items[2]).toMatchObject({ status: 'failed', error: { code: 'MEDIA_NOT_FOUND' } });
    });

    it('refuses empty and over-size batches', async () => {
      expectError(
        (await t.http.post(`${API}/analyze-image/batch`).send({ items: [] }).expect(400)).body,
        'VALIDATION_FAILED',
      );
      const five = Array.from({ length: 5 }, () => ({ media_id: '9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11' }));
      expectError(
        (await t.http.post(`${API}/analyze-image/batch`).send({ items: five }).expect(400)).body,
        'TOO_MANY_FILES',
      );
      const req = t.http.post(`${API}/analyze-image/batch`);
      for (let i = 0; i < 5; i++) req.attach('files', photo('cat.jpg'), `cat${i}.jpg`);
      expect((await req.expect(400)).body.error.code).toBe('TOO_MANY_FILES');
      expectError(
        (await t.http.get(`${API}/analyze-image/batch/9d0c1c1e-4b7e-4f0e-9a51-8f1f5e0b8a11`).expect(404)).body,
        'BATCH_NOT_FOUND',
      );
    });
  });

  it('readiness reports which image models are loaded', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.details.image_analysis).toMatchObject({ status: 'up', provider: 'local', loaded: true });
    expect(res.body.details.image_analysis.vision.models).toEqual(
      expect.arrayContaining(['centernet', 'blazeface', 'facemesh', 'emotion', 'nsfwjs:MobileNetV2']),
    );
  });

  it('documents every route under the image-analysis tag', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    const paths = Object.entries(res.body.paths as Record<string, Record<string, { tags?: string[] }>>).filter(
      ([path]) => path.startsWith('/api/v1/analyze-image'),
    );
    expect(paths.map(([path]) => path).sort()).toEqual([
      '/api/v1/analyze-image',
      '/api/v1/analyze-image/batch',
      '/api/v1/analyze-image/batch/{batch_id}',
      '/api/v1/analyze-image/{analysis_id}',
      '/api/v1/analyze-image/{analysis_id}/annotated',
    ]);
    for (const [, operations] of paths)
      for (const operation of Object.values(operations)) expect(operation.tags).toEqual(['image-analysis']);
  });
});

describe('image analysis (e2e, aws provider, mocked Rekognition SDK)', () => {
  const rekognition = mockClient(RekognitionClient);
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { IMAGE_ANALYSIS_PROVIDER: 'aws', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    });
  });
  afterAll(async () => {
    await t?.close();
    rekognition.restore();
  });
  beforeEach(() => {
    rekognition.reset();
    rekognition.on(DetectLabelsCommand).resolves(detectLabelsResponse);
    rekognition.on(DetectTextCommand).resolves(detectTextResponse);
    rekognition.on(DetectFacesCommand).resolves(detectFacesResponse);
    rekognition.on(DetectModerationLabelsCommand).resolves(detectModerationResponse);
  });

  it('calls the asked APIs, converts webp to JPEG, maps the answer to the same shape', async () => {
    const res = await t.http
      .post(`${API}/analyze-image`)
      .field('analysis_types', 'labels,objects,text,faces,moderation')
      .attach('file', photo('motorcycle.webp'), 'm.webp')
      .expect(200);
    expect(res.body).toMatchObject({ provider: 'aws', cached: false, min_confidence: 0.7, image: { format: 'webp' } });
    expect(res.body.labels[0]).toEqual({
      name: 'Monitor',
      confidence: 0.9871,
      parents: ['Computer Hardware', 'Electronics', 'Hardware', 'Screen'],
    });
    expect(res.body.faces[0].age_range).toEqual({ low: 38, high: 46 });
    expect(res.body.moderation_labels).toHaveLength(2);
    expect(res.body.text_detections.filter((d: { type: string }) => d.type === 'line')).toHaveLength(2);
    for (const box of allBoxes(res.body)) expect(boxWithinUnit(box)).toBe(true);
    expect(rekognition.commandCalls(DetectLabelsCommand)).toHaveLength(1);
    const sent = rekognition.commandCalls(DetectLabelsCommand)[0].args[0].input.Image?.Bytes as Uint8Array;
    expect((await sharp(Buffer.from(sent)).metadata()).format).toBe('jpeg');
    // A repeat is a cache hit: Rekognition is not called again.
    const again = await t.http
      .post(`${API}/analyze-image`)
      .field('analysis_types', 'labels,objects,text,faces,moderation')
      .attach('file', photo('motorcycle.webp'), 'm.webp')
      .expect(200);
    expect(again.body.cached).toBe(true);
    expect(rekognition.commandCalls(DetectLabelsCommand)).toHaveLength(1);
  });

  it('a Rekognition failure is a clean 502 PROVIDER_ERROR', async () => {
    rekognition.on(DetectTextCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const res = await t.http
      .post(`${API}/analyze-image`)
      .field('analysis_types', 'text')
      .attach('file', photo('cat.jpg'), 'cat.jpg')
      .expect(502);
    expectError(res.body, 'PROVIDER_ERROR');
  });
});
