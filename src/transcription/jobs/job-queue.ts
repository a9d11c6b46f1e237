import { TranscriptionError } from '../providers/transcriber.port';

/** Injection token of the queue that runs transcription jobs. */
export const JOB_QUEUE = Symbol('TRANSCRIPTION_JOB_QUEUE');

export type JobHandler = (jobId: string, signal: AbortSignal) => Promise<void>;

export interface QueueStats {
  queued: number;
  running: number;
  concurrency: number;
}

/**
 * Where job ids wait for a worker. The in-process implementation below is enough for one
 * replica (job records live in the store, so a restart loses nothing); a shared queue (BullMQ on
 * Redis) can replace it behind this interface when several replicas must share the work.
 */
export interface JobQueue {
  /** The function that runs a job; set once, before the first enqueue. */
  process(handler: JobHandler): void;
  /** Adds a job id; a no-op if it is already waiting or running. */
  enqueue(jobId: string): void;
  stats(): QueueStats;
  /** Stops taking work, aborts running jobs (reason EABORT/shutdown) and waits for them. */
  close(): Promise<void>;
}

export interface InProcessQueueOptions {
  concurrency: number;
  /** Per job: the signal aborts with ETIMEDOUT after this long. */
  timeoutMs: number;
}

/** FIFO, at most `concurrency` handlers at once, each with its own timeout. */
export class InProcessJobQueue implements JobQueue {
  private handler?: JobHandler;
  private readonly waiting: string[] = [];
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(private readonly options: InProcessQueueOptions) {}

  process(handler: JobHandler): void {
    this.handler = handler;
    this.drain();
  }

  enqueue(jobId: string): void {
    if (this.closed || this.running.has(jobId) || this.waiting.includes(jobId)) return;
    this.waiting.push(jobId);
    this.drain();
  }

  stats(): QueueStats {
    return { queued: this.waiting.length, running: this.running.size, concurrency: this.options.concurrency };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    const running = [...this.running.values()];
    for (const job of running) job.controller.abort(new TranscriptionError('EABORT', 'The service is shutting down'));
    await Promise.allSettled(running.map((job) => job.done));
  }

  private drain(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const jobId = this.waiting.shift() as string;
      const controller = new AbortController();
      const timeoutMs = this.options.timeoutMs;
      const timer = setTimeout(
        () => controller.abort(new TranscriptionError('ETIMEDOUT', `The job ran longer than ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      timer.unref();
      const done = Promise.resolve()
        .then(() => handler(jobId, controller.signal))
        .catch(() => undefined) // the handler records its own failures
        .finally(() => {
          clearTimeout(timer);
          this.running.delete(jobId);
          this.drain();
        });
      this.running.set(jobId, { controller, done });
    }
  }
}
