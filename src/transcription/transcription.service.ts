import { HttpStatus, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { withTimeout } from '../common/async/with-timeout';
import { transcriptionConfig, TranscriptionConfig } from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import type { MediaRecord } from '../media/media-record';
import { MediaService } from '../media/media.service';
import { MEDIA_STORE, MediaStore } from '../media/storage/media-store';
import { CallbackNotifier } from './callbacks/callback.notifier';
import { TranscriptionOptionsDto } from './dto/transcription.dto';
import { JOB_QUEUE, JobQueue } from './jobs/job-queue';
import { cacheKey, TranscriptionJobStore } from './jobs/job-store';
import { ENGINE_PACKAGES } from './providers/local-pocketsphinx.transcriber';
import { TRANSCRIBER, Transcriber, TranscriptionError } from './providers/transcriber.port';
import type { BatchItem, BatchRecord, JobError, TranscriptionJob, TranscriptionOptions } from './transcription.types';

/** Times a job is started before a restart gives up on it. */
const MAX_ATTEMPTS = 3;
const RECOVERY_TIMEOUT_MS = 15_000;

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
  private readonly jobs: TranscriptionJobStore;
  /** Live progress of running jobs (persisted only at state changes). */
  private readonly progress = new Map<string, number>();
  private readonly finished = new EventEmitter();
  private destroying = false;

  constructor(
    @Inject(TRANSCRIBER) private readonly transcriber: Transcriber,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(MEDIA_STORE) store: MediaStore,
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    private readonly media: MediaService,
    private readonly callbacks: CallbackNotifier,
    readiness: ReadinessRegistry,
  ) {
    this.jobs = new TranscriptionJobStore(store);
    this.finished.setMaxListeners(0);
    readiness.register('transcription', async () => ({
      ...(await this.transcriber.readiness()),
      provider: this.transcriber.name,
      ...this.queue.stats(),
    }));
    this.queue.process((jobId, signal) => this.run(jobId, signal));
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
  }

  async onModuleDestroy(): Promise<void> {
    this.destroying = true;
    await this.queue.close();
    this.finished.removeAllListeners();
  }

  /** 503 ENGINE_UNAVAILABLE (naming what to install) when the provider cannot run. */
  async assertAvailable(): Promise<void> {
    const readiness = await this.transcriber.readiness();
    if (readiness.ready) return;
    const { ready: _ready, ...details } = readiness;
    const message =
      this.transcriber.name === 'local'
        ? `The offline speech engine is not installed: install the Debian packages ${ENGINE_PACKAGES.join(', ')}`
        : `AWS Transcribe is not usable: ${String(details.reason ?? 'not configured')}`;
    throw AppException.unavailable(ErrorCode.ENGINE_UNAVAILABLE, message, details);
  }

  /** Validates raw options (multipart fields or JSON) into TranscriptionOptions + callback URL. */
  async parseOptions(raw: Record<string, unknown>): Promise<{ options: TranscriptionOptions; callbackUrl?: string }> {
    const dto = plainToInstance(TranscriptionOptionsDto, raw);
    const errors = await validate(dto, { whitelist: true });
    if (errors.length) {
      const fields = Object.fromEntries(
        errors.map((error) => [error.property, Object.values(error.constraints ?? {})]),
      );
      throw AppException.badRequest(
        ErrorCode.VALIDATION_FAILED,
        `Validation failed for ${Object.keys(fields).join(', ')}`,
        { fields },
      );
    }
    const options: TranscriptionOptions = {
      language_code: dto.language_code ?? this.config.languageCode,
      output_format: dto.output_format ?? 'json',
      ...(dto.speaker_count ? { speaker_count: dto.speaker_count } : {}),
      ...(dto.vocabulary_name ? { vocabulary_name: dto.vocabulary_name } : {}),
    };
    this.assertLanguage(options.language_code);
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
    const now = new Date().toISOString();
    const job: TranscriptionJob = {
      transcription_id: randomUUID(),
      owner: input.owner ?? '',
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
    };
    const cached = await this.jobs.getCached(cacheKey(job.sha256, job.provider, job.options));
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
    await this.jobs.saveJob(job);
    this.queue.enqueue(job.transcription_id);
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
    const job = TranscriptionJobStore.isId(id) ? await this.jobs.getJob(id.toLowerCase()) : null;
    if (!job)
      throw AppException.notFound(ErrorCode.JOB_NOT_FOUND, `No transcription job with id ${id}`, { job_id: id });
    const live = this.progress.get(job.transcription_id);
    return live !== undefined && job.status === 'in_progress' ? { ...job, progress: live } : job;
  }

  /** The job once finished, or as it is after `seconds` (bounded by TRANSCRIBE_MAX_WAIT). */
  async waitFor(id: string, seconds: number): Promise<TranscriptionJob> {
    const ms = Math.min(Math.max(0, seconds), this.config.maxWaitSeconds) * 1000;
    const done = (job: TranscriptionJob) => job.status === 'completed' || job.status === 'failed';
    let job = await this.get(id);
    if (done(job) || ms === 0) return job;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        listeners.off(id, finish);
        resolve();
      }
      const listeners = this.finished;
      listeners.on(id, finish);
    });
    job = await this.get(id);
    return job;
  }

  async createBatch(items: BatchItem[], owner = ''): Promise<BatchRecord> {
    const batch: BatchRecord = { batch_id: randomUUID(), owner, created_at: new Date().toISOString(), items };
    await this.jobs.saveBatch(batch);
    return batch;
  }

  async getBatch(id: string): Promise<{ batch: BatchRecord; jobs: (TranscriptionJob | null)[] }> {
    const batch = TranscriptionJobStore.isId(id) ? await this.jobs.getBatch(id.toLowerCase()) : null;
    if (!batch) throw AppException.notFound(ErrorCode.BATCH_NOT_FOUND, `No batch with id ${id}`, { batch_id: id });
    const jobs = await Promise.all(
      batch.items.map((item) => (item.transcription_id ? this.get(item.transcription_id).catch(() => null) : null)),
    );
    return { batch, jobs };
  }

  /** A new batch id, handed out before the items are read (they carry it). */
  newBatchId(): string {
    return randomUUID();
  }

  async saveBatch(batch: BatchRecord): Promise<void> {
    await this.jobs.saveBatch(batch);
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
    const job = await this.jobs.getJob(jobId);
    if (!job || (job.status !== 'queued' && job.status !== 'in_progress')) return;
    const started = Date.now();
    job.status = 'in_progress';
    job.started_at = new Date(started).toISOString();
    job.attempts += 1;
    await this.jobs.saveJob(job);
    this.progress.set(jobId, 0);
    try {
      const media = await this.media.get(job.media_id).catch((error: unknown) => {
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
        onProgress: (percent) => this.progress.set(jobId, percent),
      });
      Object.assign(job, {
        status: 'completed',
        progress: 100,
        finished_at: new Date().toISOString(),
        processing_time: Math.round((Date.now() - started) / 10) / 100,
        result,
      } satisfies Partial<TranscriptionJob>);
      await this.jobs.saveJob(job);
      await this.jobs
        .saveCached(cacheKey(job.sha256, job.provider, job.options), {
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
      if (this.destroying && signal.aborted) {
        // Shutting down: the record stays in_progress and the next start resumes it.
        this.logger.warn({ jobId }, 'transcription interrupted by shutdown; it resumes at the next start');
        return;
      }
      job.status = 'failed';
      job.finished_at = new Date().toISOString();
      job.processing_time = Math.round((Date.now() - started) / 10) / 100;
      job.error = toJobError(error);
      delete job.result;
      this.logger.warn({ jobId, error: job.error }, 'transcription failed');
      await this.jobs
        .saveJob(job)
        .catch((saveError: unknown) => this.logger.error({ err: saveError, jobId }, 'could not record the failure'));
    } finally {
      this.progress.delete(jobId);
    }
    this.finished.emit(jobId);
    this.notify(job);
  }

  /** After a restart: resume unfinished jobs, or fail them with a reason. */
  private async recover(): Promise<void> {
    let resumed = 0;
    let failed = 0;
    for await (const id of this.jobs.jobIds()) {
      if (!TranscriptionJobStore.isId(id)) continue;
      const job = await this.jobs.getJob(id);
      if (!job || (job.status !== 'queued' && job.status !== 'in_progress')) continue;
      let reason: JobError | undefined;
      if (job.provider !== this.transcriber.name) {
        reason = {
          code: 'INTERRUPTED',
          message: `The service restarted with provider ${this.transcriber.name}, not ${job.provider}`,
        };
      } else if (job.attempts >= MAX_ATTEMPTS) {
        reason = { code: 'INTERRUPTED', message: `The service restarted ${job.attempts} times while this job ran` };
      } else if (
        !(await this.media.get(job.media_id).then(
          () => true,
          () => false,
        ))
      ) {
        reason = { code: 'MEDIA_NOT_FOUND', message: `The audio (media ${job.media_id}) was deleted` };
      }
      if (reason) {
        Object.assign(job, { status: 'failed', error: reason, finished_at: new Date().toISOString() });
        await this.jobs.saveJob(job);
        this.notify(job);
        failed += 1;
      } else {
        this.queue.enqueue(id);
        resumed += 1;
      }
    }
    if (resumed || failed) this.logger.log({ resumed, failed }, 'unfinished transcription jobs after restart');
  }

  private notify(job: TranscriptionJob): void {
    const payload = toView(job);
    const targets = [this.config.orchestratorUrl, job.callback_url].filter((url): url is string => Boolean(url));
    for (const url of new Set(targets)) {
      void this.callbacks.notify(url, payload, { jobId: job.transcription_id });
    }
  }
}

function toJobError(error: unknown): JobError {
  if (error instanceof TranscriptionError)
    return { code: JOB_ERROR_CODES[error.code] ?? error.code, message: error.message };
  if (error instanceof AppException) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: 'The transcription failed unexpectedly' };
}

/** The API's view of a job: the spec's response when completed, error when failed. */
export function toView(job: TranscriptionJob): Record<string, unknown> {
  const view: Record<string, unknown> = {
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
