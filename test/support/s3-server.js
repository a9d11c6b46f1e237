/**
 * Starts and stops the real S3 server the tests use (Ceph radosgw, scripts/s3-test-server.sh)
 * on free loopback ports, with its own temporary directory, so parallel runs in other worktrees
 * never share or stop each other's server. Plain CommonJS: Jest's globalSetup and the benchmark
 * load it without a TypeScript transform.
 */
const { execFile } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, readdirSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 's3-test-server.sh');
const DIR_PREFIX = 'media-service-s3-';
const ACCESS_KEY = 'media-test';
const SECRET_KEY = 'media-test-secret';

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function run(args, env, timeoutMs) {
  return new Promise((done, fail) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`s3-test-server.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else done(stdout);
      },
    );
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops servers left by runs that were killed before their teardown (their pid is gone). */
async function sweepStale() {
  for (const name of readdirSync(tmpdir())) {
    const match = new RegExp(`^${DIR_PREFIX}(\\d+)(?:-[0-9a-f]+)?$`).exec(name);
    if (match && !alive(Number(match[1]))) {
      await run(['stop'], { S3_TEST_DIR: join(tmpdir(), name) }, 60_000).catch(() => undefined);
    }
  }
}

/** Starts a server; resolves with its connection settings. Rejects (never skips) on failure. */
async function startS3Server({ memBytes = 2 * 1024 ** 3 } = {}) {
  await sweepStale();
  // One folder per server: a spec that starts its own (s3-hung) may run in the process that
  // started the shared one (Jest runs in band on two cores), and must not take over its folder.
  // A random suffix, not a counter: Jest loads this module afresh in each spec's registry, so a
  // counter started again at 1 and s3-hung "started" (then paused and stopped) the shared server.
  const dir = join(tmpdir(), `${DIR_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const monPort = await freePort();
  const env = {
    S3_TEST_DIR: dir,
    S3_TEST_PORT: String(port),
    S3_TEST_MON_PORT: String(monPort),
    S3_TEST_MEM_BYTES: String(memBytes),
    S3_TEST_TIMEOUT: process.env.S3_TEST_TIMEOUT ?? '90',
  };
  let stdout;
  try {
    stdout = await run(['start'], env, 120_000);
  } catch (error) {
    // The script printed the daemons' logs; remove what the failed start left behind.
    await run(['stop'], { S3_TEST_DIR: dir }, 60_000).catch(() => undefined);
    throw error;
  }
  const vars = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  if (!vars.S3_ENDPOINT) throw new Error(`s3-test-server.sh printed no endpoint:\n${stdout}`);
  return {
    endpoint: vars.S3_ENDPOINT,
    accessKeyId: vars.S3_ACCESS_KEY_ID ?? ACCESS_KEY,
    secretAccessKey: vars.S3_SECRET_ACCESS_KEY ?? SECRET_KEY,
    region: vars.S3_REGION ?? 'us-east-1',
    dir,
    stop: () => (existsSync(dir) ? run(['stop'], { S3_TEST_DIR: dir }, 60_000) : Promise.resolve('')),
  };
}

/** Creates the bucket and writes one object: the first bucket and PUT take seconds on radosgw. */
async function prepareBucket(server, bucket) {
  const { S3Client, CreateBucketCommand, PutObjectCommand, DeleteObjectCommand } = require('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'warm-up', Body: 'x' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'warm-up' }));
  } finally {
    client.destroy();
  }
}

module.exports = { startS3Server, prepareBucket, freePort };
