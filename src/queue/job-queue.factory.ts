import type { QueueConfig } from '../config/configuration';
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
