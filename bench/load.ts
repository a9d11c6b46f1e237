/**
 * npm run bench:load [-- --duration=10 --connections=50 --routes=metadata,download,health,analysis,mix --cpu-prof --floors=false --warmup=3
 *                       --no-build --dist=DIR --ts-node]
 *
 * Load on the hot read paths with autocannon, the service as its own process (the build in dist/,
 * made first unless --no-build; --ts-node runs src/main.ts instead; LOG_LEVEL=warn, rate limit off), beside a bare `node:http` server started here that answers the same bytes: the
 * captured JSON for metadata, /health and the cached analysis, and `createReadStream().pipe(res)`
 * of the same 1 MiB file for the download. Each route runs against the baseline and the service in
 * turn, in the same run, so the ratio is what counts (the absolute figures follow the machine's load).
 * Targets (issue 14): metadata >= 0.4x, /health >= 0.5x, cached analysis >= 0.3x, download >= 0.8x,
 * metadata p99 < 20 ms at 50 connections.
 *
 * `--cpu-prof[=DIR]` runs the service under `node --cpu-prof` and, after it stops, prints where its
 * main thread spent the CPU during each route's load window (bench/cpu-profile-summary.ts); with a
 * DIR the profiles stay there (open them in Chrome DevTools; each window is printed as --from/--to).
 */
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServiceProcess, waitUntilUp } from '../test/support/service-process';
import { wavHeader } from '../test/support/wav';
import { CpuProfile, formatSummary, summarise } from './cpu-profile-summary';
import { benchArgs, numberArg, rssSampler, waitForModelsLoaded } from './support';

const args = benchArgs();
const DURATION_S = numberArg(args, 'duration', 10);
const CONNECTIONS = numberArg(args, 'connections', 50);
const ROUTES = (args.routes ?? 'metadata,download,health,analysis,mix').split(',');
// The build, as production runs it: ts-node loads node:repl and with it node:domain, which wraps
// every EventEmitter.emit and costs a fifth of a small request's CPU.
const COMPILED = args['ts-node'] !== 'true';
// --dist=DIR runs another build (e.g. one of an earlier commit, to compare in the same session).
const DIST_DIR = args.dist ?? 'dist';
// --cpu-prof profiles into a temporary folder; --cpu-prof=DIR keeps the profiles there.
const CPU_PROFILE = args['cpu-prof'] !== undefined;
// --floors=false skips the Express and Nest floors (two more runs per JSON route).
const FLOORS = args.floors !== 'false';
const WARMUP_S = numberArg(args, 'warmup', 3);
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
  total: number;
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

/**
 * A baseline in its own process, answering the same bytes for the same paths: the bare server
 * (bench/bare-server.js, nothing in between) or a framework floor (bench/framework-floor.js:
 * Express alone, or Nest on Express alone, one route per answer).
 */
