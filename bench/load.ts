/**
 * npm run bench:load [-- --duration=10 --connections=50 --routes=metadata,download,health,analysis,mix]
 *
 * Load on the hot read paths with autocannon, the service as its own process (LOG_LEVEL=warn, rate
 * limit off), beside a bare `node:http` server started here that answers the same bytes: the
 * captured JSON for metadata, /health and the cached analysis, and `createReadStream().pipe(res)`
 * of the same 1 MiB file for the download. Each route runs against the baseline and the service in
 * turn, in the same run, so the ratio is what counts (the absolute figures follow the machine's load).
 * Targets (issue 14): metadata >= 0.4x, /health >= 0.5x, cached analysis >= 0.3x, download >= 0.8x,
 * metadata p99 < 20 ms at 50 connections.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServiceProcess, waitUntilUp } from '../test/support/service-process';
import { wavHeader } from '../test/support/wav';
import { benchArgs, numberArg, rssSampler, waitForModelsLoaded } from './support';

const args = benchArgs();
const DURATION_S = numberArg(args, 'duration', 10);
const CONNECTIONS = numberArg(args, 'connections', 50);
const ROUTES = (args.routes ?? 'metadata,download,health,analysis,mix').split(',');
const TARGETS: Record<string, number> = { metadata: 0.4, health: 0.5, analysis: 0.3, download: 0.8 };

interface Captured {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType: string;
  response: Buffer;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function capture(baseUrl: string, method: 'GET' | 'POST', path: string, body?: string): Promise<Captured> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return {
    method,
    path,
    body,
    contentType: res.headers.get('content-type') ?? 'application/octet-stream',
    response: Buffer.from(await res.arrayBuffer()),
  };
}

/** The bare server: the same bytes for the same paths, with nothing in between. */
function startBaseline(port: number, routes: Captured[], downloadPath: string, downloadFile: string): Promise<Server> {
  const byPath = new Map(routes.map((route) => [route.path, route]));
  const server = createServer((req, res) => {
    const route = byPath.get(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url === downloadPath) {
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(1024 * 1024) });
        createReadStream(downloadFile).pipe(res);
        return;
      }
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': route.contentType, 'content-length': String(route.response.length) });
      res.end(route.response);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function load(baseUrl: string, requests: Captured[]): Promise<Figures> {
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: requests.map((route) => ({
      method: route.method,
      path: route.path,
      body: route.body,
      headers: route.body ? { 'content-type': 'application/json' } : undefined,
    })),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const service = await startServiceProcess({ LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' });
  let baseline: Server | undefined;
  try {
    await waitUntilUp(`${service.baseUrl}/health`, 60_000, service.exited);
    await waitForModelsLoaded(service.baseUrl);
    const rss = rssSampler(service.child.pid as number);

    // A 1 MiB WAV for the download, and a photo whose colour analysis becomes the cached one.
    const wav = Buffer.concat([
      wavHeader(1024 * 1024 - 44, { sampleRate: 16_000, channels: 1 }),
      randomBytes(1024 * 1024 - 44),
    ]);
    const wavPath = join(work, 'download.wav');
    writeFileSync(wavPath, wav);
    const form = new FormData();
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'download.wav');
    const audio = await json<{ media_id: string }>(
      await fetch(`${service.baseUrl}/api/v1/upload`, { method: 'POST', body: form }),
    );
    const photo = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'images', 'coffee.jpg'));
    const analysisBody = JSON.stringify({ image_file: photo.toString('base64'), analysis_types: ['colors'] });
    const first = await json<{ media_id: string }>(
      await fetch(`${service.baseUrl}/api/v1/analyze-image`, {
        method: 'POST',
        body: analysisBody,
        headers: { 'content-type': 'application/json' },
      }),
    );
    const cachedBody = JSON.stringify({ media_id: first.media_id, analysis_types: ['colors'] });

    const routes: Record<string, Captured> = {
      metadata: await capture(service.baseUrl, 'GET', `/api/v1/media/${audio.media_id}`),
      download: await capture(service.baseUrl, 'GET', `/api/v1/media/${audio.media_id}/download`),
      health: await capture(service.baseUrl, 'GET', '/health'),
      analysis: await capture(service.baseUrl, 'POST', '/api/v1/analyze-image', cachedBody),
    };
    if (!JSON.parse(routes.analysis.response.toString()).cached) throw new Error('the analysis was not cached');
    const baselinePort = await freePort();
    baseline = await startBaseline(baselinePort, Object.values(routes), routes.download.path, wavPath);
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;

    const rssBefore = rss.current();
    console.log(
      `bench:load: ${CONNECTIONS} connections, ${DURATION_S} s a run, service RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB`,
    );
    console.log('route      |  bare req/s | service req/s | ratio | target | p50 ms | p99 ms | errors | non-2xx');
    console.log('-----------|-------------|---------------|-------|--------|--------|--------|--------|--------');
    for (const name of ROUTES) {
      const requests = name === 'mix' ? Object.values(routes) : [routes[name]];
      if (!requests[0]) throw new Error(`unknown route ${name}`);
      const bare = await load(baselineUrl, requests);
      const ours = await load(service.baseUrl, requests);
      const ratio = ours.rps / bare.rps;
      const target = TARGETS[name];
      const verdict = target === undefined ? '     -' : `${ratio >= target ? 'ok' : 'MISS'} ${target}`.padStart(6);
      console.log(
        [
          name.padEnd(10),
          bare.rps.toFixed(0).padStart(11),
          ours.rps.toFixed(0).padStart(13),
          `${ratio.toFixed(2)}x`.padStart(5),
          verdict,
          String(ours.p50).padStart(6),
          String(ours.p99).padStart(6),
          String(ours.errors).padStart(6),
          String(ours.non2xx).padStart(7),
        ].join(' | '),
      );
    }
    const rssAfter = rss.current();
    console.log(
      `service RSS before ${(rssBefore / 2 ** 20).toFixed(0)} MB, after ${(rssAfter / 2 ** 20).toFixed(0)} MB`,
    );
  } finally {
    baseline?.close();
    await service.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
