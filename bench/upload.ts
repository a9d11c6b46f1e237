/**
 * npm run bench:upload [-- --size=1GB --backends=local,s3]
 *
 * Streams a generated WAV file (1 GB by default, in a temp dir, deleted afterwards) through
 * POST /api/v1/upload and back through GET /download on each backend, with the service running
 * as its own process, and prints MB/s beside baselines: `cp` of the same file on the same disk and a
 * bare node:http + busboy + SHA-256 server writing it to the same disk (local, bench/bare-upload-server.js),
 * and a direct lib-storage Upload to the same S3 server (s3, same part size and concurrency as the
 * service). It also prints the service's peak RSS growth during the transfer.
 * Targets: local upload >= 0.8x the bare busboy server (issue 14); S3 upload >= 0.8x the direct
 * Upload; RSS growth <= 100 MB (issue 3).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import bytes from 'bytes';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServiceProcess, waitUntilUp } from '../test/support/service-process';
import {
  BenchS3,
  benchArgs,
  generateWav,
  rssSampler,
  startBenchS3,
  uploadMultipart,
  waitForModelsLoaded,
} from './support';

const args = benchArgs();
const SIZE = bytes.parse(args.size ?? '1GB') as number;
const BACKENDS = (args.backends ?? 'local,s3').split(',');
const BUCKET = 'media-bench';
// lib-storage's defaults, which the service's S3 store uses too.
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 4;
const BARE_BUSBOY = 'bare node:http + busboy + SHA-256';
const DIRECT_UPLOAD = 'direct lib-storage Upload';

const mbps = (size: number, ms: number) => size / 1024 / 1024 / (ms / 1000);
const fmt = (n: number) => n.toFixed(1).padStart(7);

function download(url: string): Promise<{ status: number; size: number }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => (size += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, size }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

interface Baseline {
  name: string;
  run: () => Promise<number>;
}

interface Row {
  backend: string;
  baselines: Array<{ name: string; MBps: number }>;
  uploadMBps: number;
  downloadMBps: number;
  rssGrowthMB: number;
}

const ROUNDS = Number(args.rounds ?? 2);

/**
 * Starts the service, then for each round runs the baseline and the service's upload and
 * download back to back (interleaved, so both see the same machine load), and keeps the best
 * of each. RSS is sampled over all rounds against the level after a warm-up upload.
 */
