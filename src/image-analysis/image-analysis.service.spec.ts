import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analysisCacheEntry, analysisResult, analyzerOutput } from '../../test/factories/analysis.factory';
import { strictMock } from '../../test/support/strict-mock';
import { CallerContext, runAsCaller } from '../auth/caller-context';
import {
  imageAnalysisConfig,
  queueConfig,
  ImageAnalysisConfig,
  securityConfig,
  SecurityConfig,
  storageConfig,
  StorageConfig,
} from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { AnalysisRepository } from './analysis.repository';
import { IMAGE_ANALYZER, ImageAnalyzer } from './image-analyzer';
import { ImageAnalysisService, ImageSource } from './image-analysis.service';
import type { PreparedImage } from './preprocess/prepared-image';
import { MediaService } from '../media/media.service';
import { InProcessJobQueue } from '../transcription/jobs/job-queue';
import { IMAGE_BATCH_QUEUE, ImageBatchStore } from './batch/image-batch.store';

const photo = readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'media', 'photo.jpg'));
const sha256 = createHash('sha256').update(photo).digest('hex');
const config = { maxLabels: 10, preload: false, workingMaxSide: 1024, batchConcurrency: 2 } as ImageAnalysisConfig;
const storage = { allowedImageFormats: ['jpg', 'jpeg', 'png', 'webp'], maxImagePixels: 1e8 } as StorageConfig;
const security = { auth: { mode: 'jwt' }, cacheScope: 'owner' } as SecurityConfig;
const asAlice = <T>(work: () => T) => runAsCaller({ owner: 'alice', scopes: [], authenticated: true }, work);

/** A source whose bytes may be read (a miss) or must not be (strict: a hit decodes nothing). */
function source(overrides: Partial<ImageSource> = {}): ImageSource {
  return { sha256, bytes: jest.fn(async () => photo), ...overrides };
}

async function setUp() {
  const analyzer = strictMock<ImageAnalyzer>('ImageAnalyzer', {
    provider: 'local',
    version: 'test-1',
    defaultMinConfidence: 0.6,
    warmUp: undefined,
    close: undefined,
  });
  const records = strictMock<AnalysisRepository>('AnalysisRepository');
  const moduleRef = await Test.createTestingModule({
    providers: [
      ImageAnalysisService,
      CallerContext,
      ReadinessRegistry,
      { provide: IMAGE_ANALYZER, useValue: analyzer },
      { provide: AnalysisRepository, useValue: records },
      { provide: imageAnalysisConfig.KEY, useValue: config },
      { provide: storageConfig.KEY, useValue: storage },
      { provide: securityConfig.KEY, useValue: security },
      // Batches are not exercised here: a real in-process queue, and strict mocks nobody calls.
      { provide: IMAGE_BATCH_QUEUE, useValue: new InProcessJobQueue({ concurrency: 1, timeoutMs: 10_000 }) },
      { provide: queueConfig.KEY, useValue: { maxInterruptions: 3 } },
      { provide: MediaService, useValue: strictMock<MediaService>('MediaService') },
      { provide: ImageBatchStore, useValue: strictMock<ImageBatchStore>('ImageBatchStore') },
    ],
  }).compile();
  return { service: moduleRef.get(ImageAnalysisService), analyzer, records };
}

describe('ImageAnalysisService (ports mocked)', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('a miss decodes the photo once, asks the provider, caches the output and stores the record', async () => {
    const { service, analyzer, records } = await setUp();
    records.getCached.mockResolvedValue(null);
    analyzer.analyze.mockResolvedValue(analyzerOutput());
    records.saveCached.mockResolvedValue();
    records.save.mockResolvedValue();
    let decoded: PreparedImage | undefined;
    const from = source();
    const result = await asAlice(() => service.analyze(from, {}, (image) => (decoded = image)));
    expect(from.bytes).toHaveBeenCalledTimes(1);
    expect(decoded).toBe(analyzer.analyze.mock.calls[0][0]);
    expect(analyzer.analyze.mock.calls[0][1]).toEqual({
      types: ['labels', 'objects', 'text'],
      maxLabels: 10,
      minConfidence: 0.6,
    });
    expect(result).toMatchObject({ status: 'completed', cached: false, owner: 'alice', sha256, provider: 'local' });
    expect(result.image).toEqual({ width: decoded?.width, height: decoded?.height, format: 'jpeg' });
    expect(result.labels).toEqual(analyzerOutput().labels);
    expect(records.saveCached).toHaveBeenCalledWith(
      expect.stringContaining(sha256),
      expect.any(String),
      expect.objectContaining({ provider: 'local', version: 'test-1' }),
    );
    expect(records.save).toHaveBeenCalledWith(result);
  });

  it('a hit answers from the cache without reading or decoding the bytes', async () => {
    const { service, records } = await setUp();
    const entry = analysisCacheEntry({ media_id: 'earlier-media' });
    records.getCached.mockResolvedValue(entry);
    records.saveBehind.mockReturnValue();
    const from = source({ bytes: jest.fn() });
    const result = await asAlice(() => service.analyze(from));
    expect(from.bytes).not.toHaveBeenCalled();
    expect(result).toMatchObject({ cached: true, labels: entry.output.labels, image: entry.image });
    // Nothing to wait for on a hit: its record is written behind the answer, the cache left alone.
    expect(records.saveBehind).toHaveBeenCalledWith(result);
    expect(records.save).not.toHaveBeenCalled();
    expect(records.saveCached).not.toHaveBeenCalled();
  });

  it('a result with a failed analysis type is not cached (retried next time)', async () => {
    const { service, analyzer, records } = await setUp();
    records.getCached.mockResolvedValue(null);
    analyzer.analyze.mockResolvedValue(analyzerOutput({ details: { failed_types: ['text'] } }));
    records.save.mockResolvedValue();
    await asAlice(() => service.analyze(source()));
    expect(records.saveCached).not.toHaveBeenCalled();
  });

  it('when the analysis fails, the image stored beside it is discarded and the error answers', async () => {
    const { service, analyzer, records } = await setUp();
    records.getCached.mockResolvedValue(null);
    const failure = new Error('engine crashed');
    analyzer.analyze.mockRejectedValue(failure);
    const discard = jest.fn(async () => undefined);
    const persist = jest.fn(async () => ({ media_id: 'new-media', owner: 'alice' }));
    await expect(asAlice(() => service.analyze(source({ persist, discard })))).rejects.toBe(failure);
    expect(discard).toHaveBeenCalledWith('new-media');
  });

  // Malformed ids never get here: the controller's UuidPipe answers them 400.
  it("get: another owner's analysis is a 404, not a 403 that would confirm it exists", async () => {
    const { service, records } = await setUp();
    const stored = analysisResult({ owner: 'bob' });
    records.get.calledWith(stored.analysis_id).mockResolvedValue(stored);
    await expect(asAlice(() => service.get(stored.analysis_id))).rejects.toMatchObject({ code: 'ANALYSIS_NOT_FOUND' });
  });
});
