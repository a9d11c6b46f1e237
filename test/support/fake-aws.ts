import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake AWS endpoint on loopback for what client mocks cannot show: the SDK's real HTTP stack
 * (signing, timeouts, retries, error parsing) against the real wire formats. JSON 1.1 for
 * Transcribe and Rekognition (`X-Amz-Target: Service.Operation`, errors as `__type` plus the
 * `x-amzn-ErrorType` header), REST-XML for S3 (errors as `<Error><Code>`, HEAD answers without a
 * body). Every request is recorded; a handler decides each answer.
 */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** JSON 1.1 operation ("GetTranscriptionJob"), from X-Amz-Target. */
  operation?: string;
  /** The parsed JSON body of a JSON 1.1 call. */
  json?: Record<string, unknown>;
}

export type FakeReply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  /** Accept the request and never answer (a stopped or black-holed server). */
  | { hang: true }
  /** Close the connection without an answer (a network blip). */
  | { drop: true }
  /** Send the status, headers and the first bytes of the body, then stall forever. */
  | { stallBody: { status: number; headers: Record<string, string>; firstBytes: Buffer; contentLength: number } };

export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export function jsonReply(body: unknown, status = 200): FakeReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

/** A JSON 1.1 error as Transcribe and Rekognition send it. */
export function jsonError(type: string, message: string, status = 400): FakeReply {
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': `${type}:`,
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** An S3 REST-XML error; for HEAD no body at all (the SDK then only sees the status). */
export function s3Error(code: string, message: string, status: number, method = 'GET'): FakeReply {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const headers = { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
  if (method === 'HEAD') return { status, headers };
  return {
    status,
    headers,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}

export class FakeAws {
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    public handler: FakeHandler,
  ) {}

  static async start(handler: FakeHandler = () => ({ status: 500 })): Promise<FakeAws> {
    const server = createServer();
    const fake = new FakeAws(server, handler);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.serve(req, res));
    server.on('connection', (socket: Socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests of one JSON 1.1 operation. */
  calls(operation: string): RecordedRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client gave up mid-body ('aborted'): nothing to record or answer
    }
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const target = req.headers['x-amz-target'];
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      body,
      ...(typeof target === 'string' ? { operation: target.split('.').pop() } : {}),
    };
    if (recorded.operation && body.length) {
      try {
        recorded.json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        // left undefined: the handler sees the raw body
      }
    }
    this.requests.push(recorded);
    let reply: FakeReply;
    try {
      reply = await this.handler(recorded);
    } catch (error) {
      reply = { status: 500, body: String(error) };
    }
    if ('hang' in reply) {
      this.hanging.add(res);
      return;
    }
    if ('drop' in reply) {
      req.socket.destroy();
      return;
    }
    if ('stallBody' in reply) {
      const { status, headers, firstBytes, contentLength } = reply.stallBody;
      res.writeHead(status, { ...headers, 'content-length': String(contentLength) });
      res.write(firstBytes);
      this.hanging.add(res);
      return;
    }
    const payload = reply.body === undefined ? undefined : Buffer.from(reply.body);
    res.writeHead(reply.status, {
      ...(reply.headers ?? {}),
      ...(payload && recorded.method !== 'HEAD' ? { 'content-length': String(payload.length) } : {}),
    });
    res.end(recorded.method === 'HEAD' ? undefined : payload);
  }
}