async function benchService(
  backend: string,
  baselines: Baseline[],
  env: Record<string, string>,
  file: string,
): Promise<Row> {
  const service = await startServiceProcess({
    MAX_FILE_SIZE: String(SIZE + 1024),
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ...(process.env.BENCH_PROFILE_DIR
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` }
      : {}),
    ...env,
  });
  const best = { baselines: baselines.map(() => Infinity), upload: Infinity, download: Infinity };
  try {
    await waitUntilUp(`${service.baseUrl}/health`, 60_000, service.exited);
    // The image models load in the background after start: measure RSS only once they sit in memory.
    await waitForModelsLoaded(service.baseUrl);
    // Warm up (module loading, first S3 calls) with a small upload before measuring.
    const warm = await uploadMultipart(service.baseUrl, join(__dirname, '..', 'test/fixtures/media/tone.wav'), 32044);
    if (warm.status !== 201) throw new Error(`warm-up upload failed: ${warm.status} ${warm.body}`);
    const rss = rssSampler(service.child.pid as number);
    const rssBefore = rss.current();
    let peak = rssBefore;
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const [index, baseline] of baselines.entries()) {
        process.stderr.write(`${backend}: round ${round}: ${baseline.name}\n`);
        const baselineMs = await baseline.run();
        process.stderr.write(`${backend}: ${baseline.name} ${fmt(mbps(SIZE, baselineMs))} MB/s\n`);
        best.baselines[index] = Math.min(best.baselines[index], baselineMs);
      }
      process.stderr.write(`${backend}: round ${round}: upload and download through the service\n`);
      rss.start();
      try {
        const cpuBefore = rss.cpuSeconds();
        const up = await timed(() => uploadMultipart(service.baseUrl, file, SIZE));
        process.stderr.write(
          `${backend}: upload ${fmt(mbps(SIZE, up.ms))} MB/s, service CPU ${(rss.cpuSeconds() - cpuBefore).toFixed(1)} s\n`,
        );
        if (up.result.status !== 201) throw new Error(`upload failed: ${up.result.status} ${up.result.body}`);
        const record = JSON.parse(up.result.body) as { media_id: string; size: number };
        const down = await timed(() => download(`${service.baseUrl}/api/v1/media/${record.media_id}/download`));
        if (down.result.status !== 200 || down.result.size !== SIZE) {
          throw new Error(`download failed: ${down.result.status}, ${down.result.size} bytes`);
        }
        best.upload = Math.min(best.upload, up.ms);
        best.download = Math.min(best.download, down.ms);
        const removed = await fetch(`${service.baseUrl}/api/v1/media/${record.media_id}`, { method: 'DELETE' });
        if (removed.status !== 204) throw new Error(`delete failed: ${removed.status}`);
      } finally {
        peak = Math.max(peak, rss.stop());
      }
    }
    return {
      backend,
      baselines: baselines.map((baseline, index) => ({ name: baseline.name, MBps: mbps(SIZE, best.baselines[index]) })),
      uploadMBps: mbps(SIZE, best.upload),
      downloadMBps: mbps(SIZE, best.download),
      rssGrowthMB: (peak - rssBefore) / 1024 / 1024,
    };
  } catch (error) {
    process.stderr.write(`service output:\n${service.stdout().slice(-4000)}\n${service.stderr().slice(-4000)}\n`);
    throw error;
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'media-bench-'));
  const file = join(dir, 'bench.wav');
  const rows: Row[] = [];
  let s3: BenchS3 | undefined;
  try {
    process.stderr.write(`generating ${bytes.format(SIZE)} in ${dir}\n`);
    generateWav(file, SIZE);

    if (BACKENDS.includes('local')) {
      const cp = async () => {
        const copy = await timed(async () => execFileSync('cp', [file, join(dir, 'copy.wav')]));
        rmSync(join(dir, 'copy.wav'));
        return copy.ms;
      };
      const bare = await startBareUploadServer(dir);
      try {
        const busboyServer = async () => {
          const upload = await timed(() => uploadMultipart(bare.baseUrl, file, SIZE));
          if (upload.result.status !== 201) throw new Error(`bare upload failed: ${upload.result.status}`);
          return upload.ms;
        };
        rows.push(
          await benchService(
            'local',
            [
              { name: 'cp same disk', run: cp },
              { name: BARE_BUSBOY, run: busboyServer },
            ],
            { STORAGE_DRIVER: 'local' },
            file,
          ),
        );
      } finally {
        bare.child.kill('SIGTERM');
      }
    }

    if (BACKENDS.includes('s3')) {
      process.stderr.write('s3: starting radosgw\n');
      s3 = await startBenchS3(BUCKET, Math.max(4 * 1024 ** 3, SIZE * (2 * ROUNDS + 2)));
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      const direct = async () => {
        const upload = await timed(() =>
          new Upload({
            client,
            params: {
              Bucket: BUCKET,
              Key: 'direct/bench.wav',
              Body: createReadStream(file, { highWaterMark: 1024 * 1024 }),
            },
            partSize: PART_SIZE,
            queueSize: QUEUE_SIZE,
          }).done(),
        );
        await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'direct/bench.wav' }));
        return upload.ms;
      };
      try {
        rows.push(await benchService('s3', [{ name: DIRECT_UPLOAD, run: direct }], s3.serviceEnv, file));
      } finally {
        client.destroy();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s3?.stop();
  }

  const lines = [
    `file: ${bytes.format(SIZE)} WAV, Node ${process.version}, best of ${ROUNDS} interleaved rounds`,
    'backend | upload MB/s | download MB/s | baseline                          | baseline MB/s | upload/baseline | peak RSS growth',
    ...rows.flatMap((row) =>
      row.baselines.map(
        (baseline) =>
          `${row.backend.padEnd(7)} | ${fmt(row.uploadMBps)}     | ${fmt(row.downloadMBps)}       | ${baseline.name.padEnd(33)} | ${fmt(baseline.MBps)}       | ${(row.uploadMBps / baseline.MBps).toFixed(2).padStart(6)}x         | ${row.rssGrowthMB.toFixed(1)} MB`,
      ),
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const below = (backend: string, baselineName: string) => {
    const row = rows.find((candidate) => candidate.backend === backend);
    const baseline = row?.baselines.find((candidate) => candidate.name === baselineName);
    return row !== undefined && baseline !== undefined && row.uploadMBps < 0.8 * baseline.MBps;
  };
  const failures = [
    ...(below('local', BARE_BUSBOY) ? [`local upload below 0.8x the ${BARE_BUSBOY} server`] : []),
    ...(below('s3', DIRECT_UPLOAD) ? ['s3 upload below 0.8x the direct Upload'] : []),
    ...rows.filter((row) => row.rssGrowthMB > 100).map((row) => `${row.backend}: RSS growth over 100 MB`),
  ];
  if (failures.length) {
    process.stdout.write(`targets missed: ${failures.join('; ')}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `targets met: local upload >= 0.8x ${BARE_BUSBOY}, S3 upload >= 0.8x direct, RSS growth <= 100 MB\n`,
    );
  }
}

/** bench/bare-upload-server.js in its own process, on a free loopback port. */
async function startBareUploadServer(dir: string): Promise<{ baseUrl: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'bare-upload-server.js'), dir, String(port)], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bare upload server exited (${code})`)));
    child.stdout.once('data', () => resolve());
  });
  return { baseUrl: `http://127.0.0.1:${port}`, child };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
