import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, RouterModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AttributesModule } from './attributes/attributes.module';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { OwnerThrottlerGuard } from './auth/owner-throttler.guard';
import { AwsModule } from './aws/aws.module';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { AppConfigModule } from './config/config.module';
import { appConfig, AppConfig, queueConfig, QueueConfig } from './config/configuration';
import { HealthModule } from './health/health.module';
import { ImageAnalysisModule } from './image-analysis/image-analysis.module';
import { LoggingModule } from './logging/logging.module';
import { MediaModule } from './media/media.module';
import { MetricsModule } from './metrics/metrics.module';
import { SecurityModule } from './security/security.module';
import { OpenAiModule } from './openai/openai.module';
import { ResumableModule } from './resumable/resumable.module';
import { RedisThrottlerStorage } from './queue/redis-throttler.storage';
import { TranscriptionModule } from './transcription/transcription.module';
import { TracingModule } from './tracing/tracing.module';

export const API_PREFIX = 'api/v1';

@Module({
  imports: [
    AppConfigModule,
    TracingModule,
    LoggingModule,
    ThrottlerModule.forRootAsync({
      inject: [appConfig.KEY, queueConfig.KEY],
      useFactory: (config: AppConfig, queue: QueueConfig) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, config.rateLimitPerMinute) }],
        // With several replicas the count must be shared: in Redis when there is one.
        ...(queue.redisUrl && config.rateLimitPerMinute > 0
          ? { storage: new RedisThrottlerStorage(queue.redisUrl) }
          : {}),
        // 0 turns rate limiting off (benchmarks, trusted internal callers).
        skipIf: () => config.rateLimitPerMinute === 0,
      }),
    }),
    AwsModule,
    HealthModule,
    MetricsModule,
    AuthModule,
    SecurityModule,
    MediaModule,
    TranscriptionModule,
    ImageAnalysisModule,
    AttributesModule,
    OpenAiModule,
    ResumableModule,
    // Feature routes live under /api/v1; the probes stay at /health for ECS.
    RouterModule.register([
      { path: API_PREFIX, module: MediaModule },
      { path: API_PREFIX, module: TranscriptionModule },
      { path: API_PREFIX, module: ImageAnalysisModule },
      { path: API_PREFIX, module: AttributesModule },
    ]),
  ],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    // Authentication first: the rate limiter counts per authenticated owner.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: OwnerThrottlerGuard },
  ],
})
export class AppModule {}
