/**
 * A background chore run every `everyMs`: its timer never keeps the process alive, and a failed
 * run goes to `onError` (by default dropped: the next run tries again) instead of escaping as an
 * unhandled rejection.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.run().catch(this.onError), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
