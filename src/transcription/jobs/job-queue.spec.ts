import { InProcessJobQueue, RetryLaterError } from './job-queue';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a condition (timers slip on a loaded machine: no fixed sleeps for ordering). */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await tick(5);
  }
}

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
    for (const id of ['a', 'b', 'c', 'd', 'a']) void queue.enqueue(id);
    expect(queue.stats()).toEqual({ queued: 2, running: 2, concurrency: 2 });
    await until(() => order.length === 4 && running === 0);
    await tick(20);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(peak).toBe(2);
    await queue.close();
  });

  it('aborts a job past its timeout with ETIMEDOUT, and running jobs on close', async () => {
    const queue = new InProcessJobQueue({ concurrency: 1, timeoutMs: 30 });
    const reasons: unknown[] = [];
    queue.process(untilAborted(reasons));
    void queue.enqueue('slow');
    await tick(80);
    expect(reasons[0]).toMatchObject({ code: 'ETIMEDOUT' });

    const closing = new InProcessJobQueue({ concurrency: 1, timeoutMs: 60_000 });
    closing.process(untilAborted(reasons));
    void closing.enqueue('x');
    void closing.enqueue('y');
    await closing.close();
    expect(reasons[1]).toMatchObject({ code: 'EABORT' });
    expect(closing.stats()).toEqual({ queued: 0, running: 0, concurrency: 1 });
    void closing.enqueue('z');
    expect(closing.stats().queued).toBe(0);
    await queue.close();
  });

  it('runs resumed jobs before fresh ones, and a job whose handler asks for a retry again after the delay', async () => {
    const queue = new InProcessJobQueue({ concurrency: 1, timeoutMs: 5_000 });
    const order: string[] = [];
    let refusals = 2;
    queue.process(async (id) => {
      order.push(id);
      await tick(5);
      if (id === 'flaky' && refusals-- > 0) throw new RetryLaterError('store full', 30);
    });
    void queue.enqueue('running');
    void queue.enqueue('fresh-1');
    void queue.enqueue('fresh-2');
    void queue.enqueue('resumed-1', { resumed: true });
    void queue.enqueue('resumed-2', { resumed: true });
    await until(() => order.length === 5);
    expect(order).toEqual(['running', 'resumed-1', 'resumed-2', 'fresh-1', 'fresh-2']);

    void queue.enqueue('flaky');
    await until(() => order.includes('flaky') && queue.stats().running === 0);
    expect(queue.has('flaky')).toBe(true); // scheduled again, not dropped
    expect(queue.stats().queued).toBe(1);
    await until(() => order.filter((id) => id === 'flaky').length === 3 && !queue.has('flaky'));
    await tick(100);
    expect(order.filter((id) => id === 'flaky')).toHaveLength(3);
    await queue.close();
  });
});
