import type { S3Client } from '@aws-sdk/client-s3';
import type { TranscribeClient } from '@aws-sdk/client-transcribe';
import { Module } from '@nestjs/common';
import { S3_CLIENT, TRANSCRIBE_CLIENT } from '../aws/aws.tokens';
import {
  awsConfig,
  AwsConfig,
  storageConfig,
  StorageConfig,
  transcriptionConfig,
  TranscriptionConfig,
} from '../config/configuration';
import { jobQueueProvider } from '../queue/job-queue.factory';
import { MediaModule } from '../media/media.module';
import { MediaService } from '../media/media.service';
import { StorageModule } from '../storage/storage.module';
import { CALLBACK_QUEUE, CallbackNotifier } from './callbacks/callback.notifier';
import { JOB_QUEUE } from './jobs/job-queue';
import { TranscriptionJobRepository } from './jobs/transcription-job.repository';
import { AwsTranscriber } from './providers/aws.transcriber';
import { LocalPocketsphinxTranscriber } from './providers/local-pocketsphinx.transcriber';
import { TRANSCRIBER, Transcriber } from './providers/transcriber.port';
import { TranscriptionRequests } from './transcription-requests.service';
import { TranscriptionController } from './transcription.controller';
import { TranscriptionService } from './transcription.service';

/** Deliveries one worker makes at once (each mostly waits on the network). */
const CALLBACK_CONCURRENCY = 8;

/** Speech to text: asynchronous jobs behind the Transcriber port (TRANSCRIBE_PROVIDER picks it). */
@Module({
  imports: [MediaModule, StorageModule],
  controllers: [TranscriptionController],
  providers: [
    {
      // Only the chosen adapter is built (Nest still runs its lifecycle hooks).
      provide: TRANSCRIBER,
      inject: [transcriptionConfig.KEY, MediaService, TRANSCRIBE_CLIENT, S3_CLIENT, storageConfig.KEY, awsConfig.KEY],
      useFactory: (
        config: TranscriptionConfig,
        media: MediaService,
        transcribe: TranscribeClient | null,
        s3: S3Client | null,
        storage: StorageConfig,
        aws: AwsConfig,
      ): Transcriber =>
        config.provider === 'aws'
          ? new AwsTranscriber(transcribe, s3, config, storage, aws)
          : new LocalPocketsphinxTranscriber(config, media),
    },
    jobQueueProvider({
      provide: JOB_QUEUE,
      config: transcriptionConfig,
      settings: (config) => ({
        name: 'transcription',
        concurrency: config.concurrency,
        timeoutMs: config.jobTimeoutSeconds * 1000,
      }),
    }),
    // With Redis, deliveries are queued jobs any worker makes; without, they run in-process.
    jobQueueProvider({
      provide: CALLBACK_QUEUE,
      config: transcriptionConfig,
      sharedOnly: true,
      settings: (config) => ({
        name: 'callbacks',
        concurrency: CALLBACK_CONCURRENCY,
        timeoutMs: config.callback.timeoutMs + 5_000,
        // The handler gives up after CALLBACK_MAX_ATTEMPTS; BullMQ's own bound is a backstop.
        attempts: config.callback.maxAttempts + 2,
        backoffMs: config.callback.retryBaseMs,
      }),
    }),
    CallbackNotifier,
    TranscriptionJobRepository,
    TranscriptionService,
    TranscriptionRequests,
  ],
  exports: [TranscriptionService],
})
export class TranscriptionModule {}
