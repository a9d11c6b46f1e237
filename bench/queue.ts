/**
 * npm run bench:queue [-- --jobs=6]
 *
 * The shared queue (issue 12), with real processes on one machine and a local DATA_DIR they share:
 * - throughput of local transcription with 1 and then 2 worker processes (SERVICE_ROLE=worker,
 *   TRANSCRIBE_CONCURRENCY=1 each) behind one api process, in the same run;
 * - the queue's added latency per job, submit to start (job record created_at -> started_at), on an
 *   idle worker: BullMQ on Redis against the in-process queue.
 * Every job uses different audio (a fixture in another format or sentence), so none is a cache hit.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../test/support/redis-server';
import { ServiceProcess, startServiceProcess, waitUntilUp } from '../test/support/service-process';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const JOBS = Number(args.jobs ?? 6);
const AUDIO = join(__dirname, '..', 'test', 'fixtures', 'audio');
const CLIPS = readdirSync(AUDIO)
  .filter((name) => /\.(mp3|ogg|flac|m4a|wav)$/.test(name))
  .sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => loadavg()[0].toFixed(1);
let clip = 0;

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const child = await startServiceProcess({
    IMAGE_ANALYSIS_PRELOAD: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    TRANSCRIBE_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  await waitUntilUp(`${child.baseUrl}/health/ready`, 120_000, child.exited);
  return child;
}

async function submit(api: ServiceProcess): Promise<string> {
  const name = CLIPS[clip++ % CLIPS.length];
  const form = new FormData();
  form.append('file', new Blob([readFileSync(join(AUDIO, name))]), name);
  const res = await fetch(`${api.baseUrl}/api/v1/transcribe`, { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as Json).transcription_id as string;
}

async function waitDone(api: ServiceProcess, id: string): Promise<Json> {
  for (;;) {
    const job = (await (await fetch(`${api.baseUrl}/api/v1/transcribe/${id}?wait=60`)).json()) as Json;
    if (job.status === 'completed' || job.status === 'failed') return job;
  }
}

function record(dataDir: string, id: string): Json {
  return JSON.parse(readFileSync(join(dataDir, 'objects', 'transcriptions', 'jobs', `${id}.json`), 'utf8')) as Json;
}

/** Seconds to finish `JOBS` jobs submitted at once. */
async function batchSeconds(api: ServiceProcess): Promise<number> {
  const started = Date.now();
  const ids: string[] = [];
  for (let index = 0; index < JOBS; index += 1) ids.push(await submit(api));
  await Promise.all(ids.map((id) => waitDone(api, id)));
  return (Date.now() - started) / 1000;
}

/** Median submit-to-start milliseconds of jobs sent one at a time to an idle worker. */
async function queueLatencyMs(api: ServiceProcess, dataDir: string, count = 5): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = await submit(api);
    await waitDone(api, id);
    const job = record(dataDir, id);
    samples.push(Date.parse(job.started_at) - Date.parse(job.created_at));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-queue-'));
  const shared = {
    DATA_DIR: dataDir,
    REDIS_URL: redis.url,
    UPLOAD_SIGNING_SECRET: 'bench-upload-signing-secret',
  };
  const processes: ServiceProcess[] = [];
  try {
    const api = await start({ ...shared, SERVICE_ROLE: 'api' });
    processes.push(api);
    processes.push(await start({ ...shared, SERVICE_ROLE: 'worker' }));
    await batchSeconds(api); // warm-up: first decode, first Redis round trips
    console.log(`load average before: ${load()}`);
    const one = await batchSeconds(api);
    processes.push(await start({ ...shared, SERVICE_ROLE: 'worker' }));
    const two = await batchSeconds(api);
    console.log(`load average after: ${load()}`);
    console.log(`${JOBS} jobs, 1 worker process: ${one.toFixed(1)} s; 2 worker processes: ${two.toFixed(1)} s`);
    console.log(`throughput 2 workers / 1 worker: ${(one / two).toFixed(2)}x`);
    const redisLatency = await queueLatencyMs(api, dataDir);
    for (const child of processes.splice(0)) await child.stop();

    const inProcessDir = mkdtempSync(join(tmpdir(), 'bench-queue-local-'));
    const local = await start({ DATA_DIR: inProcessDir });
    processes.push(local);
    await queueLatencyMs(local, inProcessDir, 1);
    const localLatency = await queueLatencyMs(local, inProcessDir);
    rmSync(inProcessDir, { recursive: true, force: true });
    console.log(
      `queue latency submit -> start (median of 5, idle worker): Redis ${redisLatency} ms, in-process ${localLatency} ms`,
    );
  } finally {
    for (const child of processes) await child.stop().catch(() => undefined);
    await redis.close();
    rmSync(dataDir, { recursive: true, force: true });
    await sleep(0);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
