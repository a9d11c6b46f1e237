import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analysisResult } from '../../test/factories/analysis.factory';
import { strictMock } from '../../test/support/strict-mock';
import { CallerContext, runAsCaller } from '../auth/caller-context';
import { securityConfig, SecurityConfig } from '../config/configuration';
import { ImageAnalysisService, ImageSource } from '../image-analysis/image-analysis.service';
import { prepareImage } from '../image-analysis/preprocess/prepared-image';
import { AttributeCacheEntry, AttributeCacheRepository } from './attribute-cache.repository';
import { AttributesService } from './attributes.service';

const photo = readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'media', 'photo.jpg'));
const sha256 = createHash('sha256').update(photo).digest('hex');
const security = { auth: { mode: 'jwt' }, cacheScope: 'owner' } as SecurityConfig;
const as = <T>(owner: string, work: () => T) => runAsCaller({ owner, scopes: [], authenticated: true }, work);
const source = (): ImageSource => ({ sha256, bytes: jest.fn(async () => photo) });

async function setUp() {
  // The image analysis is this service's one collaborator besides its cache: strict, so a second
  // decode (prepare) or an unexpected analysis fails the spec.
  const analyses = strictMock<ImageAnalysisService>('ImageAnalysisService', {
    provider: 'local',
    engineVersion: 'test-1',
  });
  analyses.resolveOptions.mockReturnValue({
    types: ['labels', 'objects', 'text', 'colors'],
    maxLabels: 10,
    minConfidence: 0.6,
  });
  const cache = strictMock<AttributeCacheRepository>('AttributeCacheRepository');
  const moduleRef = await Test.createTestingModule({
    providers: [
      AttributesService,
      CallerContext,
      { provide: ImageAnalysisService, useValue: analyses },
      { provide: AttributeCacheRepository, useValue: cache },
      { provide: securityConfig.KEY, useValue: security },
    ],
  }).compile();
  return { service: moduleRef.get(AttributesService), analyses, cache };
}

describe('AttributesService (image analysis and cache mocked)', () => {
  it("a miss measures the product's colours on the image the analysis decoded: one decode per request", async () => {
    const { service, analyses, cache } = await setUp();
    cache.get.mockResolvedValue(null);
    cache.save.mockResolvedValue();
    const decoded = await prepareImage(photo, { maxPixels: 1e8, workingMaxSide: 512, allowedFormats: ['jpeg'] });
    const analysis = analysisResult({ owner: 'alice', sha256, colors: [] });
    analyses.analyze.mockImplementation(async (_source, _options, onDecoded) => {
      onDecoded?.(decoded);
      return analysis;
    });
    const from = source();
    const result = await as('alice', () => service.extract(from));
    // analyze() read the bytes; nobody else did, and prepare() (strict) was never called.
    expect(from.bytes).not.toHaveBeenCalled();
    expect(result).toMatchObject({ analysis_id: analysis.analysis_id, provider: 'local', cached: false, sha256 });
    // The main object's box is small: its colours were measured inside it, on the decoded image.
    expect(result.colors.region).toBe('object');
    expect(result.colors.colors.length).toBeGreaterThan(0);
    const [, , entry] = cache.save.mock.calls[0];
    expect(entry).toMatchObject({ analysis_id: analysis.analysis_id, owner: 'alice' });
  });

  it('a hit answers from the cache without any analysis; its analysis_id is shown only to the owner who made it', async () => {
    const { service, cache } = await setUp();
    const analysis = analysisResult({ owner: 'alice' });
    const entry: AttributeCacheEntry = {
      extraction: { category: null, attributes: [], search_query: 'monitor' } as never,
      analysis_id: analysis.analysis_id,
      owner: 'alice',
      provider: 'local',
      image: analysis.image,
      created_at: analysis.created_at,
    };
    cache.get.mockResolvedValue(entry);
    await expect(as('alice', () => service.extract(source()))).resolves.toMatchObject({
      cached: true,
      analysis_id: analysis.analysis_id,
    });
    const forBob = await as('bob', () => service.extract(source()));
    expect(forBob.cached).toBe(true);
    expect(forBob).not.toHaveProperty('analysis_id');
  });

  it('the cache key depends on the owner (per-owner caches) and on the engine version', async () => {
    const { service, cache } = await setUp();
    cache.get.mockResolvedValue({
      extraction: {} as never,
      analysis_id: 'a',
      provider: 'local',
      image: analysisResult().image,
      created_at: '',
    });
    await as('alice', () => service.extract(source()));
    await as('bob', () => service.extract(source()));
    const [[aliceHash, aliceOptions], [bobHash, bobOptions]] = cache.get.mock.calls;
    expect(aliceHash).not.toEqual(bobHash);
    expect(aliceHash.endsWith(sha256)).toBe(true);
    expect(aliceOptions).toEqual(bobOptions);
  });
});