async function startBaseline(
  work: string,
  port: number,
  routes: Captured[],
  download: { path: string; file: string },
  kind: 'bare' | 'express' | 'nest' = 'bare',
): Promise<ChildProcess> {
  const configPath = join(work, `${kind}-server.json`);
  const config = {
    port,
    downloadPath: download.path,
    downloadFile: download.file,
    routes: routes.map((route) => ({
      method: route.method,
      path: route.path,
      contentType: route.contentType,
      response: route.response.toString('base64'),
    })),
  };
  writeFileSync(configPath, JSON.stringify(config));
  const script = kind === 'bare' ? ['bare-server.js', configPath] : ['framework-floor.js', kind, configPath];
  const child = spawn(process.execPath, [join(__dirname, script[0]), ...script.slice(1)], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${kind} baseline exited (${code})`)));
    child.stdout.once('data', () => resolve());
  });
  return child;
}

/** Runs one at a time: two loads at once would share the cores and spoil both. */
async function sequential<T, R>(items: T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await run(item));
  return results;
}

async function load(baseUrl: string, requests: Captured[], durationS = DURATION_S): Promise<Figures> {
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    duration: durationS,
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
    total: result.requests.total,
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const profileDir = CPU_PROFILE && args['cpu-prof'] !== 'true' ? args['cpu-prof'] : join(work, 'profiles');
  if (COMPILED && args['no-build'] !== 'true' && args.dist === undefined) {
    console.log('bench:load: building dist/ (nest build; --no-build skips it)');
    execFileSync('npx', ['nest', 'build'], { cwd: join(__dirname, '..'), stdio: 'inherit' });
  }
  const service = await startServiceProcess(
    { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    {
      distDir: COMPILED ? DIST_DIR : undefined,
      nodeArgs: CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    },
  );
  // Each route's load window on the monotonic clock, which the profile's timestamps share.
  const windows: Array<{ name: string; from: number; to: number }> = [];
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  const baselines: ChildProcess[] = [];
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
    const download = { path: routes.download.path, file: wavPath };
    const startOn = async (kind: 'bare' | 'express' | 'nest') => {
      const port = await freePort();
      const child = await startBaseline(work, port, Object.values(routes), download, kind);
      baselines.push(child);
      return { kind, url: `http://127.0.0.1:${port}`, cpu: rssSampler(child.pid as number) };
    };
    const bare = await startOn('bare');
    const floors = FLOORS ? [await startOn('express'), await startOn('nest')] : [];

    // JIT tier-up and the engines' background compilation finish before the first measured window,
    // so they are not billed to whichever route comes first.
    await load(service.baseUrl, Object.values(routes), WARMUP_S);
    const rssBefore = rss.current();
    console.log(
      `bench:load: ${CONNECTIONS} connections, ${DURATION_S} s a run, ${COMPILED ? `${DIST_DIR}/main.js` : 'ts-node src/main.ts'}, ` +
        `service RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB, load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    // CPU per request (utime + stime of each process over its window, from /proc) is what the
    // CPU ratio compares (bare / service): it holds up better than req/s when other work shares the cores.
    // The floors (Express alone, Nest on Express alone, same bytes) bound what any Nest service can reach.
    console.log(
      'route      |  bare req/s | Express / Nest floor req/s | service req/s | ratio | target | of Nest floor | p50 ms | p99 ms | errors | non-2xx | CPU µs/req bare / Express / Nest / service',
    );
    console.log(
      '-----------|-------------|----------------------------|---------------|-------|--------|---------------|--------|--------|--------|---------|-------------------------------------------',
    );
    const measure = async (baseline: { url: string; cpu: ReturnType<typeof rssSampler> }, requests: Captured[]) => {
      const cpuBefore = baseline.cpu.cpuSeconds();
      const figures = await load(baseline.url, requests);
      return { figures, cpuUs: ((baseline.cpu.cpuSeconds() - cpuBefore) * 1e6) / Math.max(1, figures.total) };
    };
    for (const name of ROUTES) {
      const requests = name === 'mix' ? Object.values(routes) : [routes[name]];
      if (!requests[0]) throw new Error(`unknown route ${name}`);
      const bareRun = await measure(bare, requests);
      // The floors answer the JSON routes only: a download through them is the bare pipe again.
      const floorRuns =
        name === 'download' || name === 'mix' ? [] : await sequential(floors, (f) => measure(f, requests));
      const from = monotonicUs();
      const ours = await measure({ url: service.baseUrl, cpu: rss }, requests);
      windows.push({ name, from, to: monotonicUs() });
      const ratio = ours.figures.rps / bareRun.figures.rps;
      const target = TARGETS[name];
      const verdict = target === undefined ? '     -' : `${ratio >= target ? 'ok' : 'MISS'} ${target}`.padStart(6);
      const nestFloor = floorRuns[1];
      console.log(
        [
          name.padEnd(10),
          bareRun.figures.rps.toFixed(0).padStart(11),
          (floorRuns.length ? floorRuns.map((run) => run.figures.rps.toFixed(0)).join(' / ') : '-').padStart(26),
          ours.figures.rps.toFixed(0).padStart(13),
          `${ratio.toFixed(2)}x`.padStart(5),
          verdict,
          (nestFloor ? `${(ours.figures.rps / nestFloor.figures.rps).toFixed(2)}x` : '-').padStart(13),
          String(ours.figures.p50).padStart(6),
          String(ours.figures.p99).padStart(6),
          String(ours.figures.errors).padStart(6),
          String(ours.figures.non2xx).padStart(7),
          [bareRun, ...(floorRuns.length ? floorRuns : [undefined, undefined]), ours]
            .map((run) => (run ? run.cpuUs.toFixed(0) : '-'))
            .join(' / ')
            .padStart(42),
        ].join(' | '),
      );
      for (const run of floorRuns) {
        if (run.figures.errors || run.figures.non2xx) throw new Error(`a framework floor failed on ${name}`);
      }
    }
    const rssAfter = rss.current();
    console.log(
      `service RSS before ${(rssBefore / 2 ** 20).toFixed(0)} MB, after ${(rssAfter / 2 ** 20).toFixed(0)} MB`,
    );
  } finally {
    for (const child of baselines) child.kill('SIGTERM');
    await service.stop();
    if (CPU_PROFILE && existsSync(profileDir)) printProfiles(profileDir, service.child.pid as number, windows);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The service's main-thread profile (thread 0 of its pid), cut to each route's window. */
function printProfiles(dir: string, pid: number, windows: Array<{ name: string; from: number; to: number }>): void {
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`) && name.endsWith('.cpuprofile'));
  if (!file) {
    console.log(`no CPU profile of process ${pid} in ${dir}`);
    return;
  }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  for (const window of windows) {
    console.log(`\nCPU profile, ${window.name} (service main thread; --from=${window.from} --to=${window.to})`);
    console.log(formatSummary(summarise(profile, window.from, window.to), 18));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
