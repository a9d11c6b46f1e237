import { TranscriptionError } from '../providers/transcriber.port';

/** Injection token of the queue that runs transcription jobs. */
export const JOB_QUEUE = Symbol('TRANSCRIPTION_JOB_QUEUE');

export type JobHandler = (jobId: string, signal: AbortSignal) => Promise<void>;

export interface EnqueueOptions {
  /** A job taken back after its worker stopped: it runs before jobs submitted since. */
  resumed?: boolean;
  /** Start no earlier than this many milliseconds from now. */
  delayMs?: number;
}

/** Thrown by a handler that could not run the job now (e.g. the store refused a write): run it again later. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

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
  /** True when the queue itself is shared by every replica (it then decides who runs what). */
  readonly shared: boolean;
  /** The function that runs a job; set once, before the first enqueue. */
  process(handler: JobHandler): void;
  /** Adds a job id; a no-op if it is already waiting or running. */
  enqueue(jobId: string, options?: EnqueueOptions): Promise<void>;
  /** Whether this process has the job waiting, scheduled or running. */
  has(jobId: string): boolean;
  stats(): QueueStats;
  /** Shared queues: resolves when the backend answers, rejects otherwise. */
  ping?(): Promise<void>;
  /** Shared queues: jobs per state across every replica. */
  counts?(): Promise<Record<string, number>>;
  /** Stops taking work, aborts running jobs (reason EABORT/shutdown) and waits for them. */
  close(): Promise<void>;
}

export interface InProcessQueueOptions {
  concurrency: number;
  /** Per job: the signal aborts with ETIMEDOUT after this long. */
  timeoutMs: number;
}

/**
 * FIFO, resumed jobs first, at most `concurrency` handlers at once, each with its own timeout;
 * a handler throwing RetryLaterError gets its job back after the delay it names.
 */
export class InProcessJobQueue implements JobQueue {
  readonly shared = false;
  private handler?: JobHandler;
  private readonly resumed: string[] = [];
  private readonly waiting: string[] = [];
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(private readonly options: InProcessQueueOptions) {}

  process(handler: JobHandler): void {
    this.handler = handler;
    this.drain();
  }

  enqueue(jobId: string, options: EnqueueOptions = {}): Promise<void> {
    if (this.closed || this.has(jobId)) return Promise.resolve();
    if (options.delayMs) {
      const timer = setTimeout(() => {
        this.scheduled.delete(jobId);
        void this.enqueue(jobId, { resumed: options.resumed });
      }, options.delayMs);
      timer.unref();
      this.scheduled.set(jobId, timer);
      return Promise.resolve();
    }
    (options.resumed ? this.resumed : this.waiting).push(jobId);
    this.drain();
    return Promise.resolve();
  }

  has(jobId: string): boolean {
    return (
      this.running.has(jobId) ||
      this.scheduled.has(jobId) ||
      this.resumed.includes(jobId) ||
      this.waiting.includes(jobId)
    );
  }

  stats(): QueueStats {
    return {
      queued: this.resumed.length + this.waiting.length + this.scheduled.size,
      running: this.running.size,
      concurrency: this.options.concurrency,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    this.resumed.length = 0;
    for (const timer of this.scheduled.values()) clearTimeout(timer);
    this.scheduled.clear();
    const running = [...this.running.values()];
    for (const job of running) job.controller.abort(new TranscriptionError('EABORT', 'The service is shutting down'));
    await Promise.allSettled(running.map((job) => job.done));
  }

  private drain(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.closed && this.running.size < this.options.concurrency) {
      const jobId = this.resumed.shift() ?? this.waiting.shift();
      if (jobId === undefined) return;
      const controller = new AbortController();
      const timeoutMs = this.options.timeoutMs;
      const timer = setTimeout(
        () => controller.abort(new TranscriptionError('ETIMEDOUT', `The job ran longer than ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      timer.unref();
      let retry: RetryLaterError | undefined;
      const done = Promise.resolve()
        .then(() => handler(jobId, controller.signal))
        .catch((error: unknown) => {
          // The handler records its own failures; it only asks for a retry.
          if (error instanceof RetryLaterError) retry = error;
        })
        .finally(() => {
          clearTimeout(timer);
          this.running.delete(jobId);
          if (retry) void this.enqueue(jobId, { resumed: true, delayMs: retry.delayMs });
          this.drain();
        });
      this.running.set(jobId, { controller, done });
    }
  }
}
