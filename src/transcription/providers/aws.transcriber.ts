import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ConflictException,
  GetTranscriptionJobCommand,
  MediaFormat,
  StartTranscriptionJobCommand,
  StartTranscriptionJobCommandInput,
  TranscribeClient,
  TranscriptionJob,
} from '@aws-sdk/client-transcribe';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3_CLIENT, TRANSCRIBE_CLIENT } from '../../aws/aws.tokens';
import { storageConfig, StorageConfig, transcriptionConfig, TranscriptionConfig } from '../../config/configuration';
import type { MediaFormat as OurFormat } from '../../media/media-record';
import type { TranscriptResult } from '../transcription.types';
import { AwsTranscriptFile, mapAwsTranscript } from './aws-transcript.mapper';
import { TranscribeRequest, Transcriber, TranscriberReadiness, TranscriptionError } from './transcriber.port';

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
export class AwsTranscriber implements Transcriber {
  readonly name = 'aws' as const;
  readonly languages = ['*'] as const;
  readonly identifiesLanguage = true;
  private readonly logger = new Logger(AwsTranscriber.name);

  constructor(
    @Optional() @Inject(TRANSCRIBE_CLIENT) private readonly transcribeClient: TranscribeClient | null,
    @Optional() @Inject(S3_CLIENT) private readonly s3: S3Client | null,
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
  ) {}

  readiness(): Promise<TranscriberReadiness> {
    if (this.storage.driver !== 's3') {
      return Promise.resolve({
        ready: false,
        provider: 'aws',
        reason: 'TRANSCRIBE_PROVIDER=aws reads the audio from S3: set STORAGE_DRIVER=s3',
      });
    }
    if (!this.transcribeClient || !this.s3) {
      return Promise.resolve({ ready: false, provider: 'aws', reason: 'no Transcribe/S3 client configured' });
    }
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
      ...(options.language_code === 'auto'
        ? { IdentifyLanguage: true }
        : { LanguageCode: options.language_code as StartTranscriptionJobCommandInput['LanguageCode'] }),
    };
    const settings: NonNullable<StartTranscriptionJobCommandInput['Settings']> = {};
    if (options.speaker_count) {
      settings.ShowSpeakerLabels = true;
      settings.MaxSpeakerLabels = options.speaker_count;
    }
    if (options.vocabulary_name) settings.VocabularyName = options.vocabulary_name;
    if (Object.keys(settings).length) input.Settings = settings;

    try {
      await client.send(new StartTranscriptionJobCommand(input), { abortSignal: signal });
      request.onProgress?.(5);
    } catch (error) {
      // Started before a restart: follow the job that exists.
      if (!(error instanceof ConflictException)) throw providerError('StartTranscriptionJob', error, signal);
      this.logger.log({ jobId }, 'AWS job already exists: following it');
    }

    const job = await this.follow(client, jobId, signal, request.onProgress);
    return mapAwsTranscript(await this.readTranscript(jobId, signal), {
      languageCode: job.LanguageCode ?? (options.language_code === 'auto' ? 'und' : options.language_code),
      duration: media.duration ?? null,
    });
  }

  private async follow(
    client: TranscribeClient,
    jobId: string,
    signal: AbortSignal,
    onProgress?: (percent: number) => void,
  ): Promise<TranscriptionJob> {
    for (;;) {
      let job: TranscriptionJob | undefined;
      try {
        const out = await client.send(new GetTranscriptionJobCommand({ TranscriptionJobName: jobId }), {
          abortSignal: signal,
        });
        job = out.TranscriptionJob;
      } catch (error) {
        throw providerError('GetTranscriptionJob', error, signal);
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
      try {
        await sleep(this.config.pollIntervalMs, undefined, { signal });
      } catch {
        throw abortReason(signal);
      }
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

function providerError(what: string, error: unknown, signal: AbortSignal): TranscriptionError {
  if (signal.aborted) return abortReason(signal);
  const name = (error as Error)?.name ?? 'Error';
  return new TranscriptionError(
    'PROVIDER_ERROR',
    `AWS Transcribe: ${what} failed: ${name}: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
