import { Logger } from '@nestjs/common';
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import IORedis, { RedisOptions } from 'ioredis';
import { EnqueueOptions, JobHandler, JobQueue, QueueStats, RetryLaterError } from '../transcription/jobs/job-queue';
import { TranscriptionError } from '../transcription/providers/transcriber.port';

export interface BullMqQueueOptions {
  /** Queue name in Redis (one per kind of job). */
  name: string;
  redisUrl: string;
  /** Jobs this process runs at once (ignored when it does not consume). */
  concurrency: number;
  timeoutMs: number;
  /** Whether this process runs jobs (role `all` or `worker`) or only enqueues (`api`). */
  consume: boolean;
  /** Starts of one job before it is given up: retries after RetryLaterError, takeovers after a worker died. */
  attempts?: number;
  backoffMs?: number;
  /** A worker that stops renewing its lock this long (kill -9) loses the job to another. */
  lockMs?: number;
  /** At close: how long running jobs may take to finish before they are aborted and handed back. */
  drainMs?: number;
  /**
   * Lock expiries (dead workers) BullMQ tolerates before it fails a job by itself. Set it to the
   * handler's own limit so the handler sees the job once more and records why it gives up.
   */
  maxStalls?: number;
}

const DEFAULTS = { attempts: 5, backoffMs: 2_000, lockMs: 10_000, drainMs: 10_000 };

/**
 * The JobQueue port on BullMQ: every replica adds to and takes from one Redis queue, so a job
 * runs on whichever worker is free, and a job whose worker died (its lock expired) goes back to
 * the queue and is taken by another through BullMQ's stalled-job check. Job ids are the record
 * ids, so adding a job already waiting or running is a no-op.
 */
export class BullMqJobQueue implements JobQueue {
  readonly shared = true;
  private readonly logger = new Logger(BullMqJobQueue.name);
  private readonly options: Required<BullMqQueueOptions>;
  private readonly connection: IORedis;
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly running = new Map<string, AbortController>();
  private closed = false;

  constructor(options: BullMqQueueOptions) {
    this.options = { ...DEFAULTS, ...definedOnly(options) } as Required<BullMqQueueOptions>;
    // Fail fast while Redis is away (503 at submit) instead of queueing commands in memory.
    this.connection = new IORedis(options.redisUrl, redisOptions({ enableOfflineQueue: false }));
    this.connection.on('error', (error) => this.logger.debug({ err: error }, 'redis connection error'));
    this.queue = new Queue(options.name, { connection: this.connection });
    this.queue.on('error', (error) => this.logger.debug({ err: error }, 'queue error'));
  }

  process(handler: JobHandler): void {
    if (!this.options.consume || this.worker) return;
    const { name, concurrency, lockMs } = this.options;
    this.worker = new Worker(name, (job, token) => this.runOne(handler, job, token), {
      // Workers block on Redis: their own connection, which must retry forever.
      connection: new IORedis(this.options.redisUrl, redisOptions({ maxRetriesPerRequest: null })),
      concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(1_000, Math.floor(lockMs / 2)),
      maxStalledCount: this.options.maxStalls ?? Math.max(1, this.options.attempts - 1),
      autorun: true,
    });
    this.worker.on('error', (error) => this.logger.debug({ err: error }, 'worker error'));
    this.worker.on('stalled', (jobId) => this.logger.warn({ jobId }, 'job stalled: its worker stopped; requeued'));
  }

  async enqueue(jobId: string, options: EnqueueOptions = {}): Promise<void> {
    if (this.closed) return;
    await this.queue.add(
      'run',
      {},
      {
        jobId,
        delay: options.delayMs,
        // Lower runs first; jobs without a priority run before prioritised ones in BullMQ.
        lifo: options.resumed ?? false,
        attempts: this.options.attempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        // Gone once ended either way: the store keeps the record, and a job that ran out of
        // attempts while the store was down can be added again by the scan of unfinished jobs.
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  has(jobId: string): boolean {
    return this.running.has(jobId);
  }

  stats(): QueueStats {
    return { queued: 0, running: this.running.size, concurrency: this.options.consume ? this.options.concurrency : 0 };
  }

  /** Counts per state in Redis (for readiness and metrics). */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
  }

  /** Resolves when Redis answers a PING within `timeoutMs`. */
  async ping(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.connection.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * Stops taking jobs and lets the running ones finish for up to `drainMs`; what still runs then
   * is aborted, and its handler hands it back (RetryLaterError) for another worker.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker) {
      const closing = worker.close().catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        closing.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.options.drainMs))),
      ]);
      clearTimeout(timer);
      if (!drained) {
        for (const controller of this.running.values()) {
          controller.abort(new TranscriptionError('EABORT', 'The service is shutting down'));
        }
        await closing;
      }
      await worker.disconnect().catch(() => undefined);
    }
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }

  private async runOne(handler: JobHandler, job: Job, _token?: string): Promise<void> {
    const jobId = job.id as string;
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new TranscriptionError('ETIMEDOUT', `The job ran longer than ${this.options.timeoutMs / 1000} s`),
        ),
      this.options.timeoutMs,
    );
    this.running.set(jobId, controller);
    try {
      await handler(jobId, controller.signal);
    } catch (error) {
      // RetryLaterError: BullMQ retries after its backoff; anything else the handler did not
      // record is not worth repeating.
      if (error instanceof RetryLaterError) throw error;
      throw new UnrecoverableError((error as Error)?.message ?? 'the job failed');
    } finally {
      clearTimeout(timer);
      this.running.delete(jobId);
    }
  }
}

function redisOptions(extra: RedisOptions): RedisOptions {
  return {
    lazyConnect: false,
    connectTimeout: 2_000,
    // Reconnect forever, at most every 2 s: the service recovers by itself when Redis is back.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
