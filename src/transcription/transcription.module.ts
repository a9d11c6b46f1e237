import type { S3Client } from '@aws-sdk/client-s3';
import type { TranscribeClient } from '@aws-sdk/client-transcribe';
import { Module } from '@nestjs/common';
import { S3_CLIENT, TRANSCRIBE_CLIENT } from '../aws/aws.tokens';
import {
  appConfig,
  AppConfig,
  awsConfig,
  AwsConfig,
  queueConfig,
  QueueConfig,
  storageConfig,
  StorageConfig,
  transcriptionConfig,
  TranscriptionConfig,
} from '../config/configuration';
import { BullMqJobQueue } from '../queue/bullmq-job-queue';
import { MediaModule } from '../media/media.module';
import { MediaService } from '../media/media.service';
import { StorageModule } from '../storage/storage.module';
import { CallbackNotifier } from './callbacks/callback.notifier';
import { InProcessJobQueue, JOB_QUEUE } from './jobs/job-queue';
import { TranscriptionJobRepository } from './jobs/transcription-job.repository';
import { AwsTranscriber } from './providers/aws.transcriber';
import { LocalPocketsphinxTranscriber } from './providers/local-pocketsphinx.transcriber';
import { TRANSCRIBER, Transcriber } from './providers/transcriber.port';
import { TranscriptionRequests } from './transcription-requests.service';
import { TranscriptionController } from './transcription.controller';
import { TranscriptionService } from './transcription.service';

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
    {
      provide: JOB_QUEUE,
      inject: [transcriptionConfig.KEY, queueConfig.KEY, appConfig.KEY],
      useFactory: (config: TranscriptionConfig, queue: QueueConfig, app: AppConfig) => {
        const settings = { concurrency: config.concurrency, timeoutMs: config.jobTimeoutSeconds * 1000 };
        if (!queue.redisUrl) return new InProcessJobQueue(settings);
        return new BullMqJobQueue({
          name: 'transcription',
          redisUrl: queue.redisUrl,
          consume: queue.role !== 'api',
          drainMs: app.shutdownGraceMs,
          ...settings,
        });
      },
    },
    CallbackNotifier,
    TranscriptionJobRepository,
    TranscriptionService,
    TranscriptionRequests,
  ],
  exports: [TranscriptionService],
})
export class TranscriptionModule {}
