/**
 * npm run bench:metrics [-- --requests=1500 --rounds=3 --otel=true]
 *
 * Per-request overhead of the metrics and of the trace context on one real route
 * (GET /api/v1/media/:media_id, a record read from the local store), against the same route with
 * them off. In-process apps (METRICS_ENABLED / TRACING_ENABLED on and off, one at a time: the
 * switches are process-wide), sequential keep-alive requests over loopback, configurations
 * interleaved over rounds so machine load hits them alike; the mean of the rounds is printed.
 * With --otel, the same route on two real service processes, OpenTelemetry exporting to a
 * loopback OTLP sink against none (the SDK patches modules at load, so it needs its own process).
 */
import { readFileSync } from 'node:fs';
import { Agent, createServer, get, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startServiceProcess, waitUntilUp } from '../test/support/service-process';
import { createTestApp } from '../test/support/test-app';
import { mediaMetrics } from '../src/metrics/media-metrics';
import { configureTracing, runWithTrace, traceHeaders, traceOfRequest } from '../src/tracing/trace-context';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const REQUESTS = Number(args.requests ?? 1500);
const ROUNDS = Number(args.rounds ?? 3);
const OTEL = (args.otel ?? 'true') === 'true';
const PHOTO = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'media', 'photo.jpg'));

const CONFIGS = [
  { name: 'metrics off, tracing off', METRICS_ENABLED: 'false', TRACING_ENABLED: 'false' },
  { name: 'metrics on,  tracing off', METRICS_ENABLED: 'true', TRACING_ENABLED: 'false' },
  { name: 'metrics off, tracing on ', METRICS_ENABLED: 'false', TRACING_ENABLED: 'true' },
  { name: 'metrics on,  tracing on ', METRICS_ENABLED: 'true', TRACING_ENABLED: 'true' },
];

/** CPU milliseconds (user + system) a process has used: this one, or a child through /proc. */
function cpuMs(pid?: number): number {
  if (pid === undefined) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, at 100 ticks a second
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

/**
 * Per request of `count` sequential GETs on one keep-alive connection: wall milliseconds, and CPU
 * milliseconds of the serving process (less disturbed than wall time by a busy machine).
 */
async function timeRequests(
  url: string,
  count: number,
  headers: Record<string, string> = {},
  servingPid?: number,
): Promise<Timing> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<void>((resolve, reject) => {
      get(url, { agent, headers }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  for (let i = 0; i < 100; i++) await once(); // warm-up: JIT, connection
  const cpuBefore = cpuMs(servingPid);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await once();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6 / count;
  const cpu = (cpuMs(servingPid) - cpuBefore) / count;
  agent.destroy();
  return { wallMs, cpuMs: cpu };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function report(name: string, runs: Timing[], base: Timing[]): string {
  const wall = mean(runs.map((r) => r.wallMs));
  const cpu = mean(runs.map((r) => r.cpuMs));
  const baseWall = mean(base.map((r) => r.wallMs));
  const baseCpu = mean(base.map((r) => r.cpuMs));
  const sign = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);
  return (
    `  ${name}  wall ${wall.toFixed(3)} ms (${sign(wall - baseWall)})  cpu ${cpu.toFixed(3)} ms (${sign(cpu - baseCpu)}, ` +
    `x${(cpu / baseCpu).toFixed(3)})  cpu by round: ${runs.map((r) => r.cpuMs.toFixed(3)).join(' ')}\n`
  );
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function inProcess(): Promise<void> {
  const results = new Map<string, Timing[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const config of CONFIGS) {
      const { name, ...env } = config;
      const t = await createTestApp({ env: { ...env, IMAGE_ANALYSIS_PRELOAD: 'false', LOG_LEVEL: 'silent' } });
      // The in-process client's CPU is counted too; it is the same in every configuration.
      try {
        await t.app.listen(0, '127.0.0.1');
        const { port } = t.app.getHttpServer().address() as AddressInfo;
        const up = await t.http.post('/api/v1/upload').attach('file', PHOTO, 'photo.jpg').expect(201);
        const ms = await timeRequests(`http://127.0.0.1:${port}/api/v1/media/${up.body.media_id}`, REQUESTS, {
          traceparent: TRACEPARENT,
        });
        results.set(name, [...(results.get(name) ?? []), ms]);
      } finally {
        await t.close();
      }
    }
  }
  const base = results.get(CONFIGS[0].name) as Timing[];
  process.stdout.write(
    `\nGET /api/v1/media/:media_id, ${REQUESTS} sequential requests x ${ROUNDS} rounds (in-process, logs silent)\n`,
  );
  for (const [name, runs] of results) process.stdout.write(report(name, runs, base));
}

async function withOtel(): Promise<void> {
  let spans = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      spans += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const base = { IMAGE_ANALYSIS_PRELOAD: 'false', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' };
  const services = await Promise.all([
    startServiceProcess(base),
    startServiceProcess({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl }),
  ]);
  try {
    await Promise.all(services.map((s) => waitUntilUp(`${s.baseUrl}/health`, 120_000, s.exited)));
    const urls: string[] = [];
    for (const service of services) {
      const form = new FormData();
      form.append('file', new Blob([PHOTO]), 'photo.jpg');
      const res = await fetch(`${service.baseUrl}/api/v1/upload`, { method: 'POST', body: form });
      urls.push(`${service.baseUrl}/api/v1/media/${((await res.json()) as { media_id: string }).media_id}`);
    }
    const runs: Timing[][] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of [0, 1]) {
        runs[i].push(await timeRequests(urls[i], REQUESTS, { traceparent: TRACEPARENT }, services[i].child.pid));
      }
    }
    process.stdout.write(`\nsame route, two service processes (metrics and trace context on in both)\n`);
    process.stdout.write(report('OpenTelemetry off      ', runs[0], runs[0]));
    process.stdout.write(report('OpenTelemetry exporting', runs[1], runs[0]));
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    process.stdout.write(`  OTLP export requests received: ${spans}\n`);
    await new Promise((r) => sink.close(r));
  }
}

/** The code each request adds, called directly: a floor under the noise of the HTTP figures. */
function direct(): void {
  const calls = 200_000;
  const req = { headers: { traceparent: TRACEPARENT } } as unknown as IncomingMessage;
  mediaMetrics.configure({ enabled: true, prices: mediaMetrics.prices });
  configureTracing({ enabled: true, otel: false });
  const measure = (work: (i: number) => void) => {
    for (let i = 0; i < 10_000; i++) work(i);
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) work(i);
    return Number(process.hrtime.bigint() - started) / 1e3 / calls;
  };
  const metric = measure((i) => mediaMetrics.httpRequest('GET', '/api/v1/media/:media_id', 200, (i % 50) / 1000));
  const trace = measure(() => {
    const tagged = { ...req } as IncomingMessage; // a new request each time: the header is parsed again
    runWithTrace(traceOfRequest(tagged), () => traceHeaders());
  });
  process.stdout.write(`\ndirect cost, ${calls} calls each\n`);
  process.stdout.write(`  HTTP histogram observation (method, route, status)      ${metric.toFixed(2)} µs\n`);
  process.stdout.write(
    `  trace context: parse traceparent, new span id, ALS run, outgoing headers  ${trace.toFixed(2)} µs\n`,
  );
}

async function main(): Promise<void> {
  direct();
  await inProcess();
  if (OTEL) await withOtel();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
