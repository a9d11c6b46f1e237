import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import type { ConfigFactoryKeyHost } from '@nestjs/config';
import { appConfig, AppConfig, queueConfig, QueueConfig } from '../config/configuration';
import { InProcessJobQueue, JobQueue } from '../transcription/jobs/job-queue';
import { BullMqJobQueue } from './bullmq-job-queue';

export interface QueueSettings {
  /** Queue name in Redis (one per kind of job). */
  name: string;
  concurrency: number;
  timeoutMs: number;
  drainMs: number;
  /** Shared queue only: starts of a job before BullMQ gives it up, and the first retry's delay. */
  attempts?: number;
  backoffMs?: number;
}

/**
 * One kind of job's queue, picked by config: BullMQ on Redis when REDIS_URL is set (consumed only
 * by roles that run jobs), else in this process.
 */
export function createJobQueue(queue: QueueConfig, settings: QueueSettings): JobQueue {
  const { name, concurrency, timeoutMs, drainMs, attempts, backoffMs } = settings;
  if (!queue.redisUrl) return new InProcessJobQueue({ concurrency, timeoutMs });
  return new BullMqJobQueue({
    name,
    redisUrl: queue.redisUrl,
    consume: queue.role !== 'api',
    concurrency,
    timeoutMs,
    drainMs,
    attempts,
    backoffMs,
    lockMs: queue.lockMs,
    maxStalls: queue.maxInterruptions,
  });
}

export interface JobQueueProviderOptions<C> {
  provide: InjectionToken;
  /** The feature's config namespace, read by `settings`. */
  config: ConfigFactoryKeyHost<C>;
  /** The queue's settings but the drain time, which is the app's shutdown grace. */
  settings: (config: C) => Omit<QueueSettings, 'drainMs'>;
  /** A queue only on Redis: without REDIS_URL the provider is null and the feature works in-process. */
  sharedOnly?: boolean;
}

/** The provider of one feature's job queue, built by createJobQueue from the feature's config. */
export function jobQueueProvider<C>(options: JobQueueProviderOptions<C>): FactoryProvider<JobQueue | null> {
  return {
    provide: options.provide,
    inject: [options.config.KEY, queueConfig.KEY, appConfig.KEY],
    useFactory: (config: C, queue: QueueConfig, app: AppConfig) =>
      options.sharedOnly && !queue.redisUrl
        ? null
        : createJobQueue(queue, { ...options.settings(config), drainMs: app.shutdownGraceMs }),
  };
}
