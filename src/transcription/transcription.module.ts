import { Module } from '@nestjs/common';
import {
  appConfig,
  AppConfig,
  queueConfig,
  QueueConfig,
  transcriptionConfig,
  TranscriptionConfig,
} from '../config/configuration';
import { createJobQueue } from '../queue/job-queue.factory';
import { MediaModule } from '../media/media.module';
import { CALLBACK_QUEUE, CallbackNotifier } from './callbacks/callback.notifier';
import { JOB_QUEUE } from './jobs/job-queue';
import { AwsTranscriber } from './providers/aws.transcriber';
import { LocalPocketsphinxTranscriber } from './providers/local-pocketsphinx.transcriber';
import { TRANSCRIBER, Transcriber } from './providers/transcriber.port';
import { TranscriptionController } from './transcription.controller';
import { TranscriptionService } from './transcription.service';

/** Deliveries one worker makes at once (each mostly waits on the network). */
const CALLBACK_CONCURRENCY = 8;

/** Speech to text: asynchronous jobs behind the Transcriber port (TRANSCRIBE_PROVIDER picks it). */
@Module({
  imports: [MediaModule],
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
      useFactory: (config: TranscriptionConfig, queue: QueueConfig, app: AppConfig) =>
        createJobQueue(queue, {
          name: 'transcription',
          concurrency: config.concurrency,
          timeoutMs: config.jobTimeoutSeconds * 1000,
          drainMs: app.shutdownGraceMs,
        }),
    },
    {
      // With Redis, deliveries are queued jobs any worker makes; without, they run in-process.
      provide: CALLBACK_QUEUE,
      inject: [transcriptionConfig.KEY, queueConfig.KEY, appConfig.KEY],
      useFactory: (config: TranscriptionConfig, queue: QueueConfig, app: AppConfig) =>
        queue.redisUrl
          ? createJobQueue(queue, {
              name: 'callbacks',
              concurrency: CALLBACK_CONCURRENCY,
              timeoutMs: config.callback.timeoutMs + 5_000,
              drainMs: app.shutdownGraceMs,
              // The handler gives up after CALLBACK_MAX_ATTEMPTS; BullMQ's own bound is a backstop.
              attempts: config.callback.maxAttempts + 2,
              backoffMs: config.callback.retryBaseMs,
            })
          : null,
    },
    CallbackNotifier,
    TranscriptionService,
  ],
  exports: [TranscriptionService],
})
export class TranscriptionModule {}
