import {
  DetectFacesCommand,
  DetectLabelsCommand,
  DetectModerationLabelsCommand,
  DetectTextCommand,
  RekognitionClient,
  RekognitionServiceException,
} from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { box, textLine, textWord } from '../../../test/factories/analysis.factory';
import { AppException } from '../../common/errors/app.exception';
import { ANALYSIS_TYPES, AnalysisOptions } from '../image-analysis.types';
import { prepareImage, PreparedImage } from '../preprocess/prepared-image';
import {
  detectFacesResponse,
  detectLabelsResponse,
  detectModerationResponse,
  detectTextResponse,
} from './__fixtures__/rekognition-responses';
import { RekognitionImageAnalyzer, rekognitionBytes, REKOGNITION_LIMITS } from './rekognition-image-analyzer';

const prepare = (bytes: Buffer, workingMaxSide = 2048): Promise<PreparedImage> =>
  prepareImage(bytes, { maxPixels: 200_000_000, workingMaxSide, allowedFormats: ['jpeg', 'png', 'webp'] });
const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366cc' } });

describe('RekognitionImageAnalyzer (mocked SDK client)', () => {
  const rekognition = mockClient(RekognitionClient);
  const analyzer = new RekognitionImageAnalyzer(new RekognitionClient({ region: 'us-west-2' }), 0.7);
  let jpeg: PreparedImage;

  beforeAll(async () => {
    jpeg = await prepare(await solid(640, 480).jpeg().toBuffer());
  });
  beforeEach(() => {
    rekognition.reset();
    rekognition.on(DetectLabelsCommand).resolves(detectLabelsResponse);
    rekognition.on(DetectTextCommand).resolves(detectTextResponse);
    rekognition.on(DetectFacesCommand).resolves(detectFacesResponse);
    rekognition.on(DetectModerationLabelsCommand).resolves(detectModerationResponse);
  });

  const options = (types: AnalysisOptions['types'], extra: Partial<AnalysisOptions> = {}): AnalysisOptions => ({
    types,
    maxLabels: 10,
    minConfidence: 0.7,
    ...extra,
  });

  it('maps labels with parents, confidences 0-100 to 0..1', async () => {
    const out = await analyzer.analyze(jpeg, options(['labels']));
    expect(out.labels).toEqual([
      { name: 'Monitor', confidence: 0.9871, parents: ['Computer Hardware', 'Electronics', 'Hardware', 'Screen'] },
      { name: 'Electronics', confidence: 0.9871, parents: [] },
      { name: 'Cup', confidence: 0.912, parents: ['Tableware'] },
    ]);
    expect(rekognition).toHaveReceivedCommandWith(DetectLabelsCommand, { MaxLabels: 10, MinConfidence: 70 });
    expect(rekognition).not.toHaveReceivedCommand(DetectTextCommand);
    expect(rekognition).not.toHaveReceivedCommand(DetectFacesCommand);
    expect(out.objects).toBeUndefined();
  });

  it('turns label instances into objects, clamps boxes into [0, 1] and drops low instances', async () => {
    const out = await analyzer.analyze(jpeg, options(['objects']));
    expect(out.objects).toEqual([
      { name: 'Monitor', confidence: 0.9744, bounding_box: box([0.1755, 0.1342, 0.6512, 0.7299]) },
      { name: 'Cup', confidence: 0.912, bounding_box: box([0.85, 0.7, 0.12, 0.2]) },
      { name: 'Cup', confidence: 0.885, bounding_box: box([0.9, 0, 0.1, 0.09]) },
    ]);
    expect(out.labels).toBeUndefined();
  });

  it('maps LINE and WORD detections with geometry, words pointing at their line', async () => {
    const out = await analyzer.analyze(jpeg, options(['text']));
    expect(out.text_detections).toEqual([
      textLine('27 inch Monitor 4K', 0.9953, [0.2782, 0.3167, 0.4431, 0.0862]),
      textLine('Model NV-27U', 0.9811, [0.3744, 0.4621, 0.2512, 0.0601]),
      textWord('27', 0.998, [0.2782, 0.3167, 0.05, 0.08], 0),
      textWord('Monitor', 0.991, [0.48, 0.3167, 0.16, 0.08], 0),
      textWord('NV-27U', 0.979, [0.5, 0.4621, 0.12, 0.06], 1),
    ]);
  });

  it('maps faces with age range and emotions (ALL attributes requested)', async () => {
    const out = await analyzer.analyze(jpeg, options(['faces']));
    expect(rekognition).toHaveReceivedCommandWith(DetectFacesCommand, { Attributes: ['ALL'] });
    expect(out.faces).toEqual([
      {
        confidence: 1,
        bounding_box: box([0.2951, 0.0887, 0.2835, 0.3612]),
        age_range: { low: 38, high: 46 },
        emotions: [
          { type: 'HAPPY', confidence: 0.965 },
          { type: 'CALM', confidence: 0.021 },
          { type: 'SURPRISED', confidence: 0.009 },
        ],
      },
    ]);
  });

  it('maps moderation labels with their parent and taxonomy level', async () => {
    const out = await analyzer.analyze(jpeg, options(['moderation']));
    expect(rekognition).toHaveReceivedCommandWith(DetectModerationLabelsCommand, { MinConfidence: 70 });
    expect(out.moderation_labels).toEqual([
      { name: 'Swimwear or Underwear', parent: 'Suggestive', confidence: 0.931, taxonomy_level: 2 },
      { name: 'Suggestive', parent: '', confidence: 0.931, taxonomy_level: 1 },
    ]);
  });

  it('keeps what succeeded when one call fails, and names the failed type', async () => {
    rekognition.on(DetectTextCommand).rejects(
      new RekognitionServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const out = await analyzer.analyze(jpeg, options(['labels', 'objects', 'text']));
    expect(out.labels).toHaveLength(3);
    expect(out.objects).toBeDefined();
    expect(out.text_detections).toBeUndefined();
    expect(out.details).toMatchObject({
      failed_types: ['text'],
      errors: [{ types: ['text'], code: 'PROVIDER_ERROR', aws_error: 'ThrottlingException' }],
    });
  });

  it('says so when DetectText hits its 100-word limit', async () => {
    const words = Array.from({ length: 100 }, (_, i) => ({
      DetectedText: `w${i}`,
      Type: 'WORD' as const,
      Id: i + 1,
      ParentId: 0,
      Confidence: 99,
      Geometry: { BoundingBox: { Left: 0.1, Top: 0.1, Width: 0.01, Height: 0.01 } },
    }));
    rekognition.on(DetectTextCommand).resolves({ $metadata: {}, TextDetections: words });
    const out = await analyzer.analyze(jpeg, options(['text']));
    expect(out.details?.warnings).toEqual([expect.stringContaining('at most 100 words')]);
    rekognition.on(DetectTextCommand).resolves(detectTextResponse);
    expect((await analyzer.analyze(jpeg, options(['text']))).details?.warnings).toBeUndefined();
  });

  it('calls the four APIs in parallel, once each, with the same image bytes', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow =
      <T>(value: T) =>
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight--;
        return value;
      };
    rekognition.on(DetectLabelsCommand).callsFake(slow(detectLabelsResponse));
    rekognition.on(DetectTextCommand).callsFake(slow(detectTextResponse));
    rekognition.on(DetectFacesCommand).callsFake(slow(detectFacesResponse));
    rekognition.on(DetectModerationLabelsCommand).callsFake(slow(detectModerationResponse));
    await analyzer.analyze(jpeg, options([...ANALYSIS_TYPES]));
    expect(peak).toBe(4);
    expect(rekognition.calls()).toHaveLength(4);
    const sent = rekognition.commandCalls(DetectTextCommand)[0].args[0].input.Image?.Bytes;
    expect(Buffer.from(sent as Uint8Array).equals(jpeg.bytes)).toBe(true);
  });

  it('sends JPEG and PNG that fit as they are, converts webp to JPEG', async () => {
    expect((await rekognitionBytes(jpeg)).converted).toBe(false);
    const webp = await prepare(await solid(300, 200).webp().toBuffer());
    const { bytes, converted } = await rekognitionBytes(webp);
    expect(converted).toBe(true);
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
  });

  it('downscales images over 10,000 px a side, never a side under 80 px', async () => {
    const wide = await prepare(await solid(12_000, 200).png().toBuffer(), 12_000);
    const { bytes, converted } = await rekognitionBytes(wide);
    const meta = await sharp(bytes).metadata();
    expect(converted).toBe(true);
    expect(meta.width).toBeLessThanOrEqual(REKOGNITION_LIMITS.maxSide);
    expect(meta.height).toBeGreaterThanOrEqual(REKOGNITION_LIMITS.minSide);
    expect(bytes.length).toBeLessThanOrEqual(REKOGNITION_LIMITS.maxBytes);
    // 12000 x 50 cannot have both sides within 80..10000 px: refused with the reason.
    const thin = await prepare(await solid(12_000, 50).png().toBuffer(), 12_000);
    const error = await rekognitionBytes(thin).catch((e: unknown) => e);
    expect((error as AppException).getStatus()).toBe(422);
    expect((error as AppException).details).toMatchObject({ reason: expect.stringContaining('80') });
  });

  it('upscales an image with a side under 80 px', async () => {
    const tiny = await prepare(await solid(60, 40).png().toBuffer());
    const { bytes, converted } = await rekognitionBytes(tiny);
    const meta = await sharp(bytes).metadata();
    expect(converted).toBe(true);
    expect([meta.width, meta.height]).toEqual([120, 80]);
  });

  it('sends the largest copy within 5 MB: full size when it fits, just under 5 MB when not', async () => {
    // A rotated 3000 x 2000 phone photo: re-encoded upright at full size, not from the 2048 px working copy.
    const rotated = await prepare(await solid(3000, 2000).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const upright = await sharp((await rekognitionBytes(rotated)).bytes).metadata();
    expect([upright.width, upright.height]).toEqual([2000, 3000]);
    // Noise does not compress: 3600 x 2400 of it is far over 5 MB as a PNG and as JPEG q90.
    const noise = randomBytes(3600 * 2400 * 3);
    const big = await prepare(
      await sharp(noise, { raw: { width: 3600, height: 2400, channels: 3 } })
        .png({ compressionLevel: 0 })
        .toBuffer(),
    );
    expect(big.bytes.length).toBeGreaterThan(REKOGNITION_LIMITS.maxBytes);
    const { bytes, scale } = await rekognitionBytes(big);
    expect(bytes.length).toBeLessThanOrEqual(REKOGNITION_LIMITS.maxBytes);
    expect(bytes.length).toBeGreaterThan(REKOGNITION_LIMITS.maxBytes * 0.6);
    expect(scale).toBeLessThan(1);
  }, 30_000);

  it('turns SDK errors into the error envelope: bad image 400, throttling 503, others 502', async () => {
    const fail = (name: string) =>
      new RekognitionServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: name });
    const cases: [string, number, string][] = [
      ['InvalidImageFormatException', 400, 'INVALID_FILE'],
      ['ProvisionedThroughputExceededException', 503, 'PROVIDER_ERROR'],
      ['AccessDeniedException', 502, 'PROVIDER_ERROR'],
    ];
    for (const [name, status, code] of cases) {
      rekognition.on(DetectLabelsCommand).rejects(fail(name));
      const error = await analyzer.analyze(jpeg, options(['labels'])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppException);
      expect((error as AppException).getStatus()).toBe(status);
      expect((error as AppException).code).toBe(code);
      expect((error as AppException).details).toEqual({ provider: 'aws', aws_error: name });
    }
  });
});
