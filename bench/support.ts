import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { wavHeader } from '../test/support/wav';

/**
 * The benches' command line: `--key=value` pairs and bare `--flag`s (true), after `npm run bench:x --`.
 * One parser so every bench reads its options the same way.
 */
export function benchArgs(argv: string[] = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(
    argv
      .filter((arg) => arg.startsWith('--'))
      .map((arg) => {
        const [key, ...rest] = arg.slice(2).split('=');
        return [key, rest.length > 0 ? rest.join('=') : 'true'];
      }),
  );
}

/** A numeric option with its default; a value that is not a number stops the bench with a clear line. */
export function numberArg(args: Record<string, string>, key: string, fallback: number): number {
  if (args[key] === undefined) return fallback;
  const value = Number(args[key]);
  if (!Number.isFinite(value)) throw new Error(`--${key} must be a number, got "${args[key]}"`);
  return value;
}

/** Polls readiness until no engine reports `loaded: false` (the image models load after start). */
export async function waitForModelsLoaded(baseUrl: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const res = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
    const text = res ? await res.text() : '';
    if (res?.ok && !text.includes('"loaded":false')) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`engines still loading after ${timeoutMs} ms`);
}

/** Samples a process's RSS every 20 ms; peak() is the highest seen since start(). */
export function rssSampler(pid: number) {
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0; // the process is gone
    }
  };
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  const cpuSeconds = () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
    } catch {
      return 0;
    }
  };
  return {
    current: read,
    cpuSeconds,
    start() {
      peak = read();
      timer = setInterval(() => (peak = Math.max(peak, read())), 20);
    },
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** A WAV header for `dataBytes` of 16-bit stereo 48 kHz PCM, then pseudo-random samples. */
export function generateWav(path: string, size: number): void {
  const dataBytes = size - 44;
  const header = wavHeader(dataBytes, { sampleRate: 48_000, channels: 2 });
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  const block = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written < dataBytes; written += block.length) {
    writeSync(fd, block, 0, Math.min(block.length, dataBytes - written));
  }
  closeSync(fd);
}

export function uploadMultipart(
  baseUrl: string,
  path: string,
  size: number,
): Promise<{ status: number; body: string }> {
  const boundary = `bench${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/api/v1/upload`,
      {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': head.length + size + tail.length,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.write(head);
    const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
    file.on('error', reject);
    file.on('end', () => req.end(tail));
    file.pipe(req, { end: false });
  });
}

interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<unknown>;
}

const { startS3Server, prepareBucket } = require('../test/support/s3-server') as {
  startS3Server: (o?: { memBytes?: number }) => Promise<S3Server>;
  prepareBucket: (server: S3Server, bucket: string) => Promise<void>;
};

export interface BenchS3 extends S3Server {
  /** The service's environment for STORAGE_DRIVER=s3 on this server, under `bench/` in the bucket. */
  serviceEnv: Record<string, string>;
}

/** A throwaway radosgw (test/support/s3-server.js, data in RAM up to memBytes) with `bucket` made. */
export async function startBenchS3(bucket: string, memBytes: number): Promise<BenchS3> {
  const server = await startS3Server({ memBytes });
  try {
    await prepareBucket(server, bucket);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const serviceEnv = {
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: server.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET_NAME: bucket,
    S3_PREFIX: 'bench/',
    AWS_REGION: server.region,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
  };
  return Object.assign(server, { serviceEnv });
}
