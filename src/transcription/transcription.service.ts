import { HttpStatus, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CallerContext } from '../auth/caller-context';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { withTimeout } from '../common/async/with-timeout';
import { PeriodicTask } from '../common/async/periodic-task';
import { queueConfig, QueueConfig, transcriptionConfig, TranscriptionConfig } from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import type { MediaRecord } from '../media/media-record';
import { MediaService } from '../media/media.service';
import { mediaMetrics, outcomeOf } from '../metrics/media-metrics';
import { currentTraceparent, runInTraceOf } from '../tracing/trace-context';
import { CallbackUrlPolicy } from '../security/callbacks/callback-url.policy';
import { CallbackNotifier } from './callbacks/callback.notifier';
import { TranscriptionJobDto, TranscriptionOptionsDto } from './dto/transcription.dto';
import { JOB_QUEUE, JobQueue, RetryLaterError } from './jobs/job-queue';
import { cacheKey, TranscriptionJobRepository, UnfinishedEntry } from './jobs/transcription-job.repository';
import { WorkerRegistry } from './jobs/worker-registry';
import { TRANSCRIBER, Transcriber, TranscriptionError } from './providers/transcriber.port';
import type { BatchRecord, JobError, JobRun, TranscriptionJob, TranscriptionOptions } from './transcription.types';

const RECOVERY_TIMEOUT_MS = 15_000;
/** How often the unfinished index is scanned for jobs whose holder died (and own jobs to retry). */
const SWEEP_INTERVAL_MS = 10_000;
/** With a shared queue: how often unfinished records are handed to it again (adding is idempotent). */
const SHARED_REQUEUE_MS = 5 * 60_000;
/** Heartbeats: renewed every 5 s; a process on another host is dead once its heartbeat is 20 s old. */
const HEARTBEAT = { ttlMs: 20_000, renewMs: 5_000 };
/** Store writes refused (full disk, store down): the job runs again after 1 s, 2 s, ... up to 15 s. */
const STORAGE_RETRY_BASE_MS = 1_000;
const STORAGE_RETRY_MAX_MS = 15_000;
/** How often a running job's progress is written to its record. */
const PROGRESS_SAVE_MS = 3_000;
/** How often ?wait re-reads the record, so a job finished by another replica is seen. */
const WAIT_POLL_MS = 1_000;
/** An index entry whose job record never got written (the submit failed half-way) is dropped after this. */
const ORPHAN_ENTRY_MS = 60_000;

/** Engine error codes (TranscriptionError.code) as the API's UPPER_SNAKE codes. */
const JOB_ERROR_CODES: Record<string, string> = {
  ETIMEDOUT: 'TIMEOUT',
  EDECODE: 'DECODE_FAILED',
  ENOAUDIO: 'NO_AUDIO',
  ERECOGNIZER: 'ENGINE_ERROR',
  EENGINEDIED: 'ENGINE_CRASHED',
  ESPAWN: 'ENGINE_UNAVAILABLE',
  EABORT: 'INTERRUPTED',
};

export interface SubmitInput {
  media: MediaRecord;
  options: TranscriptionOptions;
  owner?: string;
  callbackUrl?: string;
  batchId?: string;
  /** The media was stored for this request: a cached repeat may drop it for the earlier copy. */
  ingested?: boolean;
}

/**
 * Transcription jobs: submit (validated, cached by audio hash + options), run on the queue
 * through the Transcriber port, persist every state change in the store, notify callbacks,
 * and after a restart resume or fail whatever was left unfinished.
 */
