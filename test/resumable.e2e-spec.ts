import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { Driver, DRIVERS, driverEnv, s3Client, s3Settings } from './support/media-env';
import { createTestApp, TestApp } from './support/test-app';
import { repeatWav } from './support/wav';

const AUDIO = join(__dirname, 'fixtures', 'audio');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A real speech WAV of about `megabytes` MB: a fixture's PCM repeated under one header. */
function speechWav(megabytes: number): Buffer {
  const source = readFileSync(join(AUDIO, 'monitor.wav'));
  return repeatWav(source, Math.ceil((megabytes * 1024 * 1024) / (source.length - 44)));
}

interface Finished {
  upload: tus.Upload;
  lastResponse: tus.HttpResponse;
}

/** Runs an upload to its end (or its error), with optional hooks. */
function run(input: Buffer, options: tus.UploadOptions): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(input, {
      retryDelays: null,
      ...options,
      onSuccess: (payload) => resolve({ upload, lastResponse: payload.lastResponse }),
      onError: reject,
    });
    upload.start();
  });
}

/** tus Upload-Metadata: comma-separated `key base64(value)` pairs. */
const tusMetadata = (metadata: Record<string, string>) =>
  Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

/** Sends a PATCH declaring all of `bytes` but writes only the first `sent`, then cuts the connection. */
function cutOffAfter(uploadUrl: string, bytes: Buffer, sent: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const patch = httpRequest(uploadUrl, {
      agent: false, // its own connection, the one that is cut
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(bytes.length),
      },
    });
    patch.on('error', () => undefined); // the cut itself
    patch.on('response', (res) => reject(new Error(`the server answered ${res.statusCode} before the cut`)));
    patch.write(bytes.subarray(0, sent), (error) => {
      if (error) return reject(error);
      // Give the server a moment to read what was sent before the connection goes.
      setTimeout(() => {
        patch.destroy();
        resolve();
      }, 300);
    });
  });
}

