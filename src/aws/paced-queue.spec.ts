import { Logger } from '@nestjs/common';
import { PacedQueue } from './paced-queue';

describe('PacedQueue', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('runs tasks one at a time, at most one per interval, and retries retryable failures', async () => {
    const queue = new PacedQueue(40, 3);
    const starts: number[] = [];
    let flaky = 0;
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < 5; i += 1) {
        queue.push({
          name: `task ${i}`,
          run: async () => {
            starts.push(Date.now());
            if (i === 0 && flaky++ < 2) throw new Error('throttled');
            if (starts.length === 7) resolve();
          },
          retryable: () => true,
        });
      }
    });
    await done;
    expect(starts).toHaveLength(7); // 5 tasks + 2 retries of the first
    for (let i = 1; i < starts.length; i += 1) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(38);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(queue.size).toBe(0);
  });

  it('drops what waits at close', async () => {
    const queue = new PacedQueue(1_000);
    let ran = 0;
    for (let i = 0; i < 3; i += 1) queue.push({ name: `t${i}`, run: async () => void (ran += 1) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toBe(1);
    expect(queue.size).toBe(0);
  });
});