@Injectable()
export class TranscriptionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TranscriptionService.name);
  /** Live progress of running jobs (persisted only at state changes). */
  private readonly progress = new Map<string, number>();
  private readonly finished = new EventEmitter();
  private readonly workers: WorkerRegistry;
  private readonly storageRetries = new Map<string, number>();
  private readonly sweeper = new PeriodicTask(() => this.sweepOnce(), SWEEP_INTERVAL_MS);
  private sweeping?: Promise<void>;
  private lastRequeue = 0;
  private destroying = false;

  constructor(
    @Inject(TRANSCRIBER) private readonly transcriber: Transcriber,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly jobs: TranscriptionJobRepository,
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    @Inject(queueConfig.KEY) private readonly queueSettings: QueueConfig,
    private readonly media: MediaService,
    private readonly callbacks: CallbackNotifier,
    readiness: ReadinessRegistry,
    private readonly callers: CallerContext,
    private readonly callbackPolicy: CallbackUrlPolicy,
  ) {
    this.workers = new WorkerRegistry(this.jobs, HEARTBEAT);
    this.finished.setMaxListeners(0);
    // An api process never runs an engine: its readiness does not depend on one.
    readiness.register('transcription', async () => ({
      ...(this.runsJobs ? await this.transcriber.readiness() : { ready: true, engine: 'not run by role api' }),
      provider: this.transcriber.name,
      role: this.queueSettings.role,
      ...this.queue.stats(),
    }));
    const shared = this.queue;
    if (shared.ping) {
      readiness.register('queue', async () => {
        try {
          await shared.ping?.();
          return { ready: true, backend: 'redis', ...(await shared.counts?.()) };
        } catch (error) {
          return { ready: false, backend: 'redis', reason: (error as Error).message };
        }
      });
    }
    this.queue.process((jobId, signal) => this.run(jobId, signal));
    mediaMetrics.reportQueue('transcription', () => this.queue.stats());
  }

  get providerName(): string {
    return this.transcriber.name;
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await withTimeout(this.recover(), RECOVERY_TIMEOUT_MS, 'transcription job recovery');
    } catch (error) {
      this.logger.error({ err: error }, 'could not recover unfinished transcription jobs');
    }
    // Later scans take over the jobs of replicas that died and retry own jobs the store refused.
    this.sweeper.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.destroying = true;
    this.sweeper.stop();
    await this.sweeping;
    await this.queue.close();
    // Without our heartbeat, whatever we leave unfinished is taken over at once by the next scan.
    await this.workers
      .stop()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not drop the heartbeat'));
    this.finished.removeAllListeners();
  }

  /** Jobs per state, for metrics: across every replica with Redis, this process's queue without. */
  async queueDepth(): Promise<Record<string, number>> {
    if (this.queue.counts) return this.queue.counts();
    const { queued, running } = this.queue.stats();
    return { waiting: queued, active: running };
  }

  /** This process's worker id, as recorded in the jobs it runs. */
  get workerInstance(): string {
    return this.workers.instance;
  }

  /** Whether this process runs jobs (roles all and worker). */
  get runsJobs(): boolean {
    return this.queueSettings.role !== 'api';
  }

  /** 503 ENGINE_UNAVAILABLE (naming what to install) when the provider cannot run. */
  async assertAvailable(): Promise<void> {
    if (!this.runsJobs) return; // the workers check their own engines
    const readiness = await this.transcriber.readiness();
    if (readiness.ready) return;
    const { ready: _ready, ...details } = readiness;
    const message = readiness.reason ?? `The ${this.transcriber.name} speech engine is not ready`;
    throw AppException.unavailable(ErrorCode.ENGINE_UNAVAILABLE, message, details);
  }

  /**
   * The options of a submission (its DTO validated by the intake): defaults applied, the callback
   * URL, language and provider-specific options checked.
   */
  async parseOptions(dto: TranscriptionOptionsDto): Promise<{ options: TranscriptionOptions; callbackUrl?: string }> {
    // 400 CALLBACK_NOT_ALLOWED before anything else looks at the URL (see CallbackUrlPolicy).
    if (dto.callback_url !== undefined) await this.callbackPolicy.check(dto.callback_url);
    const options: TranscriptionOptions = {
      language_code: dto.language_code ?? this.config.languageCode,
      output_format: dto.output_format ?? 'json',
      ...(dto.speaker_count ? { speaker_count: dto.speaker_count } : {}),
      ...(dto.vocabulary_name ? { vocabulary_name: dto.vocabulary_name } : {}),
      ...(dto.language_options?.length ? { language_options: dto.language_options } : {}),
    };
    this.assertLanguage(options.language_code);
    this.transcriber.checkOptions?.(options);
    return { options, callbackUrl: dto.callback_url };
  }

  /** Audio only, and between the configured shortest and longest durations (from its header). */
  assertTranscribable(media: MediaRecord): void {
    if (media.media_type !== 'audio') {
      throw new AppException(
        ErrorCode.INVALID_FILE_FORMAT,
        `media ${media.media_id} is ${media.format}, not audio`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { received_format: media.format },
      );
    }
    const { minDurationSeconds: min, maxDurationSeconds: max } = this.config;
    const duration = media.duration;
    if (typeof duration === 'number' && (duration < min || duration > max)) {
      const reason = duration < min ? 'too short' : 'too long';
      throw new AppException(
        ErrorCode.INVALID_FILE,
        `The audio is ${duration} s long: ${reason} (from ${min} s to ${max} s are accepted)`,
        HttpStatus.UNPROCESSABLE_ENTITY,
        { duration, min_duration: min, max_duration: max, reason },
      );
    }
  }

  /** Creates the job: completed at once from the cache, or queued. */
  async submit(input: SubmitInput): Promise<TranscriptionJob> {
    this.assertTranscribable(input.media);
    this.transcriber.checkMedia?.(input.media, input.options);
    const now = new Date().toISOString();
    const job: TranscriptionJob = {
      transcription_id: randomUUID(),
      owner: input.owner ?? this.callers.owner(),
      status: 'queued',
      progress: 0,
      created_at: now,
      media_id: input.media.media_id,
      filename: input.media.filename,
      sha256: input.media.sha256,
      provider: this.transcriber.name,
      options: input.options,
      attempts: 0,
      ...(input.batchId ? { batch_id: input.batchId } : {}),
      ...(input.callbackUrl ? { callback_url: input.callbackUrl } : {}),
      ...traceOfSubmission(),
    };
    const cached = await this.jobs.getCached(this.resultCacheKey(job));
    mediaMetrics.cacheRequest('transcription', Boolean(cached));
    if (cached) {
      if (input.ingested) job.media_id = await this.reuseEarlierMedia(input.media, cached.transcription_id);
      Object.assign(job, {
        status: 'completed',
        progress: 100,
        cached: true,
        started_at: now,
        finished_at: now,
        processing_time: 0,
        result: cached.result,
      } satisfies Partial<TranscriptionJob>);
      await this.jobs.saveJob(job);
      this.notify(job);
      return job;
    }
    // The index entry first: a job record without one would never be found by a recovery scan.
    await this.jobs.saveUnfinished({
      transcription_id: job.transcription_id,
      created_at: now,
      holder: this.workers.instance,
      claimed_at: now,
    });
    try {
      await this.jobs.saveJob(job);
    } catch (error) {
      await this.jobs.deleteUnfinished(job.transcription_id).catch(() => undefined);
      throw error;
    }
    try {
      await this.queue.enqueue(job.transcription_id);
    } catch (error) {
      // The queue (Redis) is away: nothing would ever run this job, so it is not kept.
      this.logger.error({ err: error, jobId: job.transcription_id }, 'could not enqueue the transcription');
      await this.jobs.deleteJob(job.transcription_id).catch(() => undefined);
      await this.jobs.deleteUnfinished(job.transcription_id).catch(() => undefined);
      throw AppException.unavailable(ErrorCode.QUEUE_UNAVAILABLE, 'The job queue is unavailable; try again shortly', {
        queue: 'transcription',
      });
    }
    return job;
  }

  /**
   * A cached repeat of the same audio: when the job that made the cache entry still has its
   * media, of the same owner and bytes, that record serves again and the copy just stored is
   * deleted, so repeats do not pile up duplicate media. Returns the media id the job uses.
   */
  private async reuseEarlierMedia(media: MediaRecord, earlierJobId: string): Promise<string> {
    const earlierJob = await this.jobs.getJob(earlierJobId).catch(() => null);
    const earlier = earlierJob ? await this.media.get(earlierJob.media_id).catch(() => null) : null;
    if (!earlier || earlier.media_id === media.media_id || earlier.sha256 !== media.sha256) return media.media_id;
    if (earlier.owner !== media.owner) return media.media_id;
    try {
      await this.media.delete(media.media_id);
    } catch (error) {
      this.logger.warn({ err: error, mediaId: media.media_id }, 'could not drop a duplicate media');
      return media.media_id;
    }
    return earlier.media_id;
  }

  /** 404 JOB_NOT_FOUND for an unknown (or malformed) id; live progress merged in. */
  async get(id: string): Promise<TranscriptionJob> {
    const found = TranscriptionJobRepository.isId(id) ? await this.jobs.getJob(id.toLowerCase()) : null;
    const job = this.callers.assertOwner(found, () =>
      AppException.notFound(ErrorCode.JOB_NOT_FOUND, `No transcription job with id ${id}`, { job_id: id }),
    );
    const live = this.progress.get(job.transcription_id);
    return live !== undefined && job.status === 'in_progress' ? { ...job, progress: live } : job;
  }

  /**
   * The job once finished, or as it is after `seconds` (bounded by TRANSCRIBE_MAX_WAIT). Woken at
   * once when this process finishes it, and re-reads the record every second for jobs that
   * another replica runs.
   */
  async waitFor(id: string, seconds: number): Promise<TranscriptionJob> {
    const deadline = Date.now() + Math.min(Math.max(0, seconds), this.config.maxWaitSeconds) * 1000;
    const done = (job: TranscriptionJob) => job.status === 'completed' || job.status === 'failed';
    let job = await this.get(id);
    while (!done(job) && Date.now() < deadline && !this.destroying) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, Math.min(WAIT_POLL_MS, deadline - Date.now()));
        function finish() {
          clearTimeout(timer);
          listeners.off(id, finish);
          resolve();
        }
        const listeners = this.finished;
        listeners.on(id, finish);
      });
      job = await this.get(id);
    }
    return job;
  }

  async getBatch(id: string): Promise<{ batch: BatchRecord; jobs: (TranscriptionJob | null)[] }> {
    const found = TranscriptionJobRepository.isId(id) ? await this.jobs.getBatch(id.toLowerCase()) : null;
    const batch = this.callers.assertOwner(found, () =>
      AppException.notFound(ErrorCode.BATCH_NOT_FOUND, `No batch with id ${id}`, { batch_id: id }),
    );
    const jobs = await Promise.all(
      batch.items.map((item) => (item.transcription_id ? this.get(item.transcription_id).catch(() => null) : null)),
    );
    return { batch, jobs };
  }

  /** A new batch id, handed out before the items are read (they carry it). */
  newBatchId(): string {
    return randomUUID();
  }

  /** The batch belongs to the current caller (whatever owner the record was built with). */
  async saveBatch(batch: BatchRecord): Promise<void> {
    await this.jobs.saveBatch({ ...batch, owner: this.callers.owner() });
  }

  private assertLanguage(code: string): void {
    const { languages, identifiesLanguage, name } = this.transcriber;
    if (code === 'auto' || languages.includes('*') || languages.includes(code)) return;
    throw AppException.badRequest(
      ErrorCode.VALIDATION_FAILED,
      `The ${name} provider does not transcribe ${code}; it takes ${languages.join(', ')}${identifiesLanguage ? ' or auto' : ''}`,
      { fields: { language_code: [`unsupported by the ${name} provider`] }, supported: languages },
    );
  }

  /** The queue's handler: one job from queued to completed or failed. */
  private async run(jobId: string, signal: AbortSignal): Promise<void> {
    let job: TranscriptionJob | null;
    try {
      job = await this.jobs.getJob(jobId);
      if (!job || (job.status !== 'queued' && job.status !== 'in_progress')) {
        await this.jobs.deleteUnfinished(jobId).catch(() => undefined);
        return;
      }
      if (!this.queue.shared && !(await this.holds(jobId))) return;
      const reason = job.attempts > 0 ? await this.unresumable(job) : undefined;
      if (reason) {
        await this.giveUp(job, reason);
        return;
      }
    } catch (error) {
      throw this.retryLater(jobId, error);
    }
    await runInTraceOf(job.traceparent, 'transcription.job', () => this.execute(job, signal));
  }

  private async execute(job: TranscriptionJob, signal: AbortSignal): Promise<void> {
    const jobId = job.transcription_id;
    const started = Date.now();
    const lastRun = job.runs?.at(-1);
    if (lastRun && !lastRun.outcome) {
      // Its worker died or stopped mid-run and the queue gave it to us.
      lastRun.outcome = 'interrupted';
      lastRun.finished_at = new Date().toISOString();
    }
    const run: JobRun = { attempt: job.attempts + 1, worker: this.workers.instance, started_at: '' };
    job.status = 'in_progress';
    job.started_at = run.started_at = new Date(started).toISOString();
    job.attempts = run.attempt;
    job.runs = [...(job.runs ?? []), run];
    try {
      await this.jobs.saveJob(job);
    } catch (error) {
      // Not started: the record still says what it said before, and the job runs again later.
      throw this.retryLater(jobId, error);
    }
    this.progress.set(jobId, 0);
    // Progress reaches the record every few seconds, so every replica's status shows it.
    let progressSaved = Date.now();
    let progressWrite: Promise<void> = Promise.resolve();
    const inProgress = job;
    const onProgress = (percent: number) => {
      this.progress.set(jobId, percent);
      if (Date.now() - progressSaved < PROGRESS_SAVE_MS) return;
      progressSaved = Date.now();
      progressWrite = progressWrite
        .then(() => this.jobs.saveJob({ ...inProgress, progress: percent }))
        .catch(() => undefined);
    };
    try {
      const media = await this.media.get(job.media_id, job.owner).catch((error: unknown) => {
        if (error instanceof AppException && error.code === ErrorCode.MEDIA_NOT_FOUND) {
          throw new TranscriptionError('MEDIA_NOT_FOUND', `The audio (media ${job.media_id}) was deleted`);
        }
        throw error;
      });
      const result = await this.transcriber.transcribe({
        jobId,
        media,
        options: job.options,
        signal,
        onProgress,
      });
      await progressWrite;
      run.finished_at = new Date().toISOString();
      run.outcome = 'completed';
      Object.assign(job, {
        status: 'completed',
        progress: 100,
        finished_at: run.finished_at,
        processing_time: Math.round((Date.now() - started) / 10) / 100,
        result,
      } satisfies Partial<TranscriptionJob>);
      mediaMetrics.operationFinished('transcribe', job.provider, 'success', (Date.now() - started) / 1000);
      mediaMetrics.transcribed(job.provider, result.duration);
      await this.jobs.saveJob(job);
      await this.jobs
        .saveCached(this.resultCacheKey(job), {
          transcription_id: jobId,
          created_at: job.finished_at as string,
          result,
        })
        .catch((error: unknown) => this.logger.warn({ err: error, jobId }, 'could not cache the result'));
      this.logger.log(
        { jobId, processingTime: job.processing_time, words: result.words.length },
        'transcription completed',
      );
    } catch (error) {
      this.progress.delete(jobId);
      await progressWrite;
      if (this.destroying && signal.aborted) {
        // Shutting down: the record stays in_progress. A shared queue gets the job back at once for
        // another worker; in-process, whoever scans the store next resumes it.
        this.logger.warn({ jobId }, 'transcription interrupted by shutdown; handed back');
        if (this.queue.shared) throw new RetryLaterError('interrupted by shutdown', 0);
        return;
      }
      if (isStorageFault(error)) throw this.retryLater(jobId, error);
      run.finished_at = job.finished_at = new Date().toISOString();
      run.outcome = 'failed';
      job.status = 'failed';
      job.processing_time = Math.round((Date.now() - started) / 10) / 100;
      job.error = toJobError(error);
      mediaMetrics.operationFinished('transcribe', job.provider, outcomeOf(error), job.processing_time);
      delete job.result;
      this.logger.warn({ jobId, error: job.error }, 'transcription failed');
      try {
        await this.jobs.saveJob(job);
      } catch (saveError) {
        throw this.retryLater(jobId, saveError);
      }
    } finally {
      this.progress.delete(jobId);
    }
    this.storageRetries.delete(jobId);
    await this.jobs
      .deleteUnfinished(jobId)
      .catch((error: unknown) => this.logger.warn({ err: error, jobId }, 'could not drop the unfinished entry'));
    this.finished.emit(jobId);
    this.notify(job);
  }

  /** Whether this process may run the job: it holds it, or its holder is gone (then it takes it). */
  private async holds(jobId: string): Promise<boolean> {
    const entry = await this.jobs.getUnfinished(jobId);
    if (!entry || entry.holder === this.workers.instance) return true;
    if (entry.holder && (await this.workers.isAlive(entry.holder))) {
      this.logger.log({ jobId, holder: entry.holder }, 'job held by another live worker; not running it');
      return false;
    }
    await this.jobs.saveUnfinished({ ...entry, holder: this.workers.instance, claimed_at: new Date().toISOString() });
    return true;
  }

  /** A store fault is nobody's input error: the job waits and runs again (backoff up to 15 s). */
  private retryLater(jobId: string, error: unknown): RetryLaterError | unknown {
    if (!isStorageFault(error) || this.destroying) return error;
    const retries = (this.storageRetries.get(jobId) ?? 0) + 1;
    this.storageRetries.set(jobId, retries);
    const delayMs = Math.min(STORAGE_RETRY_MAX_MS, STORAGE_RETRY_BASE_MS * 2 ** (retries - 1));
    this.logger.warn({ jobId, retries, delayMs, err: error }, 'the store refused a job write; retrying the job');
    return new RetryLaterError('the store refused a write', delayMs);
  }

  /**
   * At start: builds the unfinished index once for a store written before it existed, then
   * resumes what nobody alive holds.
   */
  private async recover(): Promise<void> {
    if (!this.queue.shared) await this.workers.start();
    if (!(await this.jobs.isUnfinishedIndexBuilt())) {
      let indexed = 0;
      for await (const id of this.jobs.jobIds()) {
        if (!TranscriptionJobRepository.isId(id)) continue;
        const job = await this.jobs.getJob(id);
        if (!job || (job.status !== 'queued' && job.status !== 'in_progress')) continue;
        await this.jobs.saveUnfinished({
          transcription_id: id,
          created_at: job.created_at,
          holder: '',
          claimed_at: '',
        });
        indexed += 1;
      }
      await this.jobs.markUnfinishedIndexBuilt();
      this.logger.log({ indexed }, 'built the index of unfinished transcription jobs');
    }
    await this.sweep();
  }

  private sweepOnce(): Promise<void> {
    if (this.destroying) return Promise.resolve();
    this.sweeping ??= this.sweep()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'scan of unfinished transcription jobs failed'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /**
   * One scan of the unfinished index: jobs nobody alive holds are failed with a reason or taken
   * and queued, interrupted ones first and each back to `queued` until it runs again.
   */
  private async sweep(): Promise<void> {
    if (this.queue.shared) {
      // Redis holds the queue; this only catches what never reached it or fell out of it.
      if (Date.now() - this.lastRequeue < SHARED_REQUEUE_MS) return;
      this.lastRequeue = Date.now();
      return this.requeueUnfinished();
    }
    const candidates: { entry: UnfinishedEntry; job: TranscriptionJob }[] = [];
    const alive = new Map<string, boolean>();
    const holderAlive = async (holder: string) => {
      if (!alive.has(holder)) alive.set(holder, await this.workers.isAlive(holder));
      return alive.get(holder) as boolean;
    };
    for await (const id of this.jobs.unfinishedIds()) {
      if (this.destroying) return;
      if (!TranscriptionJobRepository.isId(id) || this.queue.has(id)) continue;
      const entry = await this.jobs.getUnfinished(id);
      if (!entry) continue;
      if (entry.holder && entry.holder !== this.workers.instance && (await holderAlive(entry.holder))) continue;
      const job = await this.jobs.getJob(id);
      if (!job) {
        if (Date.now() - Date.parse(entry.created_at) > ORPHAN_ENTRY_MS) await this.jobs.deleteUnfinished(id);
        continue;
      }
      if (job.status !== 'queued' && job.status !== 'in_progress') {
        await this.jobs.deleteUnfinished(id);
        continue;
      }
      candidates.push({ entry, job });
    }
    // Interrupted jobs first (in the order they started), then waiting ones in the order they came.
    const rank = (job: TranscriptionJob) => (job.status === 'in_progress' ? 0 : 1);
    candidates.sort(
      (a, b) =>
        rank(a.job) - rank(b.job) ||
        (a.job.started_at ?? a.job.created_at).localeCompare(b.job.started_at ?? b.job.created_at),
    );
    let resumed = 0;
    let failed = 0;
    for (const { entry, job } of candidates) {
      if (this.destroying) return;
      const reason = await this.unresumable(job);
      const now = new Date().toISOString();
      const lastRun = job.runs?.at(-1);
      if (job.status === 'in_progress' && lastRun && !lastRun.outcome) {
        lastRun.outcome = 'interrupted';
        lastRun.finished_at = now;
      }
      if (reason) {
        await this.giveUp(job, reason);
        failed += 1;
        continue;
      }
      await this.jobs.saveUnfinished({ ...entry, holder: this.workers.instance, claimed_at: now });
      if (job.status === 'in_progress') {
        job.status = 'queued';
        job.progress = 0;
        await this.jobs.saveJob(job);
      }
      await this.queue.enqueue(job.transcription_id, { resumed: true });
      resumed += 1;
    }
    if (resumed || failed) this.logger.log({ resumed, failed }, 'took over unfinished transcription jobs');
  }

  /**
   * With a shared queue: every unfinished job goes (back) to it. Adding a job the queue already
   * has is a no-op, so replicas doing this at once never duplicate work; it catches records whose
   * submit died between the store and the queue.
   */
  private async requeueUnfinished(): Promise<void> {
    let requeued = 0;
    for await (const id of this.jobs.unfinishedIds()) {
      if (this.destroying) return;
      if (!TranscriptionJobRepository.isId(id)) continue;
      const job = await this.jobs.getJob(id);
      if (!job) {
        const entry = await this.jobs.getUnfinished(id);
        if (entry && Date.now() - Date.parse(entry.created_at) > ORPHAN_ENTRY_MS) await this.jobs.deleteUnfinished(id);
        continue;
      }
      if (job.status !== 'queued' && job.status !== 'in_progress') {
        await this.jobs.deleteUnfinished(id);
        continue;
      }
      await this.queue.enqueue(id, { resumed: job.status === 'in_progress' });
      requeued += 1;
    }
    if (requeued) this.logger.debug({ requeued }, 'unfinished transcription jobs handed to the shared queue');
  }

  private async giveUp(job: TranscriptionJob, reason: JobError): Promise<void> {
    const lastRun = job.runs?.at(-1);
    if (lastRun && !lastRun.outcome)
      Object.assign(lastRun, { outcome: 'interrupted', finished_at: new Date().toISOString() });
    Object.assign(job, { status: 'failed', error: reason, finished_at: new Date().toISOString() });
    await this.jobs.saveJob(job);
    await this.jobs.deleteUnfinished(job.transcription_id);
    this.finished.emit(job.transcription_id);
    this.notify(job);
  }

  /** Why an unfinished job cannot be resumed, or undefined when it can. */
  private async unresumable(job: TranscriptionJob): Promise<JobError | undefined> {
    if (job.provider !== this.transcriber.name) {
      return {
        code: 'INTERRUPTED',
        message: `The service restarted with provider ${this.transcriber.name}, not ${job.provider}`,
      };
    }
    // A poison job (its worker died under it each time: a crashing engine, an OOM kill): failed, not looped.
    const limit = this.queueSettings.maxInterruptions;
    const runs = job.runs ?? [];
    const interruptions = job.runs
      ? runs.filter((run) => run.outcome === 'interrupted' || !run.outcome).length
      : job.attempts; // records from before runs were kept
    if (interruptions >= limit) {
      return {
        code: ErrorCode.REPEATEDLY_INTERRUPTED,
        message: `The worker running this job stopped ${interruptions} times (killed, crashed or restarted); it is not retried`,
        details: { attempts: job.attempts, max_interruptions: limit, runs },
      };
    }
    const mediaExists = await this.media.get(job.media_id, job.owner).then(
      () => true,
      (error: unknown) => {
        if (error instanceof AppException && error.code === ErrorCode.MEDIA_NOT_FOUND) return false;
        throw error; // a store fault: the next scan tries again
      },
    );
    if (!mediaExists) return { code: 'MEDIA_NOT_FOUND', message: `The audio (media ${job.media_id}) was deleted` };
    return undefined;
  }

  /** Results are cached per owner unless CACHE_SCOPE=global (see CallerContext.cacheNamespace). */
  private resultCacheKey(job: TranscriptionJob): string {
    const variant = this.transcriber.resultVariant?.() ?? '';
    return this.callers.cacheNamespace(job.owner) + cacheKey(job.sha256, job.provider, job.options, variant);
  }

  private notify(job: TranscriptionJob): void {
    const payload = toView(job);
    const targets = [this.config.orchestratorUrl, job.callback_url].filter((url): url is string => Boolean(url));
    for (const url of new Set(targets)) {
      void this.callbacks.notify(url, payload, {
        jobId: job.transcription_id,
        idempotencyKey: `transcription:${job.transcription_id}:${job.status}`,
      });
    }
  }
}

