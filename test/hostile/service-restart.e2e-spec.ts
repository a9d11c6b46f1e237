import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceProcess, startServiceProcess, waitUntilUp } from '../support/service-process';
import { wavHeader } from '../support/wav';

/** About 8 s of speech: still being transcribed when the process is killed. */
function speech(seed: number): Buffer {
  const data = readFileSync(join(__dirname, '..', 'fixtures', 'audio', 'keyboard.wav')).subarray(44);
  const pcm = Buffer.concat([
    ...Array.from({ length: Math.ceil((8 * 32_000) / data.length) }, () => data),
    Buffer.alloc(2, seed),
  ]);
  return Buffer.concat([wavHeader(pcm.length), pcm]);
}

describe('the service process killed (SIGKILL) with jobs in flight, then restarted', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-restart-'));
  const env = {
    DATA_DIR: dataDir,
    IMAGE_ANALYSIS_PRELOAD: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    TRANSCRIBE_CONCURRENCY: '1',
  };
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  afterAll(async () => {
    for (const service of [first, second])
      if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no job stays unfinished, and the killed run’s stt-* work folder is removed', async () => {
    first = await startServiceProcess(env);
    await waitUntilUp(`${first.baseUrl}/health`, 90_000, first.exited);
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const form = new FormData();
      form.append('file', new Blob([speech(seed)]), `speech-${seed}.wav`);
      const res = await fetch(`${first.baseUrl}/api/v1/transcribe`, { method: 'POST', body: form });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { transcription_id: string }).transcription_id);
    }
    const killedPid = first.child.pid as number;
    // Kill it while the engine works on the first job (its work folder exists).
    const deadline = Date.now() + 30_000;
    while (!readdirSync(tmpdir()).some((name) => name.startsWith(`stt-${killedPid}-`)) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(readdirSync(tmpdir()).some((name) => name.startsWith(`stt-${killedPid}-`))).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;

    second = await startServiceProcess(env);
    await waitUntilUp(`${second.baseUrl}/health`, 90_000, second.exited);
    for (const id of ids) {
      const res = await fetch(`${second.baseUrl}/api/v1/transcribe/${id}?wait=60`);
      const job = (await res.json()) as { status: string; error?: { code: string; message: string } };
      expect(['completed', 'failed']).toContain(job.status);
      if (job.status === 'failed') expect(job.error?.message).toEqual(expect.any(String));
    }
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`stt-${killedPid}-`))).toEqual([]);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 240_000);
});
