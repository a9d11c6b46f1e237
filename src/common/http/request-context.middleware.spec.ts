import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { PinoLogger } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { configureTracing } from '../../tracing/trace-context';
import { currentScope } from '../context/work-scope';
import { requestContextMiddleware } from './request-context.middleware';

/** A real HTTP server running the middleware in front of a handler, logging into an array. */
async function serve(level: string, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const root = pino({ level }, sink);
  const childCalls = jest.spyOn(root, 'child');
  (PinoLogger as unknown as { root: unknown }).root = root;
  const metrics: Array<{ url?: string; status: number; seconds: number }> = [];
  const middleware = requestContextMiddleware({
    requestId: (_req, res) => {
      res.setHeader('X-Request-Id', 'rid-1');
      return 'rid-1';
    },
    logging: {
      ignore: (req) => req.url === '/health',
      level: (_req, res) => (res.statusCode >= 400 ? 'warn' : 'info'),
    },
    recordMetric: (req, res, seconds) => metrics.push({ url: req.url, status: res.statusCode, seconds }),
  });
  const server: Server = createServer((req, res) => middleware(req as never, res as never, () => handler(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, metrics, childCalls, close: () => new Promise((resolve) => server.close(resolve)) };
}

const answer = (status: number) => (_req: IncomingMessage, res: ServerResponse) => {
  res.statusCode = status;
  res.end('{}');
};

describe('requestContextMiddleware', () => {
  afterEach(() => ((PinoLogger as unknown as { root: unknown }).root = undefined));

  it('writes one "request completed" line per request at info, with the request and the response', async () => {
    const t = await serve('info', answer(200));
    const res = await fetch(`${t.url}/api/v1/media/x?token=1`);
    expect(res.headers.get('x-request-id')).toBe('rid-1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.close();
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'rid-1', method: 'GET', url: '/api/v1/media/x?token=1' },
      res: { statusCode: 200 },
    });
    expect(typeof t.lines[0].responseTime).toBe('number');
  });

  it('makes no request logger at all for a success when the level is above info', async () => {
    const t = await serve('warn', answer(200));
    await fetch(`${t.url}/api/v1/media/x`);
    await fetch(`${t.url}/health`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.close();
    expect(t.childCalls).not.toHaveBeenCalled();
    expect(t.lines).toHaveLength(0);
  });

  it('logs refusals at warn when the level is warn, and gives the request logger to nestjs-pino', async () => {
    let inStore: unknown;
    const t = await serve('warn', (_req, res) => {
      inStore = storage.getStore()?.logger;
      res.statusCode = 404;
      res.end('{}');
    });
    await fetch(`${t.url}/api/v1/media/missing`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.close();
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatchObject({
      level: 40,
      msg: 'request completed',
      req: { id: 'rid-1' },
      res: { statusCode: 404 },
    });
    expect(inStore).toBeDefined();
  });

  it('records one metric per request, probes included, after the response', async () => {
    const t = await serve('warn', answer(201));
    await fetch(`${t.url}/api/v1/upload`);
    await fetch(`${t.url}/health`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.close();
    expect(t.metrics.map(({ url, status }) => ({ url, status }))).toEqual([
      { url: '/api/v1/upload', status: 201 },
      { url: '/health', status: 201 },
    ]);
    for (const { seconds } of t.metrics) expect(seconds).toBeGreaterThan(0);
  });

  it("runs the route in one scope: the caller's trace, and the request logger for nestjs-pino", async () => {
    configureTracing({ enabled: true, otel: false });
    let seen: { traceId?: string; logger?: unknown } = {};
    const t = await serve('info', (_req, res) => {
      seen = { traceId: currentScope()?.trace?.traceId, logger: currentScope()?.logger };
      res.end('{}');
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${t.url}/api/v1/media/x`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.close();
    expect(seen.traceId).toBe(traceId);
    expect(seen.logger).toBeDefined();
    expect(t.lines[0]).toMatchObject({ msg: 'request completed', traceId });
  });

  it('leaves probes out, as pino-http did', async () => {
    const t = await serve('info', answer(200));
    await fetch(`${t.url}/health`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.close();
    expect(t.lines).toHaveLength(0);
  });
});
