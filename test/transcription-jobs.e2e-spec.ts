import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../src/storage/local-object-store';
import { OBJECT_STORE, ObjectStore } from '../src/storage/object-store';
import { TranscriptionService } from '../src/transcription/transcription.service';
import { createTestApp, TestApp } from './support/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const AUDIO = join(__dirname, 'fixtures', 'audio');
const audio = (name: string) => readFileSync(join(AUDIO, name));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WAV of `copies` times the PCM of a 16 kHz mono fixture: a job that keeps the engine busy a while. */
function repeatedWav(name: string, copies: number): Buffer {
  const source = audio(name);
  const header = Buffer.from(source.subarray(0, 44));
  const body = Buffer.concat(Array.from({ length: copies }, () => source.subarray(44)));
  header.writeUInt32LE(36 + body.length, 4);
  header.writeUInt32LE(body.length, 40);
  return Buffer.concat([header, body]);
}

async function poll(t: TestApp, id: string, until: (job: Json) => boolean, timeoutMs: number): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  let job: Json = {};
  while (Date.now() < deadline) {
    job = (await t.http.get(`/api/v1/transcribe/${id}`).expect(200)).body;
    if (until(job)) return job;
    await sleep(200);
  }
  throw new Error(`job ${id} is still ${JSON.stringify(job.status)} after ${timeoutMs} ms`);
}

/** How many speech engine processes this (test) process has running right now. */
function enginesRunning(): number {
  let count = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && stat.includes('(pocketsphinx')) count += 1;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const finished = (job: Json) => job.status === 'completed' || job.status === 'failed';
const record = (store: ObjectStore, id: string) => store.readJson<Json>(`transcriptions/jobs/${id}.json`);

/** A job record as a process killed mid-run leaves it (with its unfinished-index entry). */
async function leaveUnfinished(store: ObjectStore, job: Json, holder = 'gone-host-1-deadbeef'): Promise<void> {
  await store.writeJson(`transcriptions/jobs/${job.transcription_id}.json`, job);
  await store.writeJson(`transcriptions/unfinished/${job.transcription_id}.json`, {
    transcription_id: job.transcription_id,
    created_at: job.created_at,
    holder,
    claimed_at: job.created_at,
  });
}

