import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { CallerContext } from '../auth/caller-context';
import { AppException, ErrorBody } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { imageAnalysisConfig, ImageAnalysisConfig, storageConfig, StorageConfig } from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { mediaMetrics, TrackOperation } from '../metrics/media-metrics';
import { renderAnnotated } from './annotate/annotator';
import { dominantColors } from './colors/dominant-colors';
import { AnalysisCacheEntry, AnalysisRepository } from './analysis.repository';
import { IMAGE_ANALYZER, ImageAnalyzer } from './image-analyzer';
import {
  AnalysisOptions,
  AnalysisType,
  ANALYSIS_TYPES,
  DEFAULT_ANALYSIS_TYPES,
  ImageAnalysisResult,
} from './image-analysis.types';
import { prepareImage, PreparedImage, sharpFormats } from './preprocess/prepared-image';

/** Where an image comes from: its hash is known up front (so a cache hit decodes nothing). */
export interface ImageSource {
  sha256: string;
  bytes: () => Promise<Buffer>;
  /** Set when the image is already stored (a media_id request). */
  media_id?: string;
  owner?: string;
  /**
   * For new images: stores them through the media service. On a miss it runs beside the analysis
   * (its refusal fails the request); on a hit it is offered the media that already holds these
   * bytes, which it may reuse instead of storing them again.
   */
  persist?: (existingMediaId?: string) => Promise<{ media_id: string; owner: string }>;
  /** Deletes what persist stored, when the analysis beside it failed (nothing stays behind). */
  discard?: (mediaId: string) => Promise<void>;
}

export interface RequestedOptions {
  analysis_types?: AnalysisType[];
  max_labels?: number;
  min_confidence?: number;
}

/** One image of a batch: how to get it (which may itself fail, e.g. an unknown media_id). */
export interface BatchWorkItem {
  filename?: string;
  options: RequestedOptions;
  source: () => Promise<ImageSource>;
}

export interface BatchItemResult {
  index: number;
  filename?: string;
  status: 'completed' | 'failed';
  result?: ImageAnalysisResult;
  error?: { code: string; message: string; details: Record<string, unknown> };
}

export interface BatchResult {
  batch_id: string;
  /** Who ran the batch: only they can read it. */
  owner?: string;
  /** in_progress until every item has its result or error; failed only when it was interrupted. */
  status: 'in_progress' | 'completed' | 'failed';
  total: number;
  succeeded: number;
  failed: number;
  items: BatchItemResult[];
  processing_time: number;
  created_at: string;
  /** Last time the batch's record was written (after each item while it runs). */
  updated_at?: string;
  error?: { code: string; message: string };
}

/** A running batch writes its record after each item; one silent this long lost its process. */
const STALE_BATCH_MS = 10 * 60 * 1000;
/** How long POST /analyze-image/batch waits for the batch by default before answering 202. */
export const DEFAULT_BATCH_WAIT_SECONDS = 60;
const BATCH_POLL_MS = 1_000;

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Runs an analysis: cache lookup by the image's SHA-256 plus the options, else decode once
 * (prepareImage), ask the provider for the asked types (colours from sharp for every provider),
 * store the record under analyses/ and the result under cache/analysis/.
 */
