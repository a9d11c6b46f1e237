import { request as httpRequest } from 'node:http';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverEnv } from '../support/media-env';
import { createTestApp, TestApp } from '../support/test-app';
import { expectErrorBody, leftovers } from './support';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TONE = readFileSync(join(FIXTURES, 'media', 'tone.wav'));
const PHOTO = readFileSync(join(FIXTURES, 'media', 'photo.jpg'));

describe('readiness: public up/down, details for operators', () => {
  let t: TestApp;
  const token = 'health-details-token-0123456789';
  beforeAll(async () => {
    t = await createTestApp({ env: { HEALTH_DETAILS_TOKEN: token, IMAGE_ANALYSIS_PRELOAD: 'false' } });
  });
  afterAll(() => t?.close());

  it('a forwarded (remote) caller sees only up/down per component: no paths, versions or messages', async () => {
    const res = await t.http.get('/health/ready').set('X-Forwarded-For', '203.0.113.9');
    const text = JSON.stringify(res.body);
    const components = { ...res.body.details, ...res.body.error?.details?.details };
    expect(Object.keys(components)).toEqual(expect.arrayContaining(['storage', 'heap', 'transcription']));
    for (const value of Object.values(components)) expect(Object.keys(value as object)).toEqual(['status']);
    expect(text).not.toMatch(/\/tmp|\/usr|model|version|pocketsphinx|driver/i);
  });

  it('the bearer token (or a loopback caller no proxy forwarded) sees the details', async () => {
    const withToken = await t.http
      .get('/health/ready')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('Authorization', `Bearer ${token}`);
    const details = withToken.body.details ?? withToken.body.error.details.details;
    expect(details.storage).toMatchObject({ status: 'up', driver: 'local' });
    expect(details.transcription).toHaveProperty('engine', 'pocketsphinx');
    const wrong = await t.http
      .get('/health/ready')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('Authorization', `Bearer ${token.replace(/.$/, 'x')}`);
    expect(JSON.stringify(wrong.body)).not.toContain('pocketsphinx');
    const loopback = await t.http.get('/health/ready');
    expect(loopback.body.details?.storage ?? loopback.body.error.details.details.storage).toHaveProperty('driver');
  });
});

/** Mounts a 2 MB tmpfs at dir (CI runs as root); throws where this machine cannot. */
function mountSmallTmpfs(dir: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
}

/** Whether a tmpfs can be mounted here: tried once (mounted and unmounted at once, nothing left). */
function canMountTmpfs(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'media-full-disk-check-'));
  try {
    mountSmallTmpfs(dir);
    execFileSync('umount', [dir]);
    return true;
  } catch (error) {
    process.stderr.write(
      `full-disk tests skipped: cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})\n`,
    );
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes until the file system says ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

(canMountTmpfs() ? describe : describe.skip)('a full disk (2 MB tmpfs)', () => {
  let t: TestApp;
  let mounted: string | undefined;
  let dataDir: string;
  beforeAll(async () => {
    // Mounted here, not at load time: a run filtered past these tests must not leave a mount.
    const dir = mkdtempSync(join(tmpdir(), 'media-full-disk-'));
    mountSmallTmpfs(dir);
    mounted = dir;
    dataDir = join(dir, 'data');
    t = await createTestApp({ env: { DATA_DIR: dataDir, IMAGE_ANALYSIS_PRELOAD: 'false' } });
    await t.http.get('/health/ready').expect(200);
    fillDisk(join(mounted as string, 'filler'));
    await new Promise((done) => setTimeout(done, 5_100)); // past the readiness write-probe cache
  });
  afterAll(async () => {
    await t?.close();
    if (mounted) {
      execFileSync('umount', [mounted]);
      rmSync(mounted, { recursive: true, force: true });
    }
  });

  it('readiness turns 503 with storage down, saying the disk is full', async () => {
    const res = await t.http.get('/health/ready').expect(503);
    expect(res.body.error.details.error.storage).toMatchObject({
      status: 'down',
      message: expect.stringMatching(/full/),
    });
    await t.http.get('/health').expect(200);
  });

  it.each([
    ['multipart /upload', () => t.http.post('/api/v1/upload').attach('file', PHOTO, 'p.jpg')],
    ['base64 /transcribe', () => t.http.post('/api/v1/transcribe').send({ audio_file: TONE.toString('base64') })],
    [
      'presign',
      () => t.http.post('/api/v1/upload/presign').send({ filename: 'a.wav', content_type: 'audio/wav', size: 10 }),
    ],
  ])('%s answers 507 INSUFFICIENT_STORAGE and leaves nothing half-written', async (_name, send) => {
    const res = await send();
    expect(res.status).toBe(507);
    expectErrorBody(res, 'INSUFFICIENT_STORAGE');
    expect(res.body.error.message).toMatch(/full/);
    expect(leftovers(dataDir)).toEqual([]);
  });
});

describe('S3_SSE=AES256 on a store without SSE-S3 (radosgw)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: driverEnv('s3', { S3_SSE: 'AES256', IMAGE_ANALYSIS_PRELOAD: 'false' }) });
  });
  afterAll(() => t?.close());

  it('a write answers 503 STORAGE_UNAVAILABLE naming the setting, and readiness is 503', async () => {
    const res = await t.http.post('/api/v1/upload').attach('file', PHOTO, 'p.jpg');
    expect(res.status).toBe(503);
    expectErrorBody(res, 'STORAGE_UNAVAILABLE');
    expect(res.body.error.message).toContain('S3_SSE');
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body.error.details.error.storage.message).toContain('S3_SSE');
  });
});

describe('S3_PUBLIC_ENDPOINT (radosgw)', () => {
  let t: TestApp;
  let internal: URL;
  let publicHost: string;
  beforeAll(async () => {
    const env = driverEnv('s3', { IMAGE_ANALYSIS_PRELOAD: 'false' });
    internal = new URL(env.S3_ENDPOINT);
    // The same gateway under another name, as a public DNS name would be.
    publicHost = `localhost:${internal.port}`;
    t = await createTestApp({ env: { ...env, S3_PUBLIC_ENDPOINT: `http://${publicHost}` } });
  });
  afterAll(() => t?.close());

  /** A request to the gateway's address with the Host header of the URL (no DNS needed). */
  function send(url: string, method: string, headers: Record<string, string>, body?: Buffer) {
    const target = new URL(url);
    return new Promise<number>((done, fail) => {
      const req = httpRequest(
        {
          host: internal.hostname,
          port: internal.port,
          method,
          path: `${target.pathname}${target.search}`,
          headers: { ...headers, Host: target.host },
        },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  it('presigned PUT and download redirects point at the public host, signed for it; the service uses S3_ENDPOINT', async () => {
    const presign = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'p.jpg', content_type: 'image/jpeg', size: PHOTO.length })
      .expect(201);
    expect(new URL(presign.body.upload_url).host).toBe(publicHost);
    expect(await send(presign.body.upload_url, 'PUT', presign.body.headers, PHOTO)).toBe(200);
    const done = await t.http.post(`/api/v1/media/${presign.body.media_id}/complete`).expect(201);
    const redirect = await t.http.get(`/api/v1/media/${done.body.media_id}/download?redirect=true`).expect(302);
    expect(new URL(redirect.headers.location).host).toBe(publicHost);
    expect(await send(redirect.headers.location, 'GET', {})).toBe(200);
    await t.http.delete(`/api/v1/media/${done.body.media_id}`).expect(204);
  });
});