describe('transcription jobs: recovery order, index, shared DATA_DIR', () => {
  it('resumes interrupted jobs first, shows them queued until they run, and reads only unfinished records', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobs-recovery-'));
    try {
      const first = await createTestApp({ env: { DATA_DIR: dataDir } });
      const upload = await first.http.post('/api/v1/upload').attach('file', audio('cart.mp3'), 'cart.mp3').expect(201);
      const store = first.app.get<ObjectStore>(OBJECT_STORE);
      const base = (minutesAgo: number) => ({
        owner: '',
        progress: 40,
        created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        filename: 'cart.mp3',
        sha256: upload.body.sha256,
        provider: 'local',
        media_id: upload.body.media_id,
        options: { language_code: 'en-US', output_format: 'json' },
      });
      // A waiting job submitted before the interrupted ones started (an id that sorts first): the
      // interrupted ones must still go first.
      const waiting = ['00000000-0000-4000-8000-000000000001'];
      const interrupted = ['ffffffff-0000-4000-8000-000000000001', 'ffffffff-0000-4000-8000-000000000002'];
      await leaveUnfinished(store, { ...base(10), transcription_id: waiting[0], status: 'queued', attempts: 0 });
      for (const [index, id] of interrupted.entries()) {
        const startedAt = new Date(Date.now() - (2 - index) * 60_000).toISOString();
        await leaveUnfinished(store, {
          ...base(8),
          transcription_id: id,
          status: 'in_progress',
          started_at: startedAt,
          attempts: 1,
          runs: [{ attempt: 1, worker: 'gone-host-1-deadbeef', started_at: startedAt }],
        });
      }
      // History: finished jobs the start-up must not read.
      const history = Array.from({ length: 30 }, () => randomUUID());
      for (const id of history) {
        await store.writeJson(`transcriptions/jobs/${id}.json`, {
          ...base(60),
          transcription_id: id,
          status: 'completed',
          attempts: 1,
        });
      }
      await first.close();

      // Count what the start-up reads (the real store underneath).
      const listed: string[] = [];
      const read: string[] = [];
      const originalList = LocalObjectStore.prototype.list;
      const originalRead = LocalObjectStore.prototype.readJson;
      LocalObjectStore.prototype.list = function (this: LocalObjectStore, prefix: string) {
        listed.push(prefix);
        return originalList.call(this, prefix);
      };
      LocalObjectStore.prototype.readJson = function <T>(this: LocalObjectStore, key: string) {
        read.push(key);
        return originalRead.call(this, key) as Promise<T | null>;
      };
      let second: TestApp | undefined;
      try {
        second = await createTestApp({ env: { DATA_DIR: dataDir, TRANSCRIBE_CONCURRENCY: '1' } });
      } finally {
        LocalObjectStore.prototype.list = originalList;
        LocalObjectStore.prototype.readJson = originalRead;
      }
      try {
        expect(listed).not.toContain('transcriptions/jobs/');
        expect(listed).toContain('transcriptions/unfinished/');
        expect(read.filter((key) => history.some((id) => key.includes(id)))).toEqual([]);

        // Right after start one job runs; the others, interrupted or not, say queued while they wait.
        const states = await Promise.all(
          [...interrupted, ...waiting].map(
            async (id) => (await second!.http.get(`/api/v1/transcribe/${id}`)).body.status,
          ),
        );
        expect(states.filter((status) => status !== 'queued').length).toBeLessThanOrEqual(1);

        const fresh = await second.http
          .post('/api/v1/transcribe')
          .send({ media_id: upload.body.media_id, language_code: 'en-US' })
          .expect(202);
        const ids = [...interrupted, ...waiting, fresh.body.transcription_id as string];
        const done = await Promise.all(ids.map((id) => poll(second!, id, finished, 120_000)));
        expect(done.map((job) => job.status)).toEqual(ids.map(() => 'completed'));

        const secondStore = second.app.get<ObjectStore>(OBJECT_STORE);
        const records = await Promise.all(ids.map((id) => record(secondStore, id)));
        const startedAt = records.map((job) => Date.parse(job!.started_at));
        // The interrupted jobs ran first, then the older waiting ones in order, then the new one.
        expect([...startedAt].sort((a, b) => a - b)).toEqual(startedAt);
        const worker = second.app.get(TranscriptionService).workerInstance;
        expect(records[0]).toMatchObject({
          attempts: 2,
          runs: [
            { attempt: 1, worker: 'gone-host-1-deadbeef', outcome: 'interrupted' },
            { attempt: 2, worker, outcome: 'completed' },
          ],
        });
        // Finished jobs leave the index.
        for (const id of ids) expect(await secondStore.head(`transcriptions/unfinished/${id}.json`)).toBeNull();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a replica starting on a shared DATA_DIR leaves the other one its jobs and in-flight temp files', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobs-shared-'));
    const env = { DATA_DIR: dataDir, TRANSCRIBE_CONCURRENCY: '1' };
    const a = await createTestApp({ env });
    let b: TestApp | undefined;
    try {
      const long = await a.http
        .post('/api/v1/transcribe')
        .attach('file', repeatedWav('monitor.wav', 2), 'long.wav')
        .expect(202);
      const waiting = await a.http.post('/api/v1/transcribe').attach('file', audio('cart.mp3'), 'cart.mp3').expect(202);
      await poll(a, long.body.transcription_id, (job) => job.status === 'in_progress', 10_000);
      // A partial write the other replica is making right now, and one a crash left an hour ago.
      const inFlight = join(dataDir, '.tmp', randomUUID());
      const stale = join(dataDir, '.tmp', randomUUID());
      writeFileSync(inFlight, 'partial upload');
      writeFileSync(stale, 'left by a crash');
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      utimesSync(stale, twoHoursAgo, twoHoursAgo);

      b = await createTestApp({ env });
      expect(existsSync(inFlight)).toBe(true);
      expect(existsSync(stale)).toBe(false);

      // ?wait on B for a job A runs answers when A finishes it, not at the end of the wait.
      const started = Date.now();
      const waited = await b.http.get(`/api/v1/transcribe/${long.body.transcription_id}?wait=60`).expect(200);
      expect(waited.body.status).toBe('completed');
      expect(Date.now() - started).toBeLessThan(45_000);
      const done = await poll(b, waiting.body.transcription_id, finished, 90_000);
      expect(done.status).toBe('completed');

      const store = a.app.get<ObjectStore>(OBJECT_STORE);
      const worker = a.app.get(TranscriptionService).workerInstance;
      for (const id of [long.body.transcription_id, waiting.body.transcription_id]) {
        // Each ran once, by A: B's start did not resume what A was running or holding.
        expect(await record(store, id)).toMatchObject({ attempts: 1, runs: [{ worker, outcome: 'completed' }] });
      }
    } finally {
      await b?.close();
      await a.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a job accepted while the disk is full completes once space is back, never left queued', async () => {
    // A real full disk: a small tmpfs (CI runs as root).
    const mountPoint = mkdtempSync(join(tmpdir(), 'jobs-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
    const t = await createTestApp({ env: { DATA_DIR: mountPoint, TRANSCRIBE_CONCURRENCY: '1' } });
    const filler = join(mountPoint, 'filler');
    try {
      const upload = await t.http.post('/api/v1/upload').attach('file', audio('cart.mp3'), 'cart.mp3').expect(201);
      // The first job keeps the engine busy while the disk fills; the second waits behind it.
      const busy = await t.http
        .post('/api/v1/transcribe')
        .attach('file', repeatedWav('keyboard.wav', 4), 'busy.wav')
        .expect(202);
      const waiting = await t.http
        .post('/api/v1/transcribe')
        .send({ media_id: upload.body.media_id, language_code: 'en-US' })
        .expect(202);
      // Fill the disk while the engine works on the first job, so that its end (and the second
      // job's start) meet a full disk.
      await waitUntil(() => enginesRunning() > 0, 60_000, 'running the engine');
      try {
        writeFileSync(filler, Buffer.alloc(64 * 1024 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const submitWhileFull = await t.http
        .post('/api/v1/transcribe')
        .send({ media_id: upload.body.media_id, language_code: 'en-US' });
      expect(submitWhileFull.status).toBe(507); // INSUFFICIENT_STORAGE: nothing recorded
      await waitUntil(() => enginesRunning() === 0, 90_000, 'done with the engine');
      await sleep(3_000);
      // Nothing could be recorded, and nothing was lost: both wait for space.
      for (const id of [busy.body.transcription_id, waiting.body.transcription_id]) {
        const job = (await t.http.get(`/api/v1/transcribe/${id}`).expect(200)).body;
        expect(finished(job)).toBe(false);
      }
      rmSync(filler, { force: true });
      for (const id of [busy.body.transcription_id, waiting.body.transcription_id]) {
        const job = await poll(t, id, finished, 90_000);
        expect(job.status).toBe('completed');
        expect(job.transcript.length).toBeGreaterThan(0);
      }
      const store = t.app.get<ObjectStore>(OBJECT_STORE);
      for await (const entry of store.list('transcriptions/unfinished/')) throw new Error(`left ${entry.key}`);
    } finally {
      await t.close();
      execFileSync('umount', ['-l', mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  }, 180_000);
});
