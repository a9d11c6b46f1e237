/**
 * npm run bench:analyze [-- --rounds=2 --requests=16 --concurrency=2 --only=latency|throughput|cache]
 *
 * Boots the real app in this process (local provider, 2 vision + 2 OCR workers, temp DATA_DIR,
 * HTTP on 127.0.0.1) and measures, on the committed photos and rendered product boxes at 640 px
 * and 1600 px:
 *   - p50/p95 latency per analysis type, calling the engines directly (decode + analyzer) and
 *     through the service (POST /api/v1/analyze-image, multipart: intake, store, cache lookup,
 *     record), and the service's overhead against the engines (target <= 10%);
 *   - throughput of N (--concurrency, default 2) concurrent requests against 1 (target >= 1.7x at 2),
 *     with the CPU each request cost at 1 and at N and how busy each thread was (main, each vision
 *     worker): a speedup lost to busy cores elsewhere shows as the pure-JS control, one lost to
 *     contention as more CPU per request, one lost to scheduling as idle engine threads;
 *   - cache-hit latency against a miss (target >= 20x faster);
 *   - RSS with every model loaded.
 * Cache misses are forced by a different min_confidence per request (same bytes, same work).
 * The machine is shared: numbers are noisy; each figure is a median of many requests.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import sharp from 'sharp';
import { coffeeBag, monitorBox, photo } from '../test/support/images';
import { benchArgs } from './support';
import type { ImageAnalyzer } from '../src/image-analysis/image-analyzer';
import type { LocalImageAnalyzer } from '../src/image-analysis/local/local-image-analyzer';

const args = benchArgs();
const ROUNDS = Number(args.rounds ?? 2);
const REQUESTS = Number(args.requests ?? 16);
const CONCURRENCY = Number(args.concurrency ?? 2);
const SIZES = [640, 1600];
const TYPES = ['labels', 'objects', 'text', 'faces', 'moderation', 'colors'] as const;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const pad = (s: string | number, n: number) => String(s).padStart(n);

async function images(side: number): Promise<{ name: string; bytes: Buffer }[]> {
  const sources = [
    ...['astronaut.jpg', 'cat.jpg', 'coffee.jpg', 'motorcycle.webp', 'rocket.jpg', 'people-montage.jpg'].map(
      (name) => ({
        name,
        bytes: photo(name),
      }),
    ),
    { name: 'monitor-box', bytes: (await monitorBox()).png },
    { name: 'coffee-bag', bytes: (await coffeeBag()).png },
  ];
  return Promise.all(
    sources.map(async ({ name, bytes }) => ({
      name,
      bytes: await sharp(bytes)
        .resize({ width: side, height: side, fit: 'inside', kernel: 'lanczos3' })
        .jpeg({ quality: 90 })
        .toBuffer(),
    })),
  );
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-analyze-'));
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    IMAGE_ANALYSIS_PROVIDER: 'local',
    IMAGE_ANALYSIS_WORKERS: process.env.IMAGE_ANALYSIS_WORKERS ?? '2',
    IMAGE_OCR_WORKERS: process.env.IMAGE_OCR_WORKERS ?? '2',
  });
  // Imported after the environment is set: configuration is read when the module is built.
  const { AppModule } = await import('../src/app.module');
  const { configureApp } = await import('../src/app.setup');
  const { ImageAnalysisService } = await import('../src/image-analysis/image-analysis.service');
  const { IMAGE_ANALYZER } = await import('../src/image-analysis/image-analyzer');
  const { dominantColors } = await import('../src/image-analysis/colors/dominant-colors');

  const app = configureApp(await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true }));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/api/v1`;
  const service = app.get(ImageAnalysisService);
  // The engines themselves, behind the port: what the service adds is measured separately.
  const analyzer = app.get<ImageAnalyzer>(IMAGE_ANALYZER);
  const load = process.hrtime.bigint();
  await analyzer.warmUp?.();
  console.log(
    `engines ready in ${Math.round(ms(load))} ms (loading began at start); loadavg ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );

  let jitter = 0;
  /** A cache miss: the same work, a min_confidence never used before. */
  const fresh = () => 0.4 + ++jitter * 1e-7;

  const direct = async (bytes: Buffer, types: string[]) => {
    const started = process.hrtime.bigint();
    const options = service.resolveOptions({ analysis_types: types as never, min_confidence: fresh() });
    const image = await service.prepare(bytes);
    await Promise.all([
      analyzer.analyze(image, options),
      types.includes('colors') ? dominantColors(image.working) : undefined,
    ]);
    return ms(started);
  };
  const http = async (bytes: Buffer, types: string[], minConfidence = fresh()) => {
    const form = new FormData();
    form.append('analysis_types', types.join(','));
    form.append('min_confidence', String(minConfidence));
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'bench.jpg');
    const started = process.hrtime.bigint();
    const res = await fetch(`${base}/analyze-image`, { method: 'POST', body: form });
    const body = (await res.json()) as { cached?: boolean; error?: unknown };
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
    return { ms: ms(started), cached: body.cached };
  };

  const report: Record<string, unknown> = { rounds: ROUNDS, loadavg_start: loadavg() };
  const only = (section: string) => !args.only || args.only === section;
  console.log('\n== latency per analysis type (ms): engines direct vs through the service, p50 / p95');
  console.log(
    `${'type'.padEnd(11)} ${pad('px', 5)} ${pad('direct p50', 11)} ${pad('p95', 7)} ${pad('service p50', 12)} ${pad('p95', 7)} ${pad('overhead', 9)}`,
  );
  const latency: Record<string, unknown>[] = [];
  for (const side of only('latency') ? SIZES : []) {
    const set = await images(side);
    for (const type of TYPES) {
      const d: number[] = [];
      const s: number[] = [];
      await direct(set[0].bytes, [type]); // warm this path
      for (let round = 0; round < ROUNDS; round++) {
        for (const image of set) {
          // Interleaved so both paths see the same machine load.
          d.push(await direct(image.bytes, [type]));
          s.push((await http(image.bytes, [type])).ms);
        }
      }
      const row = {
        type,
        px: side,
        direct_p50: +percentile(d, 50).toFixed(1),
        direct_p95: +percentile(d, 95).toFixed(1),
        service_p50: +percentile(s, 50).toFixed(1),
        service_p95: +percentile(s, 95).toFixed(1),
        overhead_pct: +((percentile(s, 50) / percentile(d, 50) - 1) * 100).toFixed(1),
      };
      latency.push(row);
      console.log(
        `${type.padEnd(11)} ${pad(side, 5)} ${pad(row.direct_p50.toFixed(0), 11)} ${pad(row.direct_p95.toFixed(0), 7)} ${pad(row.service_p50.toFixed(0), 12)} ${pad(row.service_p95.toFixed(0), 7)} ${pad(`${row.overhead_pct}%`, 9)}`,
      );
    }
  }
  report.latency = latency;

  // Default request (labels, text, objects), end to end, all at once per type: overall overhead.
  const set640 = await images(640);
  const defaults = ['labels', 'text', 'objects'];
  const dAll: number[] = [];
  const sAll: number[] = [];
  for (let round = 0; round < (only('latency') ? ROUNDS : 0); round++) {
    for (const image of set640) {
      dAll.push(await direct(image.bytes, defaults));
      sAll.push((await http(image.bytes, defaults)).ms);
    }
  }
  const overall = {
    direct_p50: +percentile(dAll, 50).toFixed(1),
    service_p50: +percentile(sAll, 50).toFixed(1),
    overhead_pct: +((percentile(sAll, 50) / percentile(dAll, 50) - 1) * 100).toFixed(1),
  };
  report.default_request_640 = overall;
  console.log(
    `\n== default request (labels,text,objects) at 640 px: direct p50 ${overall.direct_p50} ms, service p50 ${overall.service_p50} ms, overhead ${overall.overhead_pct}% (target <= 10%)`,
  );

  /** What the machine gives right now: a pure-JS loop in 1 vs N worker threads (colleagues share it). */
  const cpuControl = async () => {
    const { Worker } = await import('node:worker_threads');
    const source =
      'let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i * 7) % 1000003; require("node:worker_threads").parentPort.postMessage(x);';
    const run = async (n: number) => {
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((resolve) => {
              const worker = new Worker(source, { eval: true });
              worker.once('message', () => void worker.terminate().then(() => resolve()));
            }),
        ),
      );
      return n / (ms(started) / 1000);
    };
    const one = await run(1);
    return (await run(CONCURRENCY)) / one;
  };

  console.log(
    `\n== throughput over HTTP at 640 px, ${REQUESTS} requests: 1 at a time vs ${CONCURRENCY} at a time ` +
      '(CPU = ms of CPU per request, all threads; busy = share of the wall time main thread / vision workers ran)',
  );
  const throughput: Record<string, number | string>[] = [];
  const local = analyzer as Partial<LocalImageAnalyzer>;
  const visionActive = () => (local.vision?.utilization() ?? []).map((u) => u.active);
  interface RunFigures {
    rps: number;
    cpuMsPerRequest: number;
    mainBusy: number;
    visionBusy: number[];
  }
  const run = async (types: string[], concurrency: number): Promise<RunFigures> => {
    let next = 0;
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const mainElu = performance.eventLoopUtilization();
    const vision = visionActive();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < REQUESTS) {
          const image = set640[next++ % set640.length];
          await http(image.bytes, types);
        }
      }),
    );
    const wall = ms(started);
    const used = process.cpuUsage(cpu);
    const visionAfter = visionActive();
    return {
      rps: REQUESTS / (wall / 1000),
      // Every thread of this process (HTTP client included, the same at 1 and at N).
      cpuMsPerRequest: (used.user + used.system) / 1000 / REQUESTS,
      mainBusy: performance.eventLoopUtilization(mainElu).utilization,
      visionBusy: visionAfter.map((active, i) => (active - (vision[i] ?? 0)) / wall),
    };
  };
  const busy = (f: RunFigures) => `${f.mainBusy.toFixed(2)} / ${f.visionBusy.map((b) => b.toFixed(2)).join(' ')}`;
  for (let round = 0; round < (only('throughput') ? ROUNDS + 1 : 0); round++) {
    const control = await cpuControl();
    for (const [name, types] of [
      ['objects', ['objects']],
      ['default', defaults],
    ] as const) {
      const one = await run([...types], 1);
      const many = await run([...types], CONCURRENCY);
      throughput.push({
        round: round + 1,
        request: name,
        concurrency: CONCURRENCY,
        one_rps: +one.rps.toFixed(2),
        many_rps: +many.rps.toFixed(2),
        speedup: +(many.rps / one.rps).toFixed(2),
        cpu_ms_per_request_1: +one.cpuMsPerRequest.toFixed(0),
        cpu_ms_per_request_n: +many.cpuMsPerRequest.toFixed(0),
        main_busy_1: +one.mainBusy.toFixed(2),
        main_busy_n: +many.mainBusy.toFixed(2),
        vision_busy_1: one.visionBusy.map((b) => +b.toFixed(2)).join(' '),
        vision_busy_n: many.visionBusy.map((b) => +b.toFixed(2)).join(' '),
        cpu_control: +control.toFixed(2),
      });
      console.log(
        `round ${round + 1} ${name.padEnd(8)}: 1 at a time ${one.rps.toFixed(2)} req/s (CPU ${one.cpuMsPerRequest.toFixed(0)} ms, busy ${busy(one)}), ` +
          `${CONCURRENCY} at a time ${many.rps.toFixed(2)} req/s (CPU ${many.cpuMsPerRequest.toFixed(0)} ms, busy ${busy(many)}), ` +
          `speedup ${(many.rps / one.rps).toFixed(2)}x; pure-JS control now ${control.toFixed(2)}x`,
      );
    }
  }
  const median = (name: string) =>
    percentile(
      throughput.filter((t) => t.request === name).map((t) => t.speedup as number),
      50,
    );
  report.throughput = throughput;
  report.throughput_median = { objects: median('objects'), default: median('default') };
  console.log(
    `median speedup: objects ${median('objects')}x (target >= 1.7x), default mix ${median('default')}x (one request already runs OCR and vision side by side)`,
  );

  console.log('\n== cache: the same bytes and options again');
  const miss: number[] = [];
  const hit: number[] = [];
  for (const image of only('cache') ? set640 : []) {
    const confidence = fresh();
    const first = await http(image.bytes, defaults, confidence);
    miss.push(first.ms);
    for (let i = 0; i < 3; i++) {
      const again = await http(image.bytes, defaults, confidence);
      if (!again.cached) throw new Error('expected a cache hit');
      hit.push(again.ms);
    }
  }
  const cache = {
    miss_p50: +percentile(miss, 50).toFixed(1),
    hit_p50: +percentile(hit, 50).toFixed(1),
    hit_p95: +percentile(hit, 95).toFixed(1),
    speedup: +(percentile(miss, 50) / percentile(hit, 50)).toFixed(1),
  };
  report.cache = cache;
  console.log(
    `miss p50 ${cache.miss_p50} ms, hit p50 ${cache.hit_p50} ms (p95 ${cache.hit_p95}), ${cache.speedup}x faster (target >= 20x)`,
  );

  const memory = process.memoryUsage();
  report.rss_mb = Math.round(memory.rss / 2 ** 20);
  report.readiness = analyzer.readiness();
  console.log(`\n== RSS with every model loaded (2 vision workers, 2 OCR workers, one process): ${report.rss_mb} MB`);
  report.loadavg_end = loadavg();
  console.log(
    `loadavg at end ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  console.log(`\n${JSON.stringify(report)}`);
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
