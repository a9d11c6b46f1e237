import {
  DetectFacesCommand,
  DetectLabelsCommand,
  DetectLabelsCommandOutput,
  DetectModerationLabelsCommand,
  DetectTextCommand,
  DetectTextCommandOutput,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import sharp from 'sharp';
import type { AttributeResult } from '../src/attributes/attributes.service';
import { createTestApp, TestApp } from './support/test-app';

const metadata = {
  httpStatusCode: 200,
  requestId: '5c1d7c4e-2b7f-4a57-9f0e-3c1d9b6f0a21',
  attempts: 1,
  totalRetryDelay: 0,
};
const box = (Left: number, Top: number, Width: number, Height: number) => ({ Left, Top, Width, Height });

/** What Rekognition answers for a person holding up a red T-shirt with a printed tag. */
const labels: DetectLabelsCommandOutput = {
  $metadata: metadata,
  LabelModelVersion: '3.0',
  Labels: [
    { Name: 'Clothing', Confidence: 99.9, Instances: [], Parents: [], Aliases: [{ Name: 'Apparel' }], Categories: [] },
    {
      Name: 'T-Shirt',
      Confidence: 96.4,
      Instances: [{ BoundingBox: box(0.3, 0.25, 0.4, 0.55), Confidence: 96.4 }],
      Parents: [{ Name: 'Clothing' }],
      Aliases: [],
      Categories: [],
    },
    {
      Name: 'Person',
      Confidence: 99.2,
      Instances: [{ BoundingBox: box(0.1, 0.02, 0.8, 0.97), Confidence: 99.2 }],
      Parents: [],
      Aliases: [{ Name: 'Human' }],
      Categories: [],
    },
  ],
};

const line = (Id: number, DetectedText: string, b: ReturnType<typeof box>) => ({
  Id,
  DetectedText,
  Type: 'LINE' as const,
  Confidence: 99.1,
  Geometry: { BoundingBox: b, Polygon: [] },
});
const word = (Id: number, ParentId: number, DetectedText: string, b: ReturnType<typeof box>) => ({
  Id,
  ParentId,
  DetectedText,
  Type: 'WORD' as const,
  Confidence: 98.7,
  Geometry: { BoundingBox: b, Polygon: [] },
});
const text: DetectTextCommandOutput = {
  $metadata: metadata,
  TextModelVersion: '3.0',
  TextDetections: [
    line(0, 'KWENDA', box(0.4, 0.35, 0.2, 0.06)),
    line(1, '100% Cotton', box(0.4, 0.45, 0.2, 0.03)),
    line(2, 'Size M', box(0.42, 0.5, 0.12, 0.03)),
    word(3, 0, 'KWENDA', box(0.4, 0.35, 0.2, 0.06)),
    word(4, 1, '100%', box(0.4, 0.45, 0.08, 0.03)),
    word(5, 1, 'Cotton', box(0.49, 0.45, 0.11, 0.03)),
    word(6, 2, 'Size', box(0.42, 0.5, 0.07, 0.03)),
    word(7, 2, 'M', box(0.5, 0.5, 0.04, 0.03)),
  ],
};

describe('POST /api/v1/extract-attributes on Rekognition (mocked SDK client)', () => {
  const rekognition = mockClient(RekognitionClient);
  let t: TestApp;
  let image: Buffer;

  beforeAll(async () => {
    t = await createTestApp({
      env: { IMAGE_ANALYSIS_PROVIDER: 'aws', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
    });
    // a red shirt in the T-shirt box, a skin-coloured person around it, a grey wall
    image = await sharp(
      Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">
        <rect width="800" height="800" fill="#9a9a9a"/>
        <rect x="80" y="16" width="640" height="776" fill="#e0b49a"/>
        <rect x="240" y="200" width="320" height="440" fill="#c8202a"/>
      </svg>`),
    )
      .jpeg()
      .toBuffer();
  });
  beforeEach(() => {
    rekognition.reset();
    rekognition.on(DetectLabelsCommand).resolves(labels);
    rekognition.on(DetectTextCommand).resolves(text);
  });
  afterAll(async () => {
    rekognition.restore();
    await t?.close();
  });

  it('reads category from labels, colour inside the T-shirt box, text attributes from DetectText', async () => {
    const res = await t.http.post('/api/v1/extract-attributes').attach('file', image, 'shirt.jpg').expect(200);
    const r = res.body as AttributeResult;
    expect(r.provider).toBe('aws');
    expect(r.category).toMatchObject({ path: 'Clothing, Shoes & Accessories > Clothing > T-Shirts', term: 't-shirt' });
    expect(r.category!.sources.map((s) => s.source)).toEqual(expect.arrayContaining(['labels', 'objects']));
    expect(r.objects.find((o) => o.main)).toMatchObject({ name: 'T-Shirt' });
    expect(r.colors).toMatchObject({ region: 'object' });
    expect(r.colors.colors[0].name).toBe('red');
    const pairs = r.attributes.map((a) => `${a.key}=${a.value}/${a.source}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'brand=KWENDA/ocr',
        'material=100% cotton/ocr',
        'size=M/ocr',
        'color=red/colors',
        'object=T-Shirt/objects',
      ]),
    );
    expect(r.search_query).toBe('red cotton t-shirt KWENDA');
    expect(rekognition).toHaveReceivedCommandTimes(DetectLabelsCommand, 1);
    expect(rekognition).toHaveReceivedCommandTimes(DetectTextCommand, 1);
    expect(rekognition).not.toHaveReceivedCommand(DetectFacesCommand);
    expect(rekognition).not.toHaveReceivedCommand(DetectModerationLabelsCommand);
  });

  it('answers a repeat from the cache without calling Rekognition again', async () => {
    const res = await t.http.post('/api/v1/extract-attributes').attach('file', image, 'shirt.jpg').expect(200);
    expect(res.body.cached).toBe(true);
    expect(rekognition).not.toHaveReceivedCommand(DetectLabelsCommand);
  });

  it('turns a Rekognition failure into the error envelope', async () => {
    rekognition.reset();
    rekognition
      .on(DetectLabelsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Every call failing: one failed call alone gives a partial result (failed_types).
    rekognition
      .on(DetectTextCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const other = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const res = await t.http.post('/api/v1/extract-attributes').attach('file', other, 'other.jpg');
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error.code).toMatch(/PROVIDER_ERROR|SERVICE_UNAVAILABLE|RATE_LIMITED/);
  });
});
