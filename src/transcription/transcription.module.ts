import { Module } from '@nestjs/common';
import {
  appConfig,
  AppConfig,
  queueConfig,
  QueueConfig,
  transcriptionConfig,
  TranscriptionConfig,
} from '../config/configuration';
import { BullMqJobQueue } from '../queue/bullmq-job-queue';
import { MediaModule } from '../media/media.module';
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
    LocalPocketsphinxTranscriber,
    AwsTranscriber,
    {
      provide: TRANSCRIBER,
      inject: [transcriptionConfig.KEY, LocalPocketsphinxTranscriber, AwsTranscriber],
      useFactory: (
        config: TranscriptionConfig,
        local: LocalPocketsphinxTranscriber,
        aws: AwsTranscriber,
      ): Transcriber => (config.provider === 'aws' ? aws : local),
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