describe.each(DRIVERS)('resumable uploads (tus 1.0, tus-js-client) on the %s driver', (driver: Driver) => {
  let t: TestApp;
  let endpoint: string;
  let prefix: string;
  const wav = speechWav(6);

  /** Every stored object (media and tus bytes): local files under DATA_DIR, or S3 keys under the prefix. */
  async function storedObjects(): Promise<string[]> {
    if (driver === 'local') {
      return ['objects', 'resumable']
        .map((dir) => join(t.dataDir, dir))
        .filter((dir) => existsSync(dir))
        .flatMap((dir) =>
          readdirSync(dir, { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => join(entry.parentPath, entry.name).slice(t.dataDir.length + 1)),
        );
    }
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: s3Settings().bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => (object.Key ?? '').slice(prefix.length));
  }
  const uploadBytes = async () =>
    (await storedObjects()).filter((key) => !key.endsWith('.json') && !key.includes('record.json'));

  beforeAll(async () => {
    const env = driverEnv(driver, { MAX_FILE_SIZE: '1MB', MAX_RESUMABLE_SIZE: '20MB' });
    prefix = env.S3_PREFIX ?? '';
    t = await createTestApp({ env });
    await t.app.listen(0, '127.0.0.1');
    endpoint = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/api/v1/uploads`;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('an upload cut off mid-way resumes from the server’s offset and completes byte-identical as a media record', async () => {
    const metadata = { filename: 'long-voice-note.wav', filetype: 'audio/wav' };
    // First attempt: the upload is created, half its bytes go out in one PATCH, then the
    // connection is cut. Done by hand: tus-js-client hands the whole body to the socket at once,
    // so aborting it from onProgress could come after the last byte had already arrived.
    const created = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(wav.length),
        'Upload-Metadata': tusMetadata(metadata),
      },
    });
    expect(created.status).toBe(201);
    await created.arrayBuffer();
    const uploadUrl = new URL(created.headers.get('location') as string, endpoint).href;
    await cutOffAfter(uploadUrl, wav, Math.floor(wav.length / 2));
    expect(uploadUrl).toMatch(/\/api\/v1\/uploads\/[0-9a-f-]{36}$/);
    const uploadId = uploadUrl.split('/').at(-1) as string;

    // The server kept what arrived: an offset strictly inside the file.
    let offset = 0;
    for (let i = 0; i < 50 && offset === 0; i += 1) {
      // Through the checked agent: the HEAD answers what the document says.
      const head = await t.http.head(`/api/v1/uploads/${uploadId}`).set('Tus-Resumable', '1.0.0').expect(200);
      expect(Number(head.headers['upload-length'])).toBe(wav.length);
      offset = Number(head.headers['upload-offset']);
      if (offset === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(wav.length);
    const partial = await t.http.get(`/api/v1/uploads/${uploadId}`).expect(200);
    expect(partial.body).toMatchObject({
      upload_id: uploadId,
      status: 'uploading',
      offset,
      size: wav.length,
      owner: '',
    });
    expect(partial.body.filename).toBe('long-voice-note.wav');

    // Second attempt on the same URL: tus-js-client asks for the offset and sends only the rest.
    const patchedFrom: number[] = [];
    const { lastResponse } = await run(wav, {
      uploadUrl,
      metadata,
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') patchedFrom.push(Number(req.getHeader('Upload-Offset')));
      },
    });
    expect(patchedFrom).toEqual([offset]);
    const mediaId = lastResponse.getHeader('Media-Id');
    expect(mediaId).toMatch(/^[0-9a-f-]{36}$/);

    const status = await t.http.get(`/api/v1/uploads/${uploadId}`).expect(200);
    expect(status.body).toMatchObject({ status: 'completed', media_id: mediaId, size: wav.length });
    const record = await t.http.get(`/api/v1/media/${mediaId}`).expect(200);
    // Over MAX_FILE_SIZE (1MB), under MAX_RESUMABLE_SIZE: the tus path has its own limit.
    expect(record.body).toMatchObject({
      format: 'wav',
      media_type: 'audio',
      size: wav.length,
      sha256: sha256(wav),
      filename: 'long-voice-note.wav',
    });
    const download = await t.http
      .get(`/api/v1/media/${mediaId}/download`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(sha256(download.body as Buffer)).toBe(sha256(wav));
    // The tus copy is gone: only the media object and its record remain.
    expect(
      (await uploadBytes()).filter(
        (key) => !key.startsWith(`objects/media/${mediaId}`) && !key.startsWith(`media/${mediaId}`),
      ),
    ).toEqual([]);
  });

  it('a fake file completes (creation-with-upload) and is refused like POST /upload, with nothing left', async () => {
    const before = await storedObjects();
    const fake = Buffer.from('this is not audio at all, just text pretending to be an mp3\n'.repeat(100));
    const error = await run(fake, {
      endpoint,
      uploadDataDuringCreation: true,
      metadata: { filename: 'voice.mp3', filetype: 'audio/mpeg' },
    }).then(
      () => undefined,
      (e: tus.DetailedError) => e,
    );
    expect(error).toBeDefined();
    const response = error!.originalResponse!;
    expect(response.getStatus()).toBe(415);
    expect(JSON.parse(response.getBody())).toMatchObject({ error: { code: 'INVALID_FILE_FORMAT' } });
    const uploadId = (error!.originalRequest!.getURL().split('/').at(-1) || '').trim();
    // Created in one POST: the id comes from the Location of that response.
    const location = response.getHeader('Location');
    const id = location ? location.split('/').at(-1)! : uploadId;
    const status = await t.http.get(`/api/v1/uploads/${id}`).expect(200);
    expect(status.body).toMatchObject({ status: 'failed', error: { code: 'INVALID_FILE_FORMAT' } });
    expect(status.body.media_id).toBeUndefined();
    const head = await fetch(`${endpoint}/${id}`, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
    expect(head.status).toBe(404);
    // Only the status record was added: no tus bytes, no media.
    const added = (await storedObjects()).filter((key) => !before.includes(key));
    expect(added).toEqual([driver === 'local' ? `objects/resumable/${id}.json` : `resumable/${id}.json`]);
  });

  it('Upload-Length over MAX_RESUMABLE_SIZE is a 413 at creation; a declared non-media type a 415', async () => {
    const tooBig = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(21 * 1024 * 1024) },
    });
    expect(tooBig.status).toBe(413);
    const pdf = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': '1000',
        'Upload-Metadata': `filetype ${Buffer.from('application/pdf').toString('base64')}`,
      },
    });
    expect(pdf.status).toBe(415);
    expect(await pdf.json()).toMatchObject({ error: { code: 'INVALID_FILE_FORMAT' } });
  });

  it("tus's own refusals come in the error format: no Tus-Resumable (412), an unparsable header (400), a wrong offset (409)", async () => {
    const missing = await t.http.post('/api/v1/uploads').set('Upload-Length', '10').expect(412);
    expect(missing.body.error).toMatchObject({ code: 'PRECONDITION_FAILED', details: { protocol: 'tus' } });
    expect(missing.headers['tus-version']).toBe('1.0.0');
    const unparsable = await t.http
      .post('/api/v1/uploads')
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Length', 'ten')
      .expect(400);
    expect(unparsable.body.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/upload-length/i),
    });
    const created = await t.http
      .post('/api/v1/uploads')
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Length', '100')
      .set('Upload-Metadata', `filetype ${Buffer.from('audio/wav').toString('base64')}`)
      .expect(201);
    const uploadPath = new URL(created.headers.location, 'http://localhost').pathname;
    const conflict = await t.http
      .patch(uploadPath)
      .set('Tus-Resumable', '1.0.0')
      .set('Upload-Offset', '50')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.alloc(10))
      .expect(409);
    expect(conflict.body.error).toMatchObject({ code: 'CONFLICT', details: { protocol: 'tus' } });
    await t.http.delete(uploadPath).set('Tus-Resumable', '1.0.0').expect(204);
  });

  it('termination deletes an incomplete upload', async () => {
    const created = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(wav.length),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: wav.subarray(0, 100_000),
    });
    expect(created.status).toBe(201);
    expect(Number(created.headers.get('upload-offset'))).toBe(100_000);
    const url = new URL(created.headers.get('location') as string, endpoint).toString();
    await tus.Upload.terminate(url, { retryDelays: null } as tus.UploadOptions);
    await t.http
      .head(`/api/v1/uploads/${url.split('/').at(-1)}`)
      .set('Tus-Resumable', '1.0.0')
      .expect(404);
    await t.http.get(`/api/v1/uploads/${url.split('/').at(-1)}`).expect(404);
  });

  it('an incomplete upload expires after RESUMABLE_EXPIRY and is swept with its record, nothing left', async () => {
    const expiringEnv = driverEnv(driver, { RESUMABLE_EXPIRY: '4' });
    const expiringPrefix = expiringEnv.S3_PREFIX ?? '';
    const expiring = await createTestApp({ env: expiringEnv });
    try {
      await expiring.app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(expiring.app.getHttpServer().address() as AddressInfo).port}/api/v1/uploads`;
      // Warm up the store client first: a new app's first S3 creation can take seconds under load,
      // longer than this short expiry (the sweep would then win the race against it).
      await fetch(base, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10' } });
      const created = await fetch(base, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '500000',
          'Content-Type': 'application/offset+octet-stream',
        },
        body: wav.subarray(0, 50_000),
      });
      expect({ status: created.status, body: created.status === 201 ? '' : await created.text() }).toEqual({
        status: 201,
        body: '',
      });
      expect(created.headers.get('upload-expires')).toBeTruthy();
      const url = new URL(created.headers.get('location') as string, base).toString();
      const id = url.split('/').at(-1) as string;
      // The sweep runs on its own (every RESUMABLE_EXPIRY/10, at least each second). 4 s, not 1:
      // under load an S3 creation alone can take a second, and the sweep would win the race.
      let status = 200;
      for (let i = 0; i < 100 && status !== 404; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await expiring.http.get(`/api/v1/uploads/${id}`)).status;
        expect([200, 404, 410]).toContain(status);
      }
      expect(status).toBe(404);
      const head = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
      expect([404, 410]).toContain(head.status);
      const left = await (driver === 'local'
        ? Promise.resolve(
            ['objects/resumable', 'resumable']
              .map((dir) => join(expiring.dataDir, dir))
              .filter((dir) => existsSync(dir))
              .flatMap((dir) => readdirSync(dir).filter((name) => name.startsWith(id))),
          )
        : s3Client()
            .send(new ListObjectsV2Command({ Bucket: s3Settings().bucket, Prefix: `${expiringPrefix}resumable/${id}` }))
            .then((listed) => (listed.Contents ?? []).map((object) => object.Key)));
      expect(left).toEqual([]);
    } finally {
      await expiring.close();
    }
  });
});
