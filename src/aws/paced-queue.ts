import { Logger } from '@nestjs/common';

export interface PacedTask {
  /** What the task does, for logs. */
  name: string;
  run(): Promise<void>;
  /** True for failures worth another try (throttling, outages). */
  retryable?(error: unknown): boolean;
}

/**
 * Runs background tasks one at a time, at most one every `intervalMs` (AWS calls with a low
 * per-account quota, such as DeleteTranscriptionJob at 5 TPS). A retryable failure goes back to
 * the end of the line, up to `maxAttempts`; then it is logged and dropped. Nothing waits on it.
 */
export class PacedQueue {
  private readonly logger = new Logger(PacedQueue.name);
  private readonly waiting: { task: PacedTask; attempts: number }[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly maxAttempts = 5,
  ) {}

  get size(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  push(task: PacedTask): void {
    if (this.closed) return;
    this.waiting.push({ task, attempts: 0 });
    this.schedule(0);
  }

  /** Stops; tasks still waiting are logged and dropped. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.waiting.length) {
      this.logger.warn(
        { dropped: this.waiting.map((entry) => entry.task.name) },
        'background AWS clean-up tasks dropped at shutdown',
      );
    }
    this.waiting.length = 0;
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.running || this.closed || this.waiting.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.next();
    }, delayMs);
    this.timer.unref();
  }

  private async next(): Promise<void> {
    const entry = this.waiting.shift();
    if (!entry) return;
    this.running = true;
    const started = Date.now();
    try {
      entry.attempts += 1;
      await entry.task.run();
    } catch (error) {
      if (!this.closed && entry.task.retryable?.(error) && entry.attempts < this.maxAttempts) {
        this.waiting.push(entry);
      } else {
        this.logger.warn({ err: error, task: entry.task.name, attempts: entry.attempts }, 'AWS clean-up task failed');
      }
    } finally {
      this.running = false;
    }
    this.schedule(Math.max(0, this.intervalMs - (Date.now() - started)));
  }
}
