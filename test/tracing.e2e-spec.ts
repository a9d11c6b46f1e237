import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RequestRecorder, requestRecorder, until } from './support/loopback';
import { ServiceProcess, startServiceProcess, waitUntilUp } from './support/service-process';

const AUDIO = join(__dirname, 'fixtures', 'audio');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

type LogLine = Record<string, unknown> & { msg?: string; req?: { id?: string } };

/** pino-http keeps the request id in req.id on every line of the request. */
const requestIdOf = (line: LogLine) => line.req?.id ?? line.requestId;

const logLines = (service: ServiceProcess): LogLine[] =>
  service
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

const BASE_ENV = {
  TRANSCRIBE_PROVIDER: 'local',
  IMAGE_ANALYSIS_PRELOAD: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  CALLBACK_RETRY_BASE_MS: '50',
  // The callback receivers listen on loopback, which callbacks reach only when allowed.
  CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
};

describe('tracing: W3C trace context through logs, jobs and callbacks (real process)', () => {
  let service: ServiceProcess;
  let hooks: RequestRecorder;

  beforeAll(async () => {
    hooks = await requestRecorder({ status: 200, body: '{}' });
    service = await startServiceProcess(BASE_ENV);
    await waitUntilUp(`${service.baseUrl}/health`, 60_000, service.exited);
  });
  afterAll(async () => {
    await service?.stop();
    await hooks?.close();
  });

  it("a request's log lines carry the caller's trace id beside the request id", async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(AUDIO, 'cart.wav'))]), 'cart.wav');
    const res = await fetch(`${service.baseUrl}/api/v1/upload`, {
      method: 'POST',
      body: form,
      headers: { traceparent: TRACEPARENT, tracestate: 'vendor=abc', 'x-request-id': 'trace-test-upload' },
    });
    expect(res.status).toBe(201);
    const lines = await until(() => {
      const mine = logLines(service).filter((line) => requestIdOf(line) === 'trace-test-upload');
      return mine.some((line) => line.msg === 'request completed') ? mine : undefined;
    });
    // The service's own line ("media stored") and pino-http's access line.
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['media stored', 'request completed']));
    for (const line of lines) {
      expect(line.traceId).toBe(TRACE_ID);
      expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(line.spanId).not.toBe(PARENT_SPAN);
    }
  });

  it('without (or with a malformed) traceparent a request gets a new trace id', async () => {
    await fetch(`${service.baseUrl}/api/v1/media/00000000-0000-4000-8000-000000000000`, {
      headers: { 'x-request-id': 'trace-test-none' },
    });
    await fetch(`${service.baseUrl}/api/v1/media/00000000-0000-4000-8000-000000000000`, {
      headers: { 'x-request-id': 'trace-test-bad', traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN}-01` },
    });
    const [none, bad] = await until(() => {
      const find = (id: string) =>
        logLines(service).find((l) => requestIdOf(l) === id && l.msg === 'request completed');
      const pair = [find('trace-test-none'), find('trace-test-bad')];
      return pair[0] && pair[1] ? pair : undefined;
    });
    expect(none?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(bad?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(bad?.traceId).not.toBe('0'.repeat(32));
    expect(bad?.traceId).not.toBe(none?.traceId);
  });

  it("a transcription job logs under the submitter's trace and its callback carries that traceparent", async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(AUDIO, 'keyboard.wav'))]), 'keyboard.wav');
    form.append('callback_url', `${hooks.url}/hook`);
    const res = await fetch(`${service.baseUrl}/api/v1/transcribe`, {
      method: 'POST',
      body: form,
      headers: { traceparent: TRACEPARENT, 'x-request-id': 'trace-test-job' },
    });
    expect(res.status).toBe(202);
    const { transcription_id: jobId } = (await res.json()) as { transcription_id: string };
    const callback = await until(() => hooks.calls.find((call) => call.body.includes(jobId)), 30_000);
    const [, traceId, spanId, flags] = String(callback.headers.traceparent).split('-');
    expect(traceId).toBe(TRACE_ID);
    expect(flags).toBe('01');
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(PARENT_SPAN);
    const completed = await until(() =>
      logLines(service).find((line) => line.msg === 'transcription completed' && line.jobId === jobId),
    );
    expect(completed.traceId).toBe(TRACE_ID);
    expect(completed.spanId).toBe(spanId);
  });
});

describe('tracing: OpenTelemetry export with OTEL_EXPORTER_OTLP_ENDPOINT (real process)', () => {
  it('exports the HTTP server span of a request, in the trace the caller sent, over OTLP/HTTP', async () => {
    const collector = await requestRecorder({ status: 200, body: '{}' });
    const service = await startServiceProcess({ ...BASE_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    try {
      await waitUntilUp(`${service.baseUrl}/health`, 60_000, service.exited);
      const res = await fetch(`${service.baseUrl}/api/v1/media/00000000-0000-4000-8000-000000000000`, {
        headers: { traceparent: TRACEPARENT, 'x-request-id': 'otel-test' },
      });
      expect(res.status).toBe(404);
      // SIGTERM flushes the batch of spans before exit.
      expect(await service.stop()).toBe(0);
      const exports = collector.calls.filter((call) => call.path === '/v1/traces');
      expect(exports.length).toBeGreaterThan(0);
      const spans = exports.flatMap((call) => {
        const body = JSON.parse(call.body) as {
          resourceSpans: { scopeSpans: { spans: { traceId: string; parentSpanId?: string; name: string }[] }[] }[];
        };
        return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      });
      const server = spans.find((span) => span.traceId === TRACE_ID && span.parentSpanId === PARENT_SPAN);
      expect(server?.name).toMatch(/^GET/);
      // The log line of the request names the exported trace.
      const line = logLines(service).find((l) => requestIdOf(l) === 'otel-test' && l.msg === 'request completed');
      expect(line?.traceId).toBe(TRACE_ID);
    } finally {
      await service.stop();
      await collector.close();
    }
  });
});
