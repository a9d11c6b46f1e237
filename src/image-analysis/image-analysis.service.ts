import { HttpStatus, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { CallerContext, runAsCaller } from '../auth/caller-context';
import { AppException, ErrorBody } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import {
  imageAnalysisConfig,
  ImageAnalysisConfig,
  queueConfig,
  QueueConfig,
  storageConfig,
  StorageConfig,
} from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { MediaService } from '../media/media.service';
import { mediaMetrics, TrackOperation } from '../metrics/media-metrics';
import { JobQueue, RetryLaterError } from '../transcription/jobs/job-queue';
import { TranscriptionError } from '../transcription/providers/transcriber.port';
import {
  BatchItemInput,
  BatchItemState,
  IMAGE_BATCH_QUEUE,
  ImageBatchStore,
  ItemRun,
  itemJobId,
  parseItemJobId,
  StoredBatch,
} from './batch/image-batch.store';
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
  /** A stored image that was stored for this request (a refused batch deletes it again). */
  staged?: boolean;
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

/** Without a shared queue: a batch none of whose items moved this long lost its process. */
const STALE_BATCH_MS = 10 * 60 * 1000;
/** How long POST /analyze-image/batch waits for the batch by default before answering 202. */
export const DEFAULT_BATCH_WAIT_SECONDS = 60;
/** How often a wait re-reads the batch for items other replicas finish. */
const BATCH_POLL_MS = 500;
/** Starts of an item that meets transient faults (engine, AWS, store) before it fails; 1 s, 2 s apart. */
export const ITEM_ATTEMPTS = 3;
export const ITEM_RETRY_BASE_MS = 1_000;
/** One item's analysis is aborted (and retried) after this long. */
export const ITEM_TIMEOUT_MS = 5 * 60 * 1000;
/** Images of one batch stored at once at submit. */
const STAGE_CONCURRENCY = 4;

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
  private readonly formats: string[];
  /** Emits a batch id when this process ends one of its items (wakes waits at once). */
  private readonly batchEvents = new EventEmitter();
  /** As recorded in the runs of the items this process analyses (host-pid-random). */
  private readonly workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private destroying = false;

  constructor(
    @Inject(IMAGE_ANALYZER) private readonly analyzer: ImageAnalyzer,
    private readonly records: AnalysisRepository,
    @Inject(imageAnalysisConfig.KEY) private readonly config: ImageAnalysisConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    readiness: ReadinessRegistry,
    private readonly callers: CallerContext,
    @Inject(IMAGE_BATCH_QUEUE) private readonly batchQueue: JobQueue,
    @Inject(queueConfig.KEY) private readonly queueSettings: QueueConfig,
    private readonly media: MediaService,
    private readonly batches: ImageBatchStore,
  ) {
    this.formats = sharpFormats(storage.allowedImageFormats);
    this.batchEvents.setMaxListeners(0);
    readiness.register('image_analysis', () => this.analyzer.readiness());
    this.batchQueue.process((jobId, signal) => this.runItem(jobId, signal));
    mediaMetrics.reportQueue('image_batch', () => this.batchQueue.stats());
  }

  onApplicationBootstrap(): void {
    if (this.config.preload && this.analyzer.warmUp) {
      // In the background: the service answers (and readiness reports "loading") meanwhile.
      this.analyzer.warmUp().catch((error: Error) => this.logger.error({ err: error }, 'image engines failed to load'));
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.destroying = true;
    // Running items finish (or go back to a shared queue) before the engines close.
    await this.batchQueue.close();
    this.batchEvents.removeAllListeners();
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
    // A hit computed nothing worth waiting for: its record is written behind the answer.
    if (cached) this.records.saveBehind(result);
    else await Promise.all([cacheWrite, this.records.save(result)]);
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
   * Starts a batch as a job: each image is stored first (multipart files were streamed to the
   * store by the intake; base64 ones are stored here; media_id ones are referenced), the batch
   * record is written, and every item goes to the batch queue, so whichever replica or worker is
   * free analyses it. An item that fails intake is that item's error. Resolves with the finished
   * batch if it ends within `waitSeconds`, else with the batch as it stands (the caller answers 202).
   */
  async analyzeBatch(work: BatchWorkItem[], waitSeconds = DEFAULT_BATCH_WAIT_SECONDS): Promise<BatchResult> {
    const owner = this.callers.owner();
    const batchId = randomUUID();
    const inputs = await mapLimited(work, STAGE_CONCURRENCY, (item, index) => this.stageInput(item, index));
    const now = new Date().toISOString();
    const batch: StoredBatch = {
      batch_id: batchId,
      owner,
      status: 'in_progress',
      total: work.length,
      succeeded: 0,
      failed: 0,
      items: [],
      processing_time: 0,
      created_at: now,
      updated_at: now,
      inputs,
    };
    try {
      await this.batches.saveBatch(batch);
    } catch (error) {
      await this.discardInputs(inputs);
      throw error;
    }
    try {
      for (const input of inputs) if (!input.error) await this.batchQueue.enqueue(itemJobId(batchId, input.index));
    } catch (error) {
      // Redis is away: nothing would run these items, so neither the batch nor its images are kept.
      this.logger.error({ err: error, batchId }, 'could not enqueue the image batch');
      await this.batches.deleteBatch(batchId).catch(() => undefined);
      await this.discardInputs(inputs);
      throw AppException.unavailable(ErrorCode.QUEUE_UNAVAILABLE, 'The job queue is unavailable; try again shortly', {
        queue: 'image-batch',
      });
    }
    if (inputs.every((input) => input.error)) await this.finalizeBatch(batchId);
    return this.waitForBatch(batchId, owner, waitSeconds);
  }

  /** Where one item's image is: stored now if it came in the request, or its error. */
  private async stageInput(item: BatchWorkItem, index: number): Promise<BatchItemInput> {
    const base: BatchItemInput = {
      index,
      ...(item.filename ? { filename: item.filename } : {}),
      options: item.options,
    };
    try {
      const source = await item.source();
      if (source.media_id) return { ...base, media_id: source.media_id, ...(source.staged ? { ingested: true } : {}) };
      if (!source.persist) throw new Error('a batch item has neither a media_id nor a way to store it');
      const stored = await source.persist();
      return { ...base, media_id: stored.media_id, ingested: true };
    } catch (error) {
      return { ...base, error: this.describeError(error) };
    }
  }

  private async discardInputs(inputs: BatchItemInput[]): Promise<void> {
    await Promise.all(
      inputs
        .filter((input) => input.ingested && input.media_id)
        .map((input) => this.media.delete(input.media_id as string, this.callers.owner()).catch(() => undefined)),
    );
  }

  /** The queue's handler: one item, from its stored image to its result or its error. */
  private async runItem(jobId: string, signal: AbortSignal): Promise<void> {
    const ref = parseItemJobId(jobId);
    if (!ref) return;
    const { batchId, index } = ref;
    let batch: StoredBatch | null;
    let state: BatchItemState;
    try {
      batch = await this.batches.getBatch(batchId);
      state = (await this.batches.getItem(batchId, index)) ?? {
        index,
        status: 'queued',
        runs: [],
        updated_at: new Date().toISOString(),
      };
    } catch (error) {
      throw this.itemRetryLater(jobId, error);
    }
    const input = batch?.inputs?.find((candidate) => candidate.index === index);
    if (!batch || !input?.media_id || input.error) return; // the batch was refused or deleted
    if (state.status === 'completed' || state.status === 'failed') {
      // Done before its worker could tell the queue (it died right after): never run twice.
      await this.finalizeBatch(batchId).catch(() => undefined);
      return;
    }
    const now = new Date().toISOString();
    const lastRun = state.runs.at(-1);
    if (lastRun && !lastRun.outcome) Object.assign(lastRun, { outcome: 'interrupted', finished_at: now });
    const limit = this.queueSettings.maxInterruptions;
    const interruptions = state.runs.filter((run) => run.outcome === 'interrupted').length;
    if (interruptions >= limit) {
      // A poison item: its worker died under it every time (a crashing engine): it fails, not loops.
      state.status = 'failed';
      state.error = {
        code: ErrorCode.REPEATEDLY_INTERRUPTED,
        message: `The worker running this item stopped ${interruptions} times (killed or crashed); it is not retried`,
        details: { attempts: state.runs.length, max_interruptions: limit, runs: state.runs },
      };
      return this.endItem(jobId, batchId, state);
    }
    const run: ItemRun = { attempt: state.runs.length + 1, worker: this.workerId, started_at: now };
    state.runs.push(run);
    state.status = 'in_progress';
    state.updated_at = now;
    try {
      await this.batches.saveItem(batchId, state);
    } catch (error) {
      throw this.itemRetryLater(jobId, error);
    }
    try {
      const owner = batch.owner ?? '';
      const caller = { owner, scopes: ['analyze'], authenticated: this.callers.authEnabled };
      state.result = await untilAborted(
        signal,
        runAsCaller(caller, async () =>
          this.analyze(await this.storedImage(input.media_id as string, owner), input.options),
        ),
      );
      state.status = 'completed';
      run.outcome = 'completed';
    } catch (error) {
      if (this.destroying && signal.aborted) {
        // Shutting down: a shared queue hands the item to another worker at once.
        run.outcome = 'interrupted';
        run.finished_at = new Date().toISOString();
        await this.batches.saveItem(batchId, state).catch(() => undefined);
        if (this.batchQueue.shared) throw new RetryLaterError('interrupted by shutdown', 0);
        return;
      }
      const reason = signal.aborted ? signal.reason : error;
      const faults = state.runs.filter((candidate) => candidate.outcome === 'retry').length + 1;
      if (isTransient(reason) && faults < ITEM_ATTEMPTS) {
        // An engine or AWS fault, or the store: the item runs again after a backoff.
        run.outcome = 'retry';
        run.finished_at = new Date().toISOString();
        state.status = 'queued';
        this.logger.warn({ err: reason, jobId, faults }, 'batch item failed transiently; retrying');
        await this.batches.saveItem(batchId, state).catch(() => undefined);
        throw new RetryLaterError('transient fault', ITEM_RETRY_BASE_MS * 2 ** (faults - 1));
      }
      state.status = 'failed';
      state.error = this.describeError(reason);
      run.outcome = 'failed';
    }
    run.finished_at = new Date().toISOString();
    await this.endItem(jobId, batchId, state);
  }

  private async endItem(jobId: string, batchId: string, state: BatchItemState): Promise<void> {
    state.updated_at = new Date().toISOString();
    try {
      await this.batches.saveItem(batchId, state);
    } catch (error) {
      throw this.itemRetryLater(jobId, error);
    }
    this.batchEvents.emit(batchId);
    await this.finalizeBatch(batchId).catch((error: unknown) =>
      this.logger.warn({ err: error, batchId }, 'could not finalize the batch record'),
    );
  }

  /** Once every item has ended: the batch record gets them all (read in one object from then on). */
  private async finalizeBatch(batchId: string): Promise<void> {
    const batch = await this.batches.getBatch(batchId);
    if (!batch || batch.status !== 'in_progress') return;
    const view = await this.assemble(batch);
    if (view.status === 'in_progress') return;
    await this.batches.saveBatch({ ...view, inputs: batch.inputs });
    this.batchEvents.emit(batchId);
  }

  private itemRetryLater(jobId: string, error: unknown): unknown {
    if (!(error instanceof AppException && error.code === ErrorCode.STORAGE_UNAVAILABLE) || this.destroying) {
      return error;
    }
    this.logger.warn({ err: error, jobId }, 'the store refused a batch item write; retrying the item');
    return new RetryLaterError('the store refused a write', ITEM_RETRY_BASE_MS);
  }

  /** A stored image as an analysis source (run by a worker, for the batch's owner). */
  private async storedImage(mediaId: string, owner: string): Promise<ImageSource> {
    const record = await this.media.get(mediaId, owner);
    if (record.media_type !== 'image') {
      throw new AppException(
        ErrorCode.INVALID_FILE_FORMAT,
        `Media ${record.media_id} is ${record.media_type}, not an image`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { media_id: record.media_id, received_format: record.format },
      );
    }
    return {
      sha256: record.sha256,
      media_id: record.media_id,
      owner: record.owner,
      bytes: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of await this.media.openStream(record)) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      },
    };
  }

  /** The batch as it stands: from its record once final, else from its items' records. */
  private async assemble(batch: StoredBatch): Promise<BatchResult> {
    const { inputs: _inputs, ...stored } = batch;
    if (!batch.inputs || batch.status !== 'in_progress') return stored as BatchResult;
    const states = new Map<number, BatchItemState>();
    for (const state of await this.batches.items(batch)) if (state) states.set(state.index, state);
    const items: BatchItemResult[] = [];
    let latest = Date.parse(batch.updated_at ?? batch.created_at);
    let pending = 0;
    for (const input of batch.inputs) {
      const base = { index: input.index, ...(input.filename ? { filename: input.filename } : {}) };
      const state = states.get(input.index);
      if (state) latest = Math.max(latest, Date.parse(state.updated_at));
      if (input.error) items.push({ ...base, status: 'failed', error: input.error });
      else if (state?.status === 'completed') items.push({ ...base, status: 'completed', result: state.result });
      else if (state?.status === 'failed') items.push({ ...base, status: 'failed', error: state.error });
      else pending += 1;
    }
    const done = pending === 0;
    return {
      ...(stored as BatchResult),
      status: done ? 'completed' : 'in_progress',
      succeeded: items.filter((item) => item.status === 'completed').length,
      failed: items.filter((item) => item.status === 'failed').length,
      items,
      processing_time: Math.round((done ? latest : Date.now()) - Date.parse(batch.created_at)) / 1000,
      updated_at: new Date(latest).toISOString(),
    };
  }

  private async batchView(batchId: string, owner: string): Promise<BatchResult> {
    const stored = await this.batches.getBatch(batchId.toLowerCase());
    const batch = this.callers.assertOwner(
      stored,
      () => AppException.notFound(ErrorCode.BATCH_NOT_FOUND, `No batch with id ${batchId}`, { batch_id: batchId }),
      owner,
    );
    const view = await this.assemble(batch);
    if (view.status === 'in_progress' && this.looksAbandoned(batch, view)) {
      // Its process died mid-batch (no shared queue to hand the items on): say so rather than in_progress forever.
      return {
        ...view,
        status: 'failed',
        error: { code: 'INTERRUPTED', message: 'The service stopped while this batch ran; submit it again' },
      };
    }
    return view;
  }

  /** Without a shared queue: nobody here holds its items and nothing moved for a long time. */
  private looksAbandoned(batch: StoredBatch, view: BatchResult): boolean {
    if (this.batchQueue.shared && batch.inputs) return false; // Redis holds the items; a dead worker's are taken over
    if (Date.now() - Date.parse(view.updated_at ?? batch.created_at) <= STALE_BATCH_MS) return false;
    return !(batch.inputs ?? []).some((input) => this.batchQueue.has(itemJobId(batch.batch_id, input.index)));
  }

  /** The batch once finished or after `waitSeconds`: woken by this process's items, polling for others'. */
  private async waitForBatch(batchId: string, owner: string, waitSeconds: number): Promise<BatchResult> {
    const deadline = Date.now() + Math.min(Math.max(0, waitSeconds), 600) * 1000;
    for (;;) {
      const batch = await this.batchView(batchId, owner);
      if (batch.status !== 'in_progress' || Date.now() >= deadline || this.destroying) return batch;
      await new Promise<void>((resolve) => {
        const events = this.batchEvents;
        const timer = setTimeout(finish, Math.min(BATCH_POLL_MS, deadline - Date.now()));
        function finish() {
          clearTimeout(timer);
          events.off(batchId, finish);
          resolve();
        }
        events.on(batchId, finish);
      });
    }
  }

  /** The batch; with `waitSeconds`, once it has finished or that time has passed (from any replica). */
  async getBatch(batchId: string, waitSeconds = 0): Promise<BatchResult> {
    return this.waitForBatch(batchId.toLowerCase(), this.callers.owner(), waitSeconds);
  }

  /** An item's error as the envelope would carry it; unexpected errors never leak internals. */
  private describeError(error: unknown): { code: string; message: string; details: Record<string, unknown> } {
    if (error instanceof AppException) {
      return { code: error.code, message: (error.getResponse() as ErrorBody).error.message, details: error.details };
    }
    if (error instanceof TranscriptionError && error.code === 'ETIMEDOUT') {
      return { code: ErrorCode.TIMEOUT, message: error.message, details: {} };
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

/** `work` over `items`, at most `limit` at once, results in order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The work's outcome, or the signal's reason once it aborts (the queue's timeout or shutdown). */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** Worth another attempt: a backend fault (5xx: store, engine, AWS), a timeout or an unexpected crash; never bad input. */
function isTransient(error: unknown): boolean {
  if (error instanceof AppException) return error.getStatus() >= 500;
  return true;
}
