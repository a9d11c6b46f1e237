import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ConflictException,
  DeleteTranscriptionJobCommand,
  GetTranscriptionJobCommand,
  LanguageCode,
  MediaFormat,
  StartTranscriptionJobCommand,
  StartTranscriptionJobCommandInput,
  TranscribeClient,
  TranscriptionJob,
} from '@aws-sdk/client-transcribe';
import { HttpStatus, Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3_CLIENT, TRANSCRIBE_CLIENT } from '../../aws/aws.tokens';
import { isAwsCallTimeout } from '../../aws/call-deadline';
import { isNetworkFailure } from '../../aws/network-failure';
import { PacedQueue } from '../../aws/paced-queue';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import {
  awsConfig,
  AwsConfig,
  storageConfig,
  StorageConfig,
  transcriptionConfig,
  TranscriptionConfig,
} from '../../config/configuration';
import type { MediaFormat as OurFormat, MediaRecord } from '../../media/media-record';
import type { TranscriptionOptions, TranscriptResult } from '../transcription.types';
import { AwsTranscriptFile, mapAwsTranscript } from './aws-transcript.mapper';
import { TranscribeRequest, Transcriber, TranscriberReadiness, TranscriptionError } from './transcriber.port';

/** Polls slow down from TRANSCRIBE_POLL_INTERVAL_MS to this (and errors back off to it). */
const MAX_POLL_INTERVAL_MS = 30_000;
/** StartTranscriptionJob is tried this often when throttled (LimitExceeded, 5xx) before the job fails. */
const START_ATTEMPTS = 5;

