import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAhead } from './read-ahead';

const MB = 1024 * 1024;

function source(chunks: number, options: { failAt?: number } = {}) {
  let produced = 0;
  const stream = new Readable({
    highWaterMark: 1,
    read() {
      if (options.failAt !== undefined && produced === options.failAt) {
        this.destroy(new Error('source failed'));
        return;
      }
      if (produced === chunks) {
        this.push(null);
        return;
      }
      produced += 1;
      this.push(Buffer.alloc(MB, produced));
    },
  });
  return { stream, produced: () => produced };
}

describe('readAhead', () => {
  it('reads at most about maxBytes ahead of a consumer that does not read', async () => {
    const { stream, produced } = source(20);
    const ahead = readAhead(stream, 3 * MB);
    await sleep(50);
    expect(produced()).toBeLessThanOrEqual(5);
    const seen: Buffer[] = [];
    for await (const chunk of ahead) seen.push(chunk as Buffer);
    expect(seen).toHaveLength(20); // chunk by chunk, never concatenated
    expect(seen.map((chunk) => chunk[0])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('passes the source error on, and destroying the result destroys the source', async () => {
    const failing = source(20, { failAt: 4 });
    await expect(
      (async () => {
        for await (const _chunk of readAhead(failing.stream, 2 * MB)) await sleep(1);
      })(),
    ).rejects.toThrow('source failed');

    const { stream } = source(20);
    const ahead = readAhead(stream, 2 * MB);
    ahead.on('error', () => undefined);
    ahead.destroy(new Error('client gone'));
    await sleep(10);
    expect(stream.destroyed).toBe(true);
  });
});
