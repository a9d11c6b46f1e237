import { createServer, Server, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SecurityConfig, TranscriptionConfig } from '../../config/configuration';
import { CallbackUrlPolicy, systemResolver } from '../../security/callbacks/callback-url.policy';
import { CallbackNotifier } from './callback.notifier';

// A real garbage collection between attempts: what makes AbortSignal.any(timeout) stop firing.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('CallbackNotifier against a listener that accepts and never answers', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  const connectedAt: number[] = [];
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      connectedAt.push(Date.now());
      socket.on('data', () => undefined); // read the request, never write a byte back
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
  });

  it('gives up every attempt at CALLBACK_TIMEOUT_MS, garbage collections or not', async () => {
    // The listener is on loopback, which callbacks may reach only when allowlisted.
    const loopbackAllowed = new CallbackUrlPolicy(
      { callbackAllowedHosts: ['127.0.0.1'] } as unknown as SecurityConfig,
      systemResolver,
    );
    const notifier = new CallbackNotifier(
      {
        callback: { maxAttempts: 3, retryBaseMs: 10, timeoutMs: 300 },
        callbackSigningSecret: undefined,
      } as unknown as TranscriptionConfig,
      loopbackAllowed,
    );
    // Each forced collection of a big heap (Jest in band: the whole run's) blocks for a while:
    // that time is the collector's, not the notifier's, and is taken out of the bound below.
    let collectingMs = 0;
    const collecting = setInterval(() => {
      const before = Date.now();
      gc();
      collectingMs += Date.now() - before;
    }, 250);
    const started = Date.now();
    try {
      await expect(notifier.notify(url, { hello: 'world' }, {})).resolves.toBe(false);
    } finally {
      clearInterval(collecting);
    }
    const finished = Date.now();
    expect(connectedAt.length).toBeGreaterThanOrEqual(3);
    // Three attempts of 300 ms (plus backoff, the first fetch's start-up and the collections
    // themselves): bounded, where an attempt that never times out would hang to the test timeout.
    expect(finished - started).toBeGreaterThanOrEqual(3 * 300);
    // Generous for a loaded CI machine.
    expect(finished - started - collectingMs).toBeLessThan(10_000);
    await notifier.onModuleDestroy();
  }, 40_000);
});