/** Errors worth trying again besides the network's: throttling (30 TPS GetTranscriptionJob per account), outages. */
const TRANSIENT_ERRORS = new Set([
  'ThrottlingException',
  'LimitExceededException',
  'TooManyRequestsException',
  'InternalFailureException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Transcribe's error names as the job's error code: the caller's mistake, a limit, an outage. */
const ERROR_CODES: Record<string, string> = {
  BadRequestException: 'PROVIDER_BAD_REQUEST',
  LimitExceededException: 'PROVIDER_LIMIT_EXCEEDED',
  ThrottlingException: 'PROVIDER_LIMIT_EXCEEDED',
  InternalFailureException: 'PROVIDER_UNAVAILABLE',
};

/** DeleteTranscriptionJob is limited to 5 TPS per account: 4 a second from one replica at most. */
const CLEANUP_INTERVAL_MS = 250;

/** Transcribe's largest input file. */
export const TRANSCRIBE_MAX_BYTES = 2 * 1024 ** 3;
/** Language identification is reliable from about this much speech on (AWS documentation). */
const IDENTIFICATION_MIN_SECONDS = 30;
/** Transcribe's LanguageCode: a closed, case-sensitive set, as the installed SDK lists it. */
const LANGUAGE_CODES: ReadonlySet<string> = new Set(Object.values(LanguageCode));

const MEDIA_FORMAT: Partial<Record<OurFormat, MediaFormat>> = {
  mp3: 'mp3',
  wav: 'wav',
  flac: 'flac',
  ogg: 'ogg',
  webm: 'webm',
  m4a: 'mp4',
};

/**
 * TRANSCRIBE_PROVIDER=aws: StartTranscriptionJob on the stored S3 object (named after our job,
 * so a restarted service finds and follows the same AWS job), GetTranscriptionJob until it
 * settles, then the transcript JSON read from the same bucket.
 */
@Injectable()
export class AwsTranscriber implements Transcriber, OnModuleDestroy {
  readonly name = 'aws' as const;
  readonly languages = ['*'] as const;
  readonly identifiesLanguage = true;
  private readonly logger = new Logger(AwsTranscriber.name);
  /** Shutdown stops following even after a job's own signal fired for TRANSCRIBE_JOB_TIMEOUT. */
  private readonly shutdown = new AbortController();
  /** Deletes Transcribe's transcript object and the finished AWS job once the result is ours. */
  private readonly cleanup = new PacedQueue(CLEANUP_INTERVAL_MS);

  constructor(
    @Optional() @Inject(TRANSCRIBE_CLIENT) private readonly transcribeClient: TranscribeClient | null,
    @Optional() @Inject(S3_CLIENT) private readonly s3: S3Client | null,
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    @Optional()
    @Inject(awsConfig.KEY)
    private readonly aws: Pick<AwsConfig, 's3Endpoint' | 's3EndpointIsAws'> | null = null,
  ) {}

  /** Language codes Transcribe knows (400 otherwise); what identification with a vocabulary needs. */
  checkOptions(options: TranscriptionOptions): void {
    const codes = [options.language_code, ...(options.language_options ?? [])];
    const unknown = codes.filter((code) => code !== 'auto' && !LANGUAGE_CODES.has(code));
    if (unknown.length) {
      throw AppException.badRequest(
        ErrorCode.VALIDATION_FAILED,
        `AWS Transcribe does not know the language code ${unknown.join(', ')} (codes are case-sensitive, such as en-US)`,
        { fields: { language_code: [`unknown to AWS Transcribe: ${unknown.join(', ')}`] } },
      );
    }
    if (options.language_options && options.language_code !== 'auto') {
      throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, 'language_options go with language_code auto', {
        fields: { language_options: ['only with language_code auto'] },
      });
    }
    if (options.language_code === 'auto' && options.vocabulary_name && !options.language_options) {
      throw AppException.badRequest(
        ErrorCode.VALIDATION_FAILED,
        'A vocabulary with language_code auto needs language_options: the 2-5 languages the audio may be in',
        { fields: { language_options: ['required with vocabulary_name and language_code auto'] } },
      );
    }
  }

  /** What Transcribe would accept now and fail after a 202: size, codec in Ogg/WebM, channels. */
  checkMedia(media: MediaRecord): void {
    if (media.size > TRANSCRIBE_MAX_BYTES) {
      throw new AppException(
        ErrorCode.FILE_TOO_LARGE,
        `The audio is ${media.size} bytes; AWS Transcribe takes at most 2 GB`,
        HttpStatus.PAYLOAD_TOO_LARGE,
        { size: media.size, max_size: TRANSCRIBE_MAX_BYTES },
      );
    }
    const refuse = (reason: string) =>
      new AppException(
        ErrorCode.INVALID_FILE_FORMAT,
        `AWS Transcribe cannot read this audio: ${reason}`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        {
          received_format: media.format,
          codec: media.codec ?? null,
          channels: media.channels ?? null,
          reason,
        },
      );
    if ((media.format === 'ogg' || media.format === 'webm') && !/opus/i.test(media.codec ?? '')) {
      throw refuse(`in ${media.format} it reads only Opus, and this file is ${media.codec ?? 'of an unknown codec'}`);
    }
    if ((media.channels ?? 0) > 2) throw refuse(`it takes one or two channels, and this file has ${media.channels}`);
  }

  onModuleDestroy(): void {
    this.shutdown.abort(new TranscriptionError('EABORT', 'The service is shutting down'));
    this.cleanup.close();
  }

  readiness(): Promise<TranscriberReadiness> {
    const unusable = (reason: string) =>
      Promise.resolve({ ready: false, provider: 'aws', reason: `AWS Transcribe is not usable: ${reason}` });
    if (this.storage.driver !== 's3') {
      return unusable('TRANSCRIBE_PROVIDER=aws reads the audio from S3: set STORAGE_DRIVER=s3');
    }
    const endpoint = this.aws?.s3Endpoint;
    if (endpoint && !this.aws?.s3EndpointIsAws && !/\.amazonaws\.com(\.cn)?$/i.test(new URL(endpoint).hostname)) {
      return unusable(
        `Transcribe reads the audio from AWS S3 only, and S3_ENDPOINT points at ${new URL(endpoint).host} ` +
          '(set S3_ENDPOINT_IS_AWS=true if that host is a proxy in front of the AWS bucket)',
      );
    }
    if (!this.transcribeClient || !this.s3) return unusable('no Transcribe/S3 client configured');
    return Promise.resolve({ ready: true, provider: 'aws', bucket: this.storage.bucket });
  }

  /** Full S3 key of a store key (the store adds S3_PREFIX). */
  private objectKey(storeKey: string): string {
    return `${this.storage.prefix}${storeKey}`;
  }

  outputKey(jobId: string): string {
    return this.objectKey(`${this.config.outputPrefix}${jobId}.json`);
  }

  async transcribe(request: TranscribeRequest): Promise<TranscriptResult> {
    const client = this.transcribeClient;
    if (!client || !this.s3 || this.storage.driver !== 's3') {
      throw new TranscriptionError('ENGINE_UNAVAILABLE', 'TRANSCRIBE_PROVIDER=aws needs STORAGE_DRIVER=s3');
    }
    const { media, options, jobId, signal } = request;
    const mediaFormat = MEDIA_FORMAT[media.format];
    if (!mediaFormat) throw new TranscriptionError('INVALID_FILE_FORMAT', `Transcribe does not take ${media.format}`);
    const input: StartTranscriptionJobCommandInput = {
      TranscriptionJobName: jobId,
      Media: { MediaFileUri: `s3://${this.storage.bucket}/${this.objectKey(media.storage_key)}` },
      MediaFormat: mediaFormat,
      OutputBucketName: this.storage.bucket,
      OutputKey: this.outputKey(jobId),
      // Otherwise Transcribe writes the transcript with SSE-S3, not the configured key.
      ...(this.storage.serverSideEncryption === 'aws:kms' && this.storage.kmsKeyId
        ? { OutputEncryptionKMSKeyId: this.storage.kmsKeyId }
        : {}),
      ...(options.language_code === 'auto'
        ? { IdentifyLanguage: true }
        : { LanguageCode: options.language_code as LanguageCode }),
    };
    const identify = options.language_code === 'auto';
    const languageOptions = (options.language_options ?? []) as LanguageCode[];
    if (identify && languageOptions.length) input.LanguageOptions = languageOptions;
    const settings: NonNullable<StartTranscriptionJobCommandInput['Settings']> = {};
    if (options.speaker_count) {
      settings.ShowSpeakerLabels = true;
      settings.MaxSpeakerLabels = options.speaker_count;
    }
    if (options.vocabulary_name && identify) {
      // With identification a vocabulary goes per language option, not in Settings.
      input.LanguageIdSettings = Object.fromEntries(
        languageOptions.map((code) => [code, { VocabularyName: options.vocabulary_name }]),
      );
    } else if (options.vocabulary_name) {
      settings.VocabularyName = options.vocabulary_name;
    }
    if (Object.keys(settings).length) input.Settings = settings;

    // TRANSCRIBE_JOB_TIMEOUT does not stop an AWS job (there is no stop call, and a resubmit
    // bills twice): past it the job is still followed until AWS says it completed or failed.
    const follow = this.followSignal(signal, jobId);
    await this.start(client, input, follow);
    request.onProgress?.(5);

    let job: TranscriptionJob;
    let file: AwsTranscriptFile;
    try {
      job = await this.follow(client, jobId, follow, request.onProgress);
      file = await this.readTranscript(jobId, follow);
    } catch (error) {
      // AWS failed the job, or its transcript cannot be read: nothing more to follow.
      if (!follow.aborted) this.forget(client, jobId);
      throw error;
    }
    // The result goes into our job record: the text need not stay at AWS (jobs stay 90 days).
    this.forget(client, jobId);
    const result = mapAwsTranscript(file, {
      languageCode: job.LanguageCode ?? (options.language_code === 'auto' ? 'und' : options.language_code),
      duration: media.duration ?? null,
    });
    if (identify && !languageOptions.length && (media.duration ?? 0) < IDENTIFICATION_MIN_SECONDS) {
      result.warnings = [
        ...(result.warnings ?? []),
        `Language identification needs about ${IDENTIFICATION_MIN_SECONDS} s of speech to be reliable; ` +
          'give language_options (2-5 languages) for short audio',
      ];
    }
    return result;
  }

  /** Deletes the transcript object and the AWS job, in the background and paced. */
  private forget(client: TranscribeClient, jobId: string): void {
    const s3 = this.s3 as S3Client;
    this.cleanup.push({
      name: `delete AWS transcription job ${jobId}`,
      run: async () => {
        await s3.send(new DeleteObjectCommand({ Bucket: this.storage.bucket, Key: this.outputKey(jobId) }));
        try {
          await client.send(new DeleteTranscriptionJobCommand({ TranscriptionJobName: jobId }));
        } catch (error) {
          // Already gone (deleted by another replica, or never started).
          if ((error as Error)?.name !== 'BadRequestException') throw error;
        }
      },
      retryable: isTransient,
    });
  }

  /** Aborts on shutdown or when the caller stops the job for any reason but its timeout. */
  private followSignal(signal: AbortSignal, jobId: string): AbortSignal {
    const controller = new AbortController();
    const forward = (source: AbortSignal) => {
      const reason: unknown = source.reason;
      if (source === signal && reason instanceof TranscriptionError && reason.code === 'ETIMEDOUT') {
        this.logger.warn({ jobId }, 'TRANSCRIBE_JOB_TIMEOUT passed while AWS still runs the job: still following it');
        return;
      }
      if (!controller.signal.aborted) controller.abort(reason);
    };
    for (const source of [signal, this.shutdown.signal]) {
      if (source.aborted) forward(source);
      else source.addEventListener('abort', () => forward(source), { once: true });
    }
    return controller.signal;
  }

  private async start(
    client: TranscribeClient,
    input: StartTranscriptionJobCommandInput,
    signal: AbortSignal,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.send(new StartTranscriptionJobCommand(input), { abortSignal: signal });
        return;
      } catch (error) {
        // Started before a restart: follow the job that exists.
        if (error instanceof ConflictException) {
          this.logger.log({ jobId: input.TranscriptionJobName }, 'AWS job already exists: following it');
          return;
        }
        if (signal.aborted || !isTransient(error) || attempt >= START_ATTEMPTS) {
          throw providerError('StartTranscriptionJob', error, signal);
        }
        await this.pause(backoff(this.config.pollIntervalMs, attempt), signal);
      }
    }
  }

  private async follow(
    client: TranscribeClient,
    jobId: string,
    signal: AbortSignal,
    onProgress?: (percent: number) => void,
  ): Promise<TranscriptionJob> {
    let polls = 0;
    let failures = 0;
    for (;;) {
      let job: TranscriptionJob | undefined;
      try {
        const out = await client.send(new GetTranscriptionJobCommand({ TranscriptionJobName: jobId }), {
          abortSignal: signal,
        });
        job = out.TranscriptionJob;
        failures = 0;
      } catch (error) {
        // Throttling bursts and network blips: AWS still runs the job, keep following it.
        if (signal.aborted || !isTransient(error)) throw providerError('GetTranscriptionJob', error, signal);
        failures += 1;
        this.logger.warn({ jobId, err: error, failures }, 'GetTranscriptionJob failed; the AWS job is still followed');
        await this.pause(backoff(this.config.pollIntervalMs, failures + 1), signal);
        continue;
      }
      switch (job?.TranscriptionJobStatus) {
        case 'COMPLETED':
          return job;
        case 'FAILED':
          throw new TranscriptionError('PROVIDER_ERROR', job.FailureReason ?? 'AWS Transcribe failed the job');
        case 'IN_PROGRESS':
          onProgress?.(50);
          break;
        default:
          onProgress?.(5);
      }
      polls += 1;
      await this.pause(pollDelay(this.config.pollIntervalMs, polls), signal);
    }
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw abortReason(signal);
    }
  }

  private async readTranscript(jobId: string, signal: AbortSignal): Promise<AwsTranscriptFile> {
    try {
      const out = await (this.s3 as S3Client).send(
        new GetObjectCommand({ Bucket: this.storage.bucket, Key: this.outputKey(jobId) }),
        { abortSignal: signal },
      );
      const text = await out.Body?.transformToString('utf8');
      if (!text) throw new Error('empty transcript object');
      return JSON.parse(text) as AwsTranscriptFile;
    } catch (error) {
      throw providerError('reading the transcript from S3', error, signal);
    }
  }
}

