import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { settle } from './settle';

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestRecorder {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  calls: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that records every request it gets (callbacks, OTLP exports) and answers
 * each with `status` and `body` (JSON when a body is given).
 */
export async function requestRecorder(reply: { status: number; body?: string }): Promise<RequestRecorder> {
  const calls: RecordedRequest[] = [];
  const headers = reply.body === undefined ? {} : { 'content-type': 'application/json' };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(reply.status, headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

/** Polls `probe` every `everyMs` until it gives a value; throws after `timeoutMs`. */
export async function until<T>(probe: () => T | undefined, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const value = await settle(probe, (found) => found !== undefined, timeoutMs, everyMs);
  if (value === undefined) throw new Error('timed out waiting');
  return value;
}