function traceOfSubmission(): Pick<TranscriptionJob, 'traceparent'> {
  const traceparent = currentTraceparent();
  return traceparent ? { traceparent } : {};
}

function isStorageFault(error: unknown): boolean {
  return error instanceof AppException && error.code === ErrorCode.STORAGE_UNAVAILABLE;
}

function toJobError(error: unknown): JobError {
  if (error instanceof TranscriptionError)
    return { code: JOB_ERROR_CODES[error.code] ?? error.code, message: error.message };
  if (error instanceof AppException) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: 'The transcription failed unexpectedly' };
}

/** The API's view of a job: the spec's response when completed, error when failed. */
export function toView(job: TranscriptionJob): TranscriptionJobDto {
  const view: TranscriptionJobDto = {
    transcription_id: job.transcription_id,
    status: job.status,
    progress: job.progress,
    created_at: job.created_at,
    media_id: job.media_id,
    filename: job.filename,
    provider: job.provider,
  };
  if (job.batch_id) view.batch_id = job.batch_id;
  if (job.cached) view.cached = true;
  if (job.status === 'completed' && job.result) {
    const { transcript, confidence, speakers, words, language_code, duration, warnings } = job.result;
    Object.assign(view, { transcript, confidence });
    if (speakers) view.speakers = speakers;
    Object.assign(view, { words, language_code, duration, processing_time: job.processing_time ?? 0 });
    if (warnings?.length) view.warnings = warnings;
  }
  if (job.status === 'failed' && job.error) view.error = job.error;
  return view;
}
