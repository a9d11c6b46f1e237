import { HttpStatus } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { CallerContext } from '../../auth/caller-context';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import type { ImageAnalysisConfig, QueueConfig, SecurityConfig, StorageConfig } from '../../config/configuration';
import { ReadinessRegistry } from '../../health/readiness.registry';
import type { MediaService } from '../../media/media.service';
import { LocalObjectStore } from '../../storage/local-object-store';
import { AnalysisRepository } from '../analysis.repository';
import { InProcessJobQueue } from '../../transcription/jobs/job-queue';
import type { ImageAnalyzer } from '../image-analyzer';
import { ImageAnalysisService } from '../image-analysis.service';
import type { AnalyzerOutput } from '../image-analysis.types';
import { ImageBatchStore, itemJobId } from './image-batch.store';

const MEDIA_ID = '6f1c2a57-3d0e-4f6b-9a51-0b8c1e2d3f40';

/** The batch path of the real service on a real local store, with a scripted analyzer. */
async function setup(script: (call: number) => Promise<AnalyzerOutput>) {
  const dir = mkdtempSync(join(tmpdir(), 'image-batch-'));
  const store = new LocalObjectStore(dir);
  await store.init();
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c00' } })
    .png()
    .toBuffer();
  const media = {
    get: (mediaId: string) =>
      Promise.resolve({ media_id: mediaId, media_type: 'image', sha256: `sha-${mediaId}`, owner: '', format: 'png' }),
    openStream: () => Promise.resolve(Readable.from([png])),
  } as unknown as MediaService;
  let calls = 0;
  const analyzer: ImageAnalyzer = {
    provider: 'local',
    version: 'test',
    defaultMinConfidence: 0.5,
    analyze: () => script(++calls),
    readiness: () => ({ ready: true }),
  };
  const queue = new InProcessJobQueue({ concurrency: 2, timeoutMs: 10_000 });
  const service = new ImageAnalysisService(
    analyzer,
    new AnalysisRepository(store),
    { maxLabels: 10, workingMaxSide: 512, batchConcurrency: 2 } as ImageAnalysisConfig,
    { allowedImageFormats: ['png', 'jpg'], maxImagePixels: 10_000_000 } as StorageConfig,
    new ReadinessRegistry(),
    new CallerContext({ auth: { mode: 'none' }, cacheScope: 'global' } as unknown as SecurityConfig),
    queue,
    { maxInterruptions: 2 } as QueueConfig,
    media,
    new ImageBatchStore(store),
  );
  const item = {
    options: { analysis_types: ['labels' as const] },
    source: () => Promise.resolve({ sha256: 'x', media_id: MEDIA_ID, owner: '', bytes: () => Promise.resolve(png) }),
  };
  return {
    service,
    store,
    item,
    calls: () => calls,
    close: async () => {
      await service.onModuleDestroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const labels: AnalyzerOutput = { labels: [{ name: 'Thing', confidence: 0.9, parents: [] }] };

describe('image batches on the queue port', () => {
  it('retries an item after a provider fault (5xx) and records each run', async () => {
    const t = await setup((call) =>
      call === 1
        ? Promise.reject(new AppException(ErrorCode.PROVIDER_ERROR, 'throttled', HttpStatus.BAD_GATEWAY))
        : Promise.resolve(labels),
    );
    try {
      const batch = await t.service.analyzeBatch([t.item], 30);
      expect(batch).toMatchObject({ status: 'completed', succeeded: 1, failed: 0 });
      expect(batch.items[0].result?.labels?.[0].name).toBe('Thing');
      expect(t.calls()).toBe(2);
      const state = await new ImageBatchStore(t.store).getItem(batch.batch_id, 0);
      expect(state?.runs.map((run) => run.outcome)).toEqual(['retry', 'completed']);
    } finally {
      await t.close();
    }
  });

  it('fails an item on bad input at once, without a retry', async () => {
    const t = await setup(() =>
      Promise.reject(new AppException(ErrorCode.INVALID_FILE, 'corrupt', HttpStatus.UNPROCESSABLE_ENTITY)),
    );
    try {
      const batch = await t.service.analyzeBatch(
        [
          t.item,
          {
            ...t.item,
            source: () => Promise.reject(new AppException(ErrorCode.MEDIA_NOT_FOUND, 'gone', HttpStatus.NOT_FOUND)),
          },
        ],
        30,
      );
      expect(batch).toMatchObject({ status: 'completed', succeeded: 0, failed: 2 });
      expect(batch.items.map((item) => item.error?.code)).toEqual(['INVALID_FILE', 'MEDIA_NOT_FOUND']);
      expect(t.calls()).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('fails an item whose worker died under it JOB_MAX_INTERRUPTIONS times, with its runs', async () => {
    const t = await setup(() => new Promise<AnalyzerOutput>(() => undefined)); // never ends: the "crash"
    try {
      const batches = new ImageBatchStore(t.store);
      const first = { batch_id: '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a' };
      const created_at = new Date().toISOString();
      await batches.saveBatch({
        ...first,
        owner: '',
        status: 'in_progress',
        total: 1,
        succeeded: 0,
        failed: 0,
        items: [],
        processing_time: 0,
        created_at,
        inputs: [{ index: 0, options: {}, media_id: MEDIA_ID }],
      });
      // Two workers died mid-run: the record shows two runs without an outcome-ending write.
      const runs = [
        { attempt: 1, worker: 'host-1-a', started_at: new Date().toISOString(), outcome: 'interrupted' as const },
        { attempt: 2, worker: 'host-2-b', started_at: new Date().toISOString() },
      ];
      await batches.saveItem(first.batch_id, { index: 0, status: 'in_progress', runs, updated_at: runs[1].started_at });
      const handler = (t.service as unknown as { runItem(id: string, signal: AbortSignal): Promise<void> }).runItem;
      await handler.call(t.service, itemJobId(first.batch_id, 0), new AbortController().signal);
      const batch = await t.service.getBatch(first.batch_id);
      expect(batch.status).toBe('completed');
      expect(batch.items[0].error).toMatchObject({
        code: 'REPEATEDLY_INTERRUPTED',
        details: {
          max_interruptions: 2,
          runs: [{ worker: 'host-1-a' }, { worker: 'host-2-b', outcome: 'interrupted' }],
        },
      });
    } finally {
      await t.close();
    }
  });
});