function abortReason(signal: AbortSignal): TranscriptionError {
  const reason: unknown = signal.reason;
  return reason instanceof TranscriptionError
    ? reason
    : new TranscriptionError('EABORT', 'The transcription was stopped');
}

/** Slowly longer polls (x1.25 each, up to 30 s) with +-20% jitter so replicas do not poll in step. */
export function pollDelay(baseMs: number, polls: number): number {
  const grown = Math.min(Math.max(baseMs, MAX_POLL_INTERVAL_MS), baseMs * 1.25 ** Math.min(polls - 1, 30));
  return Math.round(grown * (0.8 + Math.random() * 0.4));
}

/** After failures: doubling waits up to 30 s, with full jitter. */
export function backoff(baseMs: number, failures: number): number {
  const cap = Math.min(Math.max(baseMs, MAX_POLL_INTERVAL_MS), baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

function isTransient(error: unknown): boolean {
  if (isAwsCallTimeout(error) || isNetworkFailure(error)) return true;
  const { name, code, $metadata, $retryable } = (error ?? {}) as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = $metadata?.httpStatusCode;
  return (
    TRANSIENT_ERRORS.has(name ?? '') ||
    TRANSIENT_ERRORS.has(code ?? '') ||
    Boolean($retryable) ||
    (status !== undefined && status >= 500)
  );
}

function providerError(what: string, error: unknown, signal: AbortSignal): TranscriptionError {
  if (signal.aborted) return abortReason(signal);
  const name = (error as Error)?.name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const code =
    ERROR_CODES[name] ??
    (isTransient(error) || (status !== undefined && status >= 500) ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_ERROR');
  return new TranscriptionError(
    code,
    `AWS Transcribe: ${what} failed: ${name}: ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );
}