@Injectable()
export class ImageAnalysisService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImageAnalysisService.name);
  /** Batches running in this process (awaited at shutdown, so their records are finished). */
  private readonly runningBatches = new Set<Promise<void>>();
  private readonly formats: string[];

  constructor(
    @Inject(IMAGE_ANALYZER) private readonly analyzer: ImageAnalyzer,
    private readonly records: AnalysisRepository,
    @Inject(imageAnalysisConfig.KEY) private readonly config: ImageAnalysisConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    readiness: ReadinessRegistry,
    private readonly callers: CallerContext,
  ) {
    this.formats = sharpFormats(storage.allowedImageFormats);
    readiness.register('image_analysis', () => this.analyzer.readiness());
  }

  onApplicationBootstrap(): void {
    if (this.config.preload && this.analyzer.warmUp) {
      // In the background: the service answers (and readiness reports "loading") meanwhile.
      this.analyzer.warmUp().catch((error: Error) => this.logger.error({ err: error }, 'image engines failed to load'));
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.runningBatches]);
    await this.analyzer.close?.();
  }

  /** Which provider answers, and a version that changes whenever its results could (for cache keys). */
  get provider(): string {
    return this.analyzer.provider;
  }

  get engineVersion(): string {
    return this.analyzer.version;
  }

  /** Applies defaults; the caller's DTO has already validated ranges. */
  resolveOptions(requested: RequestedOptions = {}): AnalysisOptions {
    const types = requested.analysis_types?.length ? requested.analysis_types : DEFAULT_ANALYSIS_TYPES;
    return {
      types: ANALYSIS_TYPES.filter((t) => types.includes(t)),
      maxLabels: requested.max_labels ?? this.config.maxLabels,
      minConfidence: requested.min_confidence ?? this.analyzer.defaultMinConfidence,
    };
  }

  /** Validates and decodes bytes exactly as an analysis would (for callers that check first). */
  prepare(bytes: Buffer): Promise<PreparedImage> {
    return prepareImage(bytes, {
      maxPixels: this.storage.maxImagePixels,
      workingMaxSide: this.config.workingMaxSide,
      allowedFormats: this.formats,
    });
  }

  @TrackOperation(
    (service: ImageAnalysisService, args) =>
      service.resolveOptions(args[1] as RequestedOptions).types.map((t) => `analyze_image:${t}`),
    (service: ImageAnalysisService) => service.provider,
  )
  /**
   * `onDecoded` receives the decoded image when this call decoded one (not on a cache hit), so a
   * caller that needs the pixels too does not decode the bytes a second time.
   */
  async analyze(
    source: ImageSource,
    requested: RequestedOptions = {},
    onDecoded?: (image: PreparedImage) => void,
  ): Promise<ImageAnalysisResult> {
    const started = process.hrtime.bigint();
    const options = this.resolveOptions(requested);
    const cacheKey = [this.callers.cacheNamespace() + source.sha256, this.optionsHash(options)] as const;
    let entry = await this.records.getCached(...cacheKey);
    const cached = entry !== null;
    let media = source.media_id ? { media_id: source.media_id, owner: source.owner ?? '' } : undefined;
    if (entry) {
      if (source.persist) media = await source.persist(entry.media_id);
    } else {
      // Both settle before the answer: a refusal must not leave the other half still writing.
      const [persisted, analysed] = await Promise.allSettled([
        source.persist?.(),
        this.compute(source, options, onDecoded),
      ]);
      if (persisted.status === 'rejected' || analysed.status === 'rejected') {
        if (persisted.status === 'fulfilled' && persisted.value) {
          await source.discard?.(persisted.value.media_id).catch(() => undefined);
        }
        // The media intake's verdict first: the same answer /upload gives for these bytes.
        throw persisted.status === 'rejected' ? persisted.reason : (analysed as PromiseRejectedResult).reason;
      }
      const [stored, computed] = [persisted.value, analysed.value];
      media = stored ?? media;
      entry = { ...computed, ...(media ? { media_id: media.media_id } : {}) };
    }
    mediaMetrics.imageAnalysis(cached, entry.provider, options.types);
    // A result with a failed analysis type (one provider call failed) is not cached: retried next time.
    const partial = Array.isArray(entry.output.details?.failed_types);
    const cacheWrite = cached || partial ? undefined : this.records.saveCached(...cacheKey, entry);
    const result: ImageAnalysisResult = {
      analysis_id: randomUUID(),
      status: 'completed',
      analysis_types: options.types,
      max_labels: options.maxLabels,
      min_confidence: options.minConfidence,
      ...entry.output,
      image: entry.image,
      ...(media ? { media_id: media.media_id } : {}),
      owner: this.callers.owner(),
      sha256: source.sha256,
      processing_time: 0,
      provider: entry.provider,
      cached,
      created_at: new Date().toISOString(),
    };
    result.processing_time = Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1000;
    await Promise.all([cacheWrite, this.records.save(result)]);
    return result;
  }

  /** Decode once, then the provider and the colour step side by side. */
  private async compute(
    source: ImageSource,
    options: AnalysisOptions,
    onDecoded?: (image: PreparedImage) => void,
  ): Promise<AnalysisCacheEntry> {
    const image = await this.prepare(await source.bytes());
    onDecoded?.(image);
    const [output, colors] = await Promise.all([
      this.analyzer.analyze(image, options),
      options.types.includes('colors') ? dominantColors(image.working) : undefined,
    ]);
    if (colors) {
      output.colors = colors.colors;
      output.details = { ...output.details, background_color: colors.background };
    }
    return {
      output,
      image: { width: image.width, height: image.height, format: image.format },
      provider: this.analyzer.provider,
      version: this.analyzer.version,
      created_at: new Date().toISOString(),
    };
  }

  /** A stored analysis (its id already checked by the route's UUID pipe). */
  async get(analysisId: string): Promise<ImageAnalysisResult> {
    const record = await this.records.get(analysisId.toLowerCase());
    return this.callers.assertOwner(record, () =>
      AppException.notFound(ErrorCode.ANALYSIS_NOT_FOUND, `No analysis with id ${analysisId}`, {
        analysis_id: analysisId,
      }),
    );
  }

  /**
   * Starts a batch as a job: its record (in_progress) is written at once, the items are analysed
   * in the background with at most IMAGE_BATCH_CONCURRENCY at once, each getting its result or its
   * own error, and the record is rewritten after each item. Resolves with the finished batch if it
   * ends within `waitSeconds`, else with the batch as it stands (the caller answers 202).
   */
  async analyzeBatch(work: BatchWorkItem[], waitSeconds = DEFAULT_BATCH_WAIT_SECONDS): Promise<BatchResult> {
    const now = new Date().toISOString();
    const batch: BatchResult = {
      batch_id: randomUUID(),
      owner: this.callers.owner(),
      status: 'in_progress',
      total: work.length,
      succeeded: 0,
      failed: 0,
      items: [],
      processing_time: 0,
      created_at: now,
      updated_at: now,
    };
    await this.records.saveBatch(batch);
    const running = this.runBatch(batch, work).finally(() => this.runningBatches.delete(running));
    this.runningBatches.add(running);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      running.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, waitSeconds) * 1000))),
    ]);
    clearTimeout(timer);
    return finished ? batch : { ...batch, items: [...batch.items] };
  }

  private async runBatch(batch: BatchResult, work: BatchWorkItem[]): Promise<void> {
    const started = Date.now();
    const items: BatchItemResult[] = new Array(work.length);
    let next = 0;
    let writes = Promise.resolve();
    const record = () => {
      const done = items.filter(Boolean);
      Object.assign(batch, {
        succeeded: done.filter((item) => item.status === 'completed').length,
        failed: done.filter((item) => item.status === 'failed').length,
        items: done.sort((a, b) => a.index - b.index),
        processing_time: Math.round(Date.now() - started) / 1000,
        updated_at: new Date().toISOString(),
      });
      const snapshot = { ...batch, items: [...batch.items] };
      writes = writes
        .then(() => this.records.saveBatch(snapshot))
        .catch((error: unknown) => this.logger.warn({ err: error, batchId: batch.batch_id }, 'batch record not saved'));
    };
    const runOne = async (index: number): Promise<BatchItemResult> => {
      const item = work[index];
      const base = { index, ...(item.filename ? { filename: item.filename } : {}) };
      try {
        const result = await this.analyze(await item.source(), item.options);
        return { ...base, status: 'completed', result };
      } catch (error) {
        return { ...base, status: 'failed', error: this.describeError(error) };
      }
    };
    const lanes = Array.from({ length: Math.min(this.config.batchConcurrency, work.length) }, async () => {
      while (next < work.length) {
        const index = next++;
        items[index] = await runOne(index);
        record();
      }
    });
    await Promise.all(lanes);
    batch.status = 'completed';
    record();
    await writes;
  }

  /** The batch; with `waitSeconds`, once it has finished or that time has passed (from any replica). */
  async getBatch(batchId: string, waitSeconds = 0): Promise<BatchResult> {
    const deadline = Date.now() + Math.min(Math.max(0, waitSeconds), 600) * 1000;
    for (;;) {
      const batch = this.callers.assertOwner(await this.records.getBatch(batchId.toLowerCase()), () =>
        AppException.notFound(ErrorCode.BATCH_NOT_FOUND, `No batch with id ${batchId}`, { batch_id: batchId }),
      );
      if (batch.status !== 'in_progress') return batch;
      if (Date.now() - Date.parse(batch.updated_at ?? batch.created_at) > STALE_BATCH_MS) {
        // Its process died mid-batch: say so rather than in_progress forever.
        return {
          ...batch,
          status: 'failed',
          error: { code: 'INTERRUPTED', message: 'The service stopped while this batch ran; submit it again' },
        };
      }
      if (Date.now() >= deadline) return batch;
      await new Promise((resolve) => setTimeout(resolve, Math.min(BATCH_POLL_MS, deadline - Date.now())));
    }
  }

  /** An item's error as the envelope would carry it; unexpected errors never leak internals. */
  private describeError(error: unknown): { code: string; message: string; details: Record<string, unknown> } {
    if (error instanceof AppException) {
      return { code: error.code, message: (error.getResponse() as ErrorBody).error.message, details: error.details };
    }
    this.logger.error({ err: error }, 'batch item failed unexpectedly');
    return {
      code: ErrorCode.INTERNAL_ERROR,
      message: 'An unexpected error occurred analysing this image',
      details: {},
    };
  }

  /** The analysed image with its boxes and names drawn on it. */
  async annotate(
    analysisId: string,
    loadImage: (record: ImageAnalysisResult) => Promise<Buffer>,
  ): Promise<{ body: Buffer; contentType: string }> {
    const record = await this.get(analysisId);
    return renderAnnotated(await loadImage(record), record);
  }

  private optionsHash(options: AnalysisOptions): string {
    const key = JSON.stringify({
      provider: this.analyzer.provider,
      version: this.analyzer.version,
      types: options.types,
      maxLabels: options.maxLabels,
      minConfidence: options.minConfidence,
      workingMaxSide: this.config.workingMaxSide,
    });
    return createHash('sha256').update(key).digest('hex').slice(0, 32);
  }
}
