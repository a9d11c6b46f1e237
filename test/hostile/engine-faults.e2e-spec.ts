import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, TestApp } from '../support/test-app';
import { wavHeader } from '../support/wav';
import { removeStaleWorkDirs } from '../../src/transcription/providers/pocketsphinx-engine';

/** About 8 s of speech (a fixture's samples repeated): long enough to kill an engine mid-run. */
function longSpeech(): Buffer {
  const wav = readFileSync(join(__dirname, '..', 'fixtures', 'audio', 'cart.wav'));
  const data = wav.subarray(44);
  const repeats = Math.ceil((8 * 32_000) / data.length);
  const pcm = Buffer.concat(Array.from({ length: repeats }, () => data));
  return Buffer.concat([wavHeader(pcm.length), pcm]);
}

/** Pids of this process's children running `name` (the engines of the app under test). */
function children(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', name.slice(0, 15)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function killWhenRunning(name: string, times: number): Promise<number> {
  let killed = 0;
  const deadline = Date.now() + 20_000;
  let last: number | undefined;
  while (killed < times && Date.now() < deadline) {
    const pid = children(name).find((candidate) => candidate !== last);
    if (pid) {
      await new Promise((done) => setTimeout(done, 300)); // mid-run, not at spawn
      try {
        process.kill(pid, 'SIGKILL');
        killed += 1;
        last = pid;
      } catch {
        // already gone
      }
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return killed;
}

async function waitForJob(t: TestApp, id: string) {
  const res = await t.http.get(`/api/v1/transcribe/${id}?wait=50`).expect(200);
  return res.body as { status: string; error?: { code: string; message: string }; transcript?: string };
}

const sttDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`stt-${process.pid}-`));

describe('engine processes killed under a job', () => {
  let t: TestApp;
  const audio = longSpeech();
  beforeAll(async () => {
    t = await createTestApp({ env: { IMAGE_ANALYSIS_PRELOAD: 'false', TRANSCRIBE_CONCURRENCY: '1' } });
  });
  afterAll(() => t?.close());

  it('pocketsphinx killed once: the job runs again and completes', async () => {
    const submitted = await t.http.post('/api/v1/transcribe').attach('file', audio, 'long.wav').expect(202);
    expect(await killWhenRunning('pocketsphinx_continuous', 1)).toBe(1);
    const job = await waitForJob(t, submitted.body.transcription_id);
    expect(job.status).toBe('completed');
    expect(job.transcript).toMatch(/cart/);
    expect(sttDirs()).toEqual([]);
  }, 60_000);

  it.each([
    ['pocketsphinx_continuous', /speech recogniser \(pocketsphinx\) process died with signal SIGKILL/],
    ['ffmpeg', /audio decoder \(ffmpeg\) process died with signal SIGKILL/],
  ])(
    '%s killed on both attempts: ENGINE_CRASHED saying so, not the file blamed',
    async (name, message) => {
      const other = Buffer.concat([audio, Buffer.alloc(2, name.length)]); // other bytes: no cache hit
      other.writeUInt32LE(other.length - 8, 4);
      other.writeUInt32LE(other.length - 44, 40);
      const submitted = await t.http.post('/api/v1/transcribe').attach('file', other, 'long.wav').expect(202);
      expect(await killWhenRunning(name, 2)).toBe(2);
      const job = await waitForJob(t, submitted.body.transcription_id);
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe('ENGINE_CRASHED');
      expect(job.error?.message).toMatch(message);
      expect(job.error?.message).not.toMatch(/INFO:|could not decode/);
      expect(sttDirs()).toEqual([]);
    },
    60_000,
  );
});

describe('stt-* work folders a crashed process left', () => {
  it('are removed at start when their process is gone; live ones stay', async () => {
    const root = join(tmpdir(), `stt-root-${process.pid}`);
    const gone = join(root, 'stt-999999-abc'); // no such pid
    const live = join(root, `stt-${process.ppid}-def`);
    for (const dir of [gone, live]) mkdirSync(dir, { recursive: true });
    execFileSync('mkfifo', [join(gone, 'pcm.fifo')]);
    expect(await removeStaleWorkDirs(root)).toBe(1);
    expect(readdirSync(root)).toEqual([`stt-${process.ppid}-def`]);
    execFileSync('rm', ['-rf', root]);
  });
});
