import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverEnv } from './support/media-env';
import { RedisServer, startRedisServer } from './support/redis-server';
import { engineChildren, ServiceProcess, startServiceProcess, waitUntilUp } from './support/service-process';
// Every response of the service is checked against the OpenAPI document it serves.
import { checkedFetch as fetch } from './support/openapi-contract';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const AUDIO = join(__dirname, 'fixtures', 'audio');
const audio = (name: string) => readFileSync(join(AUDIO, name));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const finished = (job: Json) => job.status === 'completed' || job.status === 'failed';

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Json };
}

async function upload(service: ServiceProcess, name: string): Promise<Json> {
  const form = new FormData();
  form.append('file', new Blob([audio(name)]), name);
  const res = await json(`${service.baseUrl}/api/v1/upload`, { method: 'POST', body: form });
  expect(res.status).toBe(201);
  return res.body;
}

function submit(service: ServiceProcess, mediaId: string) {
  return json(`${service.baseUrl}/api/v1/transcribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ media_id: mediaId, language_code: 'en-US' }),
  });
}

async function pollJob(service: ServiceProcess, id: string, until: (job: Json) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let job: Json = {};
  while (Date.now() < deadline) {
    job = (await json(`${service.baseUrl}/api/v1/transcribe/${id}`)).body;
    if (until(job)) return job;
    await sleep(500);
  }
  throw new Error(`job ${id} is still ${JSON.stringify(job.status)} after ${timeoutMs} ms`);
}

/** The job record itself (attempts, runs and their workers), read from the shared bucket. */
async function jobRecord(env: Record<string, string>, id: string): Promise<Json> {
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  const res = await client.send(
    new GetObjectCommand({ Bucket: env.S3_BUCKET_NAME, Key: `${env.S3_PREFIX}transcriptions/jobs/${id}.json` }),
  );
  const record = JSON.parse(await (res.Body as { transformToString(): Promise<string> }).transformToString()) as Json;
  client.destroy();
  return record;
}

describe('shared queue on Redis: replicas, roles, faults', () => {
  let redis: RedisServer;
  const started: ServiceProcess[] = [];
  let storeEnv: Record<string, string>;

  async function service(env: Record<string, string>): Promise<ServiceProcess> {
    const child = await startServiceProcess({
      ...storeEnv,
      REDIS_URL: redis.url,
      TRANSCRIBE_CONCURRENCY: '1',
      IMAGE_ANALYSIS_PRELOAD: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
      UPLOAD_SIGNING_SECRET: 'shared-upload-signing-secret',
      SHUTDOWN_GRACE_MS: '3000',
      ...env,
    });
    started.push(child);
    try {
      await waitUntilUp(`${child.baseUrl}/health`, 180_000, child.exited);
    } catch (error) {
      await child.stop('SIGKILL'); // a late starter must not take the next test's jobs
      throw error;
    }
    return child;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    storeEnv = driverEnv('s3');
  });

  afterAll(async () => {
    await Promise.all(started.map((child) => child.stop('SIGKILL')));
    await redis.close();
  });

  it('two replicas share the work; kill -9 of one: every job completes once per recorded attempt', async () => {
    const [a, b] = await Promise.all([service({}), service({})]);
    const media = await upload(a, 'cart.mp3');
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const res = await submit(a, media.media_id as string);
      expect(res.status).toBe(202);
      ids.push(res.body.transcription_id as string);
    }
    // Wait until B (which got no request) runs one of A's jobs, then kill it mid-run.
    const deadline = Date.now() + 60_000;
    while (engineChildren(b.child.pid as number).length === 0) {
      if (Date.now() > deadline) throw new Error('replica B never ran a job');
      await sleep(20);
    }
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    await b.exited;

    const jobs = await Promise.all(ids.map((id) => pollJob(a, id, finished, 120_000)));
    expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'completed'));
    const records = await Promise.all(ids.map((id) => jobRecord(storeEnv, id)));
    const workers = new Set<string>();
    let takeoverMs: number | undefined;
    for (const record of records) {
      // One run per recorded attempt, exactly one of them completed, and it was the last.
      expect(record.runs).toHaveLength(record.attempts);
      expect(record.runs.filter((run: Json) => run.outcome === 'completed')).toHaveLength(1);
      expect(record.runs.at(-1).outcome).toBe('completed');
      for (const run of record.runs) workers.add(run.worker);
      const interrupted = record.runs.find((run: Json) => run.outcome === 'interrupted');
      if (interrupted) {
        expect(interrupted.worker).toContain(`-${b.child.pid}-`);
        takeoverMs = Date.parse(record.runs.at(-1).started_at) - killedAt;
      }
    }
    // Both replicas ran jobs submitted to one of them, and B's running job was taken over.
    expect([...workers].some((worker) => worker.includes(`-${b.child.pid}-`))).toBe(true);
    expect([...workers].some((worker) => worker.includes(`-${a.child.pid}-`))).toBe(true);
    expect(takeoverMs).toBeDefined();
    process.stdout.write(`takeover after kill -9: ${takeoverMs} ms\n`);
    await a.stop();
  }, 400_000);

  it('api + worker: the api never runs an engine; jobs wait for a worker and complete once it starts', async () => {
    // The api cannot even find the engine: if it tried to run one the job would fail.
    const api = await service({ SERVICE_ROLE: 'api', POCKETSPHINX_PATH: '/nonexistent/pocketsphinx_continuous' });
    const ready = await json(`${api.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const media = await upload(api, 'keyboard.mp3');
    const res = await submit(api, media.media_id as string);
    expect(res.status).toBe(202);
    await sleep(3_000);
    expect((await json(`${api.baseUrl}/api/v1/transcribe/${res.body.transcription_id}`)).body.status).toBe('queued');

    const worker = await service({ SERVICE_ROLE: 'worker' });
    // A worker answers only its probes.
    expect((await json(`${worker.baseUrl}/api/v1/transcribe/${res.body.transcription_id}`)).status).toBe(404);
    const workerReady = await json(`${worker.baseUrl}/health/ready`);
    expect(workerReady.status).toBe(200);
    const job = await pollJob(api, res.body.transcription_id as string, finished, 90_000);
    expect(job.status).toBe('completed');
    expect(job.transcript).toContain('keyboard');

    // SIGTERM on the worker while it runs a job: the job finishes or is handed back, never lost.
    const second = await submit(api, (await upload(api, 'jacket.mp3')).media_id as string);
    await pollJob(api, second.body.transcription_id as string, (j) => j.status === 'in_progress', 60_000);
    expect(await worker.stop('SIGTERM')).toBe(0);
    const other = await service({ SERVICE_ROLE: 'worker' });
    const done = await pollJob(api, second.body.transcription_id as string, finished, 90_000);
    expect(done.status).toBe('completed');
    await other.stop();

    // Redis stopped: submit answers 503 QUEUE_UNAVAILABLE and keeps nothing; readiness says so.
    const fresh = await upload(api, 'leather-boots.mp3'); // not transcribed yet: no cached answer
    await redis.stop();
    const refused = await submit(api, fresh.media_id as string);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('QUEUE_UNAVAILABLE');
    expect((await json(`${api.baseUrl}/health/ready`)).status).toBe(503);
    // Redis back: the same process recovers without a restart.
    await redis.start();
    let readyAgain = 0;
    for (let tries = 0; tries < 40 && readyAgain !== 200; tries += 1) {
      await sleep(250);
      readyAgain = (await json(`${api.baseUrl}/health/ready`)).status;
    }
    expect(readyAgain).toBe(200);
    const accepted = await submit(api, fresh.media_id as string);
    expect(accepted.status).toBe(202);
    await api.stop();
  }, 600_000);

  it('the rate limit counts across replicas', async () => {
    const limit = { RATE_LIMIT_PER_MINUTE: '10' };
    const [a, b] = await Promise.all([service(limit), service(limit)]);
    const missing = '00000000-0000-4000-8000-000000000000';
    const statuses: number[] = [];
    for (let index = 0; index < 12; index += 1) {
      const target = index % 2 === 0 ? a : b;
      statuses.push((await fetch(`${target.baseUrl}/api/v1/transcribe/${missing}`)).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => 404));
    expect(statuses.slice(10)).toEqual([429, 429]);
  }, 400_000);
});
