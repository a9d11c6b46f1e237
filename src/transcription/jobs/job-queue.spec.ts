import { InProcessJobQueue } from './job-queue';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A handler that runs until its signal aborts (checking it first, as real handlers do). */
function untilAborted(reasons: unknown[]) {
  return (_id: string, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const stop = () => {
        reasons.push(signal.reason);
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop);
    });
}

describe('InProcessJobQueue', () => {
  it('runs at most `concurrency` jobs at once, in order, once each', async () => {
    const queue = new InProcessJobQueue({ concurrency: 2, timeoutMs: 5_000 });
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    queue.process(async (id) => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(id);
      await tick(20);
      running -= 1;
    });
    for (const id of ['a', 'b', 'c', 'd', 'a']) queue.enqueue(id);
    expect(queue.stats()).toEqual({ queued: 2, running: 2, concurrency: 2 });
    await tick(100);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(peak).toBe(2);
    await queue.close();
  });

  it('aborts a job past its timeout with ETIMEDOUT, and running jobs on close', async () => {
    const queue = new InProcessJobQueue({ concurrency: 1, timeoutMs: 30 });
    const reasons: unknown[] = [];
    queue.process(untilAborted(reasons));
    queue.enqueue('slow');
    await tick(80);
    expect(reasons[0]).toMatchObject({ code: 'ETIMEDOUT' });

    const closing = new InProcessJobQueue({ concurrency: 1, timeoutMs: 60_000 });
    closing.process(untilAborted(reasons));
    closing.enqueue('x');
    closing.enqueue('y');
    await closing.close();
    expect(reasons[1]).toMatchObject({ code: 'EABORT' });
    expect(closing.stats()).toEqual({ queued: 0, running: 0, concurrency: 1 });
    closing.enqueue('z');
    expect(closing.stats().queued).toBe(0);
    await queue.close();
  });
});
