/**
 * npm run bench:resumable [-- --size=200MB --backends=local,s3]
 *
 * One service process per backend; in the same run, the same generated WAV (200 MB by default)
 * goes in through POST /api/v1/upload (multipart), through tus (tus-js-client, one PATCH), and
 * through tus cut off at half way and resumed. Prints MB/s, tus/POST ratio, and the resume
 * overhead: extra seconds over the uninterrupted tus upload and the bytes sent twice.
 */
import bytes from 'bytes';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { startServiceProcess, waitUntilUp } from '../test/support/service-process';
import { BenchS3, benchArgs, generateWav, startBenchS3, uploadMultipart } from './support';

const args = benchArgs();
const SIZE = bytes.parse(args.size ?? '200MB') as number;
const BACKENDS = (args.backends ?? 'local,s3').split(',');
const BUCKET = 'media-bench-resumable';
const mbps = (size: number, ms: number) => size / 1024 / 1024 / (ms / 1000);
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** POST /api/v1/upload with the file streamed as one multipart part; resolves the media id. */
async function postUpload(baseUrl: string, path: string): Promise<string> {
  const { status, body } = await uploadMultipart(baseUrl, path, SIZE);
  if (status !== 201) throw new Error(`upload: ${status} ${body}`);
  return (JSON.parse(body) as { media_id: string }).media_id;
}

/** A tus upload to its end; `cutAt` (a fraction) aborts it once that much is sent, then resumes. */
async function tusUpload(
  endpoint: string,
  data: Buffer,
  cutAt?: number,
): Promise<{ mediaId: string; resumedFrom?: number; sentBeforeCut?: number }> {
  let uploadUrl: string | undefined;
  let sentBeforeCut: number | undefined;
  if (cutAt !== undefined) {
    await new Promise<void>((resolve, reject) => {
      const first: tus.Upload = new tus.Upload(data, {
        endpoint,
        retryDelays: null,
        metadata: { filename: 'bench.wav', filetype: 'audio/wav' },
        onUploadUrlAvailable: () => (uploadUrl = first.url ?? undefined),
        onProgress: (sent) => {
          if (sentBeforeCut === undefined && sent >= data.length * cutAt) {
            sentBeforeCut = sent;
            void first.abort().then(resolve, reject);
          }
        },
        onSuccess: () => reject(new Error('not interrupted')),
        onError: reject,
      });
      first.start();
    });
  }
  let resumedFrom: number | undefined;
  const mediaId = await new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(data, {
      ...(uploadUrl ? { uploadUrl } : { endpoint }),
      retryDelays: null,
      metadata: { filename: 'bench.wav', filetype: 'audio/wav' },
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') resumedFrom = Number(req.getHeader('Upload-Offset'));
      },
      onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader('Media-Id') as string),
      onError: reject,
    });
    upload.start();
  });
  return { mediaId, resumedFrom: uploadUrl ? resumedFrom : undefined, sentBeforeCut };
}

interface Row {
  backend: string;
  postMs: number;
  tusMs: number;
  resumedMs: number;
  resumedFrom: number;
  sentBeforeCut: number;
}

async function benchBackend(backend: string, env: Record<string, string>, file: string, data: Buffer): Promise<Row> {
  const service = await startServiceProcess({
    MAX_FILE_SIZE: String(SIZE + 1024),
    MAX_RESUMABLE_SIZE: String(SIZE + 1024),
    RATE_LIMIT_PER_MINUTE: '0',
    IMAGE_ANALYSIS_PRELOAD: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    await waitUntilUp(`${service.baseUrl}/health`, 60_000, service.exited);
    const endpoint = `${service.baseUrl}/api/v1/uploads`;
    const remove = (id: string) => fetch(`${service.baseUrl}/api/v1/media/${id}`, { method: 'DELETE' });
    await tusUpload(endpoint, readFileSync(join(__dirname, '..', 'test/fixtures/media/tone.wav'))).then((r) =>
      remove(r.mediaId),
    );

    let started = now();
    await remove(await postUpload(service.baseUrl, file));
    const postMs = now() - started;
    process.stderr.write(`${backend}: POST /upload ${mbps(SIZE, postMs).toFixed(1)} MB/s\n`);

    started = now();
    await remove((await tusUpload(endpoint, data)).mediaId);
    const tusMs = now() - started;
    process.stderr.write(`${backend}: tus ${mbps(SIZE, tusMs).toFixed(1)} MB/s\n`);

    started = now();
    const cut = await tusUpload(endpoint, data, 0.5);
    const resumedMs = now() - started;
    await remove(cut.mediaId);
    process.stderr.write(`${backend}: tus cut at 50% and resumed ${(resumedMs / 1000).toFixed(1)} s\n`);
    return {
      backend,
      postMs,
      tusMs,
      resumedMs,
      resumedFrom: cut.resumedFrom ?? 0,
      sentBeforeCut: cut.sentBeforeCut ?? 0,
    };
  } catch (error) {
    process.stderr.write(`service output:\n${service.stderr().slice(-4000)}\n`);
    throw error;
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'media-bench-resumable-'));
  const file = join(dir, 'bench.wav');
  const rows: Row[] = [];
  let s3: BenchS3 | undefined;
  try {
    generateWav(file, SIZE);
    const data = readFileSync(file);
    if (BACKENDS.includes('local')) rows.push(await benchBackend('local', { STORAGE_DRIVER: 'local' }, file, data));
    if (BACKENDS.includes('s3')) {
      s3 = await startBenchS3(BUCKET, Math.max(2 * 1024 ** 3, SIZE * 8));
      rows.push(await benchBackend('s3', s3.serviceEnv, file, data));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s3?.stop();
  }
  const lines = [
    `file: ${bytes.format(SIZE)} WAV, Node ${process.version}, one run`,
    'backend | POST /upload MB/s | tus MB/s | tus/POST | cut at 50% + resume: s (vs tus) | resumed from | sent twice',
    ...rows.map(
      (r) =>
        `${r.backend.padEnd(7)} | ${mbps(SIZE, r.postMs).toFixed(1).padStart(17)} | ${mbps(SIZE, r.tusMs).toFixed(1).padStart(8)} | ` +
        `${(r.postMs / r.tusMs).toFixed(2).padStart(7)}x | ${(r.resumedMs / 1000).toFixed(1).padStart(5)} s (+${((r.resumedMs - r.tusMs) / 1000).toFixed(1)} s, ` +
        `${(r.resumedMs / r.tusMs).toFixed(2)}x) | ${bytes.format(r.resumedFrom)} | ${bytes.format(Math.max(0, r.sentBeforeCut - r.resumedFrom))}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
