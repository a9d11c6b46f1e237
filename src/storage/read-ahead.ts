import { Readable } from 'node:stream';

/**
 * Reads up to `maxBytes` ahead of the consumer and hands the chunks over one by one, as they
 * came (object mode, so nothing is concatenated or copied). lib-storage pulls the next part only
 * when an uploader is free; reading ahead keeps a slow producer (an HTTP request) from leaving
 * that uploader idle while its part arrives. Errors of the source, and destroying the result,
 * travel both ways.
 */
export function readAhead(source: Readable, maxBytes: number): Readable {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let wanting = false;

  const out = new Readable({
    objectMode: true,
    highWaterMark: 1,
    read() {
      wanting = true;
      flush();
    },
    destroy(error, callback) {
      source.off('data', onData);
      if (!source.destroyed) source.destroy(error ?? undefined);
      callback(error);
    },
  });

  function flush(): void {
    while (wanting && queue.length > 0) {
      const chunk = queue.shift() as Buffer;
      queued -= chunk.length;
      wanting = out.push(chunk);
    }
    if (queue.length === 0 && ended) {
      out.push(null);
      return;
    }
    if (queued < maxBytes && source.isPaused() && !ended) source.resume();
  }

  function onData(chunk: Buffer): void {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= maxBytes) source.pause();
    if (wanting) flush();
  }

  source.on('data', onData);
  source.once('end', () => {
    ended = true;
    if (wanting) flush();
  });
  source.once('error', (error) => out.destroy(error));
  source.once('close', () => {
    if (!ended && !out.destroyed) out.destroy(new Error('The source closed before its end'));
  });
  return out;
}
