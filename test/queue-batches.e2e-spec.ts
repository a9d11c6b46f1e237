import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverEnv, s3Client } from './support/media-env';
import { RedisServer, startRedisServer } from './support/redis-server';
import { engineChildren, ServiceProcess, startServiceProcess, waitUntilUp } from './support/service-process';
import { wavHeader } from './support/wav';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = join(__dirname, 'fixtures');
const PHOTOS = ['coffee.jpg', 'cat.jpg', 'rocket.jpg', 'astronaut.jpg', 'people-montage.jpg', 'coffee.jpg'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** ~40 s of speech (cart.wav's samples twenty times): long enough to kill its worker mid-run. */
function longWav(): Buffer {
  const wav = readFileSync(join(FIXTURES, 'audio', 'cart.wav'));
  const at = wav.indexOf('data', 12, 'latin1');
  const samples = wav.subarray(at + 8, at + 8 + wav.readUInt32LE(at + 4));
  const data = Buffer.concat(Array.from({ length: 20 }, () => samples));
  return Buffer.concat([wavHeader(data.length), data]);
}

/**
 * A callback receiver on loopback. While `holding`, it reads each request and answers nothing
 * (deliveries stay in flight on whichever worker sent them); release() answers the held ones 503
 * and everything after 200. It records every request that got its 200 and the held requests
 * whose sender vanished (the killed replica's sockets closing).
 */
async function callbackReceiver() {
  const held = new Set<ServerResponse>();
  const delivered: { key: string; body: Json }[] = [];
  let holding = true;
  let lostWithSender = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (holding) {
        held.add(res);
        res.on('close', () => {
          if (held.delete(res)) lostWithSender += 1;
        });
        return;
      }
      delivered.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(raw) as Json });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    held: () => held.size,
    lostWithSender: () => lostWithSender,
    delivered,
    release() {
      holding = false;
      for (const res of [...held]) {
        held.delete(res);
        res.writeHead(503).end('busy');
      }
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('image batches, callbacks and poison jobs on the shared queue', () => {
  let redis: RedisServer;
  let storeEnv: Record<string, string>;
  let receiver: Awaited<ReturnType<typeof callbackReceiver>>;
  let s3: S3Client;
  const replicas: ServiceProcess[] = [];

  /** A record from the shared bucket (null when absent). */
  async function stored(key: string): Promise<Json | null> {
    try {
      const res = await s3.send(
        new GetObjectCommand({ Bucket: storeEnv.S3_BUCKET_NAME, Key: storeEnv.S3_PREFIX + key }),
      );
      return JSON.parse(await (res.Body as { transformToString(): Promise<string> }).transformToString()) as Json;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  const pidOf = (replica: ServiceProcess) => replica.child.pid as number;
  const ranOn = (worker: string, replica: ServiceProcess) => worker.includes(`-${pidOf(replica)}-`);
  const alive = () =>
    replicas.filter((replica) => replica.child.exitCode === null && replica.child.signalCode === null);

  beforeAll(async () => {
    [redis, receiver] = await Promise.all([startRedisServer(), callbackReceiver()]);
    storeEnv = driverEnv('s3');
    s3 = s3Client();
    const env = {
      ...storeEnv,
      REDIS_URL: redis.url,
      // A dead worker's jobs are taken over after ~3 s rather than 10.
      QUEUE_LOCK_MS: '3000',
      JOB_MAX_INTERRUPTIONS: '2',
      TRANSCRIBE_CONCURRENCY: '1',
      IMAGE_BATCH_CONCURRENCY: '1',
      IMAGE_ANALYSIS_PRELOAD: 'false',
      IMAGE_ANALYSIS_WORKERS: '1',
      IMAGE_OCR_WORKERS: '1',
      RATE_LIMIT_PER_MINUTE: '0',
      UPLOAD_SIGNING_SECRET: 'shared-upload-signing-secret',
      CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
      CALLBACK_TIMEOUT_MS: '60000',
      CALLBACK_RETRY_BASE_MS: '200',
      SHUTDOWN_GRACE_MS: '2000',
    };
    // Four replicas on one store and one Redis, each `all`.
    const started = await Promise.all(Array.from({ length: 4 }, () => startServiceProcess(env)));
    replicas.push(...started);
    await Promise.all(started.map((child) => waitUntilUp(`${child.baseUrl}/health`, 180_000, child.exited)));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(replicas.map((child) => child.stop('SIGKILL')));
    await Promise.all([redis?.close(), receiver?.close()]);
    s3?.destroy();
  });

  it('kill -9 of a replica with batch items and callback deliveries in flight: each item completes once, every callback arrives', async () => {
    const [a, b, c] = replicas;
    // Callbacks: a transcription finished once, then repeats answered from the cache, each
    // notifying the receiver (one queued delivery per job, with its own idempotency key).
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(FIXTURES, 'audio', 'cart.wav'))]), 'cart.wav');
    const media = (await json(`${a.baseUrl}/api/v1/upload`, { method: 'POST', body: form })).body;
    const submit = () =>
      json(`${a.baseUrl}/api/v1/transcribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ media_id: media.media_id, callback_url: receiver.url }),
      });
    const first = await submit();
    expect(first.status).toBe(202);
    await json(`${a.baseUrl}/api/v1/transcribe/${first.body.transcription_id}?wait=60`);
    const cachedIds: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const res = await submit();
      expect(res.body).toMatchObject({ status: 'completed', cached: true });
      cachedIds.push(res.body.transcription_id as string);
    }
    const expectedKeys = [first.body.transcription_id as string, ...cachedIds].map(
      (id) => `transcription:${id}:completed`,
    );
    // Every delivery is in flight somewhere (four workers, eight each at once).
    await until('all deliveries held', () => (receiver.held() === expectedKeys.length ? true : undefined), 30_000);

    // The batch goes to A; items are analysed by whichever replica is free.
    const batchForm = new FormData();
    batchForm.append('analysis_types', 'objects');
    for (const name of PHOTOS)
      batchForm.append('files', new Blob([readFileSync(join(FIXTURES, 'images', name))]), name);
    const accepted = await json(`${a.baseUrl}/api/v1/analyze-image/batch?wait=0`, { method: 'POST', body: batchForm });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('location')).toBe(`/api/v1/analyze-image/batch/${accepted.body.batch_id}`);
    const batchId = accepted.body.batch_id as string;
    const itemKey = (index: number) => `analyses/batches/${batchId}/items/${index}.json`;
    // Kill B while it analyses an item (its first loads the models: seconds).
    await until(
      'replica B running an item',
      async () => {
        const states = await Promise.all(PHOTOS.map((_, index) => stored(itemKey(index))));
        return states.some((state) => state?.runs.some((run: Json) => ranOn(run.worker, b) && !run.outcome))
          ? true
          : undefined;
      },
      60_000,
    );
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    await b.exited;
    receiver.release();

    // Readable from a replica that did not get the batch (C) and from the one that did (A).
    const done = await json(`${c.baseUrl}/api/v1/analyze-image/batch/${batchId}?wait=120`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', total: PHOTOS.length, succeeded: PHOTOS.length, failed: 0 });
    expect(done.body.items.map((item: Json) => item.filename)).toEqual(PHOTOS);
    const coffee = done.body.items[0].result.objects.map((object: Json) => object.name);
    expect(coffee).toContain('Cup');
    const fromA = await json(`${a.baseUrl}/api/v1/analyze-image/batch/${batchId}`);
    expect(fromA.body.items.map((item: Json) => item.result.analysis_id)).toEqual(
      done.body.items.map((item: Json) => item.result.analysis_id),
    );
    // Exactly once: one completed run per item, the last; B's item interrupted and taken over.
    let takeoverMs: number | undefined;
    const workers = new Set<string>();
    for (let index = 0; index < PHOTOS.length; index += 1) {
      const state = (await stored(itemKey(index))) as Json;
      expect(state.runs.filter((run: Json) => run.outcome === 'completed')).toHaveLength(1);
      expect(state.runs.at(-1).outcome).toBe('completed');
      for (const run of state.runs) workers.add(run.worker);
      const interrupted = state.runs.find((run: Json) => run.outcome === 'interrupted');
      if (interrupted) {
        expect(ranOn(interrupted.worker, b)).toBe(true);
        takeoverMs = Date.parse(state.runs.at(-1).started_at) - killedAt;
      }
    }
    expect(takeoverMs).toBeDefined();
    expect(workers.size).toBeGreaterThanOrEqual(2);

    // Callbacks: B's in-flight deliveries died with it, yet every job's callback arrived.
    expect(receiver.lostWithSender()).toBeGreaterThan(0);
    await until(
      'every callback delivered',
      () => (expectedKeys.every((key) => receiver.delivered.some((d) => d.key === key)) ? true : undefined),
      60_000,
    );
    for (const delivery of receiver.delivered) expect(delivery.body.status).toBe('completed');
    process.stdout.write(
      `image batch takeover after kill -9: ${takeoverMs} ms; callbacks lost with B: ${receiver.lostWithSender()}\n`,
    );

    // A small batch finished within its wait answers 200 at once, whichever replica runs it.
    const small = new FormData();
    small.append('analysis_types', 'colors');
    small.append('files', new Blob([readFileSync(join(FIXTURES, 'images', 'cat.jpg'))]), 'cat.jpg');
    small.append('files', new Blob([Buffer.from('not an image')]), 'notes.png');
    const sentAt = Date.now();
    const quick = await json(`${c.baseUrl}/api/v1/analyze-image/batch?wait=30`, { method: 'POST', body: small });
    process.stdout.write(`small batch (1 image + 1 refused) round trip through Redis: ${Date.now() - sentAt} ms\n`);
    expect(quick.status).toBe(200);
    expect(quick.body).toMatchObject({ status: 'completed', succeeded: 1, failed: 1 });
    expect(quick.body.items[1]).toMatchObject({ status: 'failed', error: { code: 'INVALID_FILE_FORMAT' } });
  }, 300_000);

  it('a job whose worker dies JOB_MAX_INTERRUPTIONS times ends failed with REPEATEDLY_INTERRUPTED', async () => {
    const [entry] = alive();
    const form = new FormData();
    form.append('file', new Blob([longWav()]), 'long.wav');
    const media = (await json(`${entry.baseUrl}/api/v1/upload`, { method: 'POST', body: form })).body;
    const res = await json(`${entry.baseUrl}/api/v1/transcribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ media_id: media.media_id }),
    });
    expect(res.status).toBe(202);
    const id = res.body.transcription_id as string;
    const killed: ServiceProcess[] = [];
    for (let kill = 0; kill < 2; kill += 1) {
      // Whoever runs it now (the engine is its child process) dies mid-run.
      const runner = await until(
        'a replica running the job',
        () => alive().find((replica) => engineChildren(pidOf(replica)).length > 0),
        60_000,
      );
      runner.child.kill('SIGKILL');
      await runner.exited;
      killed.push(runner);
    }
    const survivor = alive()[0];
    const job = await until(
      'the job failed',
      async () => {
        const view = (await json(`${survivor.baseUrl}/api/v1/transcribe/${id}`)).body;
        return view.status === 'failed' || view.status === 'completed' ? view : undefined;
      },
      60_000,
    );
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'REPEATEDLY_INTERRUPTED', details: { max_interruptions: 2 } });
    const runs = job.error.details.runs as Json[];
    expect(runs).toHaveLength(2);
    expect(runs.map((run) => run.outcome)).toEqual(['interrupted', 'interrupted']);
    expect(runs.map((run) => killed.findIndex((replica) => ranOn(run.worker, replica)))).toEqual([0, 1]);
    // It stays failed: no replica starts it again.
    await sleep(4_000);
    expect(alive().every((replica) => engineChildren(pidOf(replica)).length === 0)).toBe(true);
    expect((await stored(`transcriptions/jobs/${id}.json`))?.status).toBe('failed');
  }, 200_000);

  it('Redis away: a batch answers 503 QUEUE_UNAVAILABLE and keeps neither its record nor its images', async () => {
    const [survivor] = alive();
    const count = async (prefix: string) => {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: storeEnv.S3_BUCKET_NAME, Prefix: storeEnv.S3_PREFIX + prefix }),
      );
      return listed.KeyCount ?? 0;
    };
    const before = { media: await count('media/'), batches: await count('analyses/batches/') };
    await redis.stop();
    const form = new FormData();
    form.append('analysis_types', 'colors');
    form.append('files', new Blob([readFileSync(join(FIXTURES, 'images', 'cat.jpg'))]), 'cat.jpg');
    const refused = await json(`${survivor.baseUrl}/api/v1/analyze-image/batch`, { method: 'POST', body: form });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'QUEUE_UNAVAILABLE', details: { queue: 'image-batch' } });
    expect({ media: await count('media/'), batches: await count('analyses/batches/') }).toEqual(before);
  }, 60_000);
});
