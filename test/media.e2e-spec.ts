import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import sharp from 'sharp';
import { AppException } from '../src/common/errors/app.exception';
import { MediaService } from '../src/media/media.service';
import { PresignedUploadService } from '../src/media/presigned-upload.service';
import { OBJECT_STORE, ObjectStore } from '../src/storage/object-store';
import { freePort } from './support/service-process';
import { DRIVERS, driverEnv, openMultipartUploads, s3Client, s3Settings } from './support/media-env';
import { createTestApp, TestApp } from './support/test-app';
import { wavHeader } from './support/wav';
// Every response of the service is checked against the OpenAPI document it serves.
import { checkedFetch as fetch } from './support/openapi-contract';
import { settle } from './support/settle';

const FIXTURES = join(__dirname, 'fixtures', 'media');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const MAX_FILE_SIZE = 512 * 1024;

/** Every allowed format, with what the probe must find in it. */
const GOOD: Array<{ file: string; format: string; type: string; probe: Record<string, unknown> }> = [
  { file: 'photo.jpg', format: 'jpeg', type: 'image/jpeg', probe: { width: 160, height: 120, orientation: 1 } },
  { file: 'rotated.jpg', format: 'jpeg', type: 'image/jpeg', probe: { width: 160, height: 120, orientation: 6 } },
  { file: 'photo.png', format: 'png', type: 'image/png', probe: { width: 160, height: 120, orientation: 1 } },
  { file: 'photo.webp', format: 'webp', type: 'image/webp', probe: { width: 160, height: 120, orientation: 1 } },
  { file: 'tone.mp3', format: 'mp3', type: 'audio/mpeg', probe: { sample_rate: 16000, channels: 1 } },
  { file: 'tone.wav', format: 'wav', type: 'audio/wav', probe: { sample_rate: 16000, channels: 1, codec: 'PCM' } },
  { file: 'tone.m4a', format: 'm4a', type: 'audio/mp4', probe: { sample_rate: 16000 } },
  { file: 'tone.flac', format: 'flac', type: 'audio/flac', probe: { sample_rate: 16000, channels: 1, codec: 'FLAC' } },
  { file: 'tone.ogg', format: 'ogg', type: 'audio/ogg', probe: { sample_rate: 16000, channels: 1 } },
  { file: 'tone.opus.ogg', format: 'ogg', type: 'audio/ogg', probe: { sample_rate: 16000, codec: 'Opus' } },
  { file: 'tone.webm', format: 'webm', type: 'audio/webm', probe: { sample_rate: 16000, codec: 'OPUS' } },
];

/** A PNG whose header (IHDR, with a valid CRC) declares 100000 x 100000 pixels. */
function pngBomb(): Buffer {
  const png = Buffer.from(fixture('photo.png'));
  png.writeUInt32BE(100_000, 16);
  png.writeUInt32BE(100_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A valid 16-bit mono WAV of `bytes` data bytes (silence). */
function wav(dataBytes: number): Buffer {
  return Buffer.concat([wavHeader(dataBytes), Buffer.alloc(dataBytes)]);
}

/** The first bytes of an ELF executable and of a zip archive, padded like real files. */
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(8000, 1)]);
const ZIP = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'), Buffer.alloc(8000, 2)]);

const HOSTILE: Array<{ name: string; bytes: () => Buffer; filename: string; status: number; code: string }> = [
  { name: 'zero bytes', bytes: () => Buffer.alloc(0), filename: 'empty.mp3', status: 400, code: 'INVALID_FILE' },
  {
    name: 'a truncated JPEG',
    bytes: () => fixture('photo.jpg').subarray(0, 6000),
    filename: 'cut.jpg',
    status: 422,
    code: 'INVALID_FILE',
  },
  {
    name: 'a truncated PNG',
    bytes: () => fixture('photo.png').subarray(0, 30000),
    filename: 'cut.png',
    status: 422,
    code: 'INVALID_FILE',
  },
  {
    name: 'a truncated MP3',
    bytes: () => fixture('tone.mp3').subarray(0, 2500),
    filename: 'cut.mp3',
    status: 422,
    code: 'INVALID_FILE',
  },
  {
    name: 'a truncated WAV',
    bytes: () => fixture('tone.wav').subarray(0, 20000),
    filename: 'cut.wav',
    status: 422,
    code: 'INVALID_FILE',
  },
  {
    name: 'a .jpg that is an executable',
    bytes: () => ELF,
    filename: 'photo.jpg',
    status: 415,
    code: 'INVALID_FILE_FORMAT',
  },
  { name: 'a .jpg that is a zip', bytes: () => ZIP, filename: 'photo.jpg', status: 415, code: 'INVALID_FILE_FORMAT' },
  {
    name: 'a PNG declaring 100000x100000 pixels',
    bytes: pngBomb,
    filename: 'bomb.png',
    status: 422,
    code: 'INVALID_FILE',
  },
  {
    name: 'a file over MAX_FILE_SIZE',
    bytes: () => wav(MAX_FILE_SIZE + 4096),
    filename: 'long.wav',
    status: 413,
    code: 'FILE_TOO_LARGE',
  },
];

function expectError(body: unknown, code: string) {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } });
}

describe.each(DRIVERS)('media storage on %s (e2e)', (driver) => {
  let t: TestApp;
  let store: ObjectStore;

  /** Every key in the store (records, bytes, pending uploads). */
  async function storedKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of store.list('')) keys.push(object.key);
    return keys;
  }

  /** Nothing half-written anywhere: the store is as before and no temporary file remains. */
  async function expectNothingLeft(before: string[]) {
    expect(await storedKeys()).toEqual(before);
    if (driver === 'local') expect(readdirSync(join(t.dataDir, '.tmp'))).toEqual([]);
    else expect(await openMultipartUploads(s3, prefix())).toEqual([]);
    expect(readdirSync('/tmp').filter((name) => name.startsWith('media-spool-'))).toEqual([]);
  }

  const s3 = driver === 's3' ? s3Client() : (undefined as never);
  const prefix = () => process.env.S3_PREFIX ?? '';

  const upload = (bytes: Buffer, filename: string, field = 'file') =>
    t.http.post('/api/v1/upload').attach(field, bytes, filename);

  beforeAll(async () => {
    t = await createTestApp({ env: driverEnv(driver, { MAX_FILE_SIZE: String(MAX_FILE_SIZE) }) });
    store = t.app.get<ObjectStore>(OBJECT_STORE);
  });
  afterAll(async () => {
    await t.close();
    s3?.destroy();
  });

  it.each(GOOD)(
    'stores $file as $format, probes it, and gives the same bytes back',
    async ({ file, format, type, probe }) => {
      const bytes = fixture(file);
      const res = await upload(bytes, file);
      if (res.status !== 201) console.log(res.body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        media_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        owner: '',
        filename: file,
        content_type: type,
        format,
        media_type: type.split('/')[0],
        size: bytes.length,
        sha256: sha256(bytes),
        storage_key: `media/${res.body.media_id}/original`,
        ...probe,
      });
      expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
      if (type.startsWith('audio')) expect(res.body.duration).toBeCloseTo(1, 0);

      const record = await t.http.get(`/api/v1/media/${res.body.media_id}`).expect(200);
      expect(record.body).toEqual(res.body);

      const download = await t.http
        .get(`/api/v1/media/${res.body.media_id}/download`)
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(Buffer.compare(download.body as Buffer, bytes)).toBe(0);
      expect(download.headers['content-type']).toBe(type);
      expect(download.headers['content-length']).toBe(String(bytes.length));
      expect(download.headers.etag).toBe(`"${sha256(bytes)}"`);
      expect(download.headers['content-disposition']).toBe(`attachment; filename="${file}"; filename*=UTF-8''${file}`);
    },
  );

  it.each(HOSTILE)('refuses $name with $status $code and stores nothing', async ({ bytes, filename, status, code }) => {
    const before = await storedKeys();
    const res = await upload(bytes(), filename).expect(status);
    expectError(res.body, code);
    await expectNothingLeft(before);
  });

  it('names the received and supported formats when refusing a format', async () => {
    const res = await upload(ZIP, 'photo.jpg').expect(415);
    expect(res.body.error.details).toEqual({
      received_format: 'zip',
      supported_formats: ['mp3', 'wav', 'm4a', 'flac', 'ogg', 'webm', 'jpg', 'jpeg', 'png', 'webp'],
    });
    expect(res.body.error.message).toMatch(/zip.*mp3, wav/);
  });

  it('reports the pixel limit for a decompression bomb', async () => {
    const res = await upload(pngBomb(), 'bomb.png').expect(422);
    expect(res.body.error.details).toMatchObject({ width: 100000, height: 100000, max_pixels: 100_000_000 });
  });

  it('refuses two files, no file, a wrong field name and a non-multipart body', async () => {
    const before = await storedKeys();
    const two = await t.http
      .post('/api/v1/upload')
      .attach('file', fixture('photo.png'), 'a.png')
      .attach('file', fixture('photo.jpg'), 'b.jpg')
      .expect(400);
    expectError(two.body, 'TOO_MANY_FILES');
    const none = await t.http.post('/api/v1/upload').field('note', 'no file here').expect(400);
    expectError(none.body, 'FILE_MISSING');
    const wrong = await upload(fixture('photo.png'), 'a.png', 'upload').expect(400);
    expectError(wrong.body, 'UNEXPECTED_FIELD');
    expect(wrong.body.error.details).toEqual({ field: 'upload', expected_field: 'file' });
    const json = await t.http.post('/api/v1/upload').send({ file: 'aGVsbG8=' }).expect(415);
    expectError(json.body, 'UNSUPPORTED_MEDIA_TYPE');
    const raw = await t.http
      .post('/api/v1/upload')
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nunterminated')
      .expect(400);
    expect(['BAD_REQUEST', 'FILE_MISSING', 'INVALID_FILE']).toContain(raw.body.error.code);
    await expectNothingLeft(before);
  });

  it('keeps a sanitised original name and encodes it safely for download', async () => {
    const res = await upload(fixture('photo.png'), '../../etc/\u202eévil  name\u200f.png').expect(201);
    expect(res.body.filename).toBe('évil name.png');
    const download = await t.http.get(`/api/v1/media/${res.body.media_id}/download`).expect(200);
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="_vil name.png"; filename*=UTF-8''%C3%A9vil%20name.png`,
    );
  });

  it('serves byte ranges (206), refuses unsatisfiable ones (416) and answers If-None-Match (304)', async () => {
    const bytes = fixture('tone.wav');
    const { body: record } = await upload(bytes, 'tone.wav').expect(201);
    const url = `/api/v1/media/${record.media_id}/download`;
    const binary = (req: request.Test) =>
      req.buffer(true).parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });

    const middle = await binary(t.http.get(url).set('Range', 'bytes=100-199')).expect(206);
    expect(Buffer.compare(middle.body as Buffer, bytes.subarray(100, 200))).toBe(0);
    expect(middle.headers['content-range']).toBe(`bytes 100-199/${bytes.length}`);
    expect(middle.headers['content-length']).toBe('100');

    const suffix = await binary(t.http.get(url).set('Range', 'bytes=-10')).expect(206);
    expect(Buffer.compare(suffix.body as Buffer, bytes.subarray(bytes.length - 10))).toBe(0);
    const open = await binary(t.http.get(url).set('Range', `bytes=${bytes.length - 5}-`)).expect(206);
    expect(Buffer.compare(open.body as Buffer, bytes.subarray(bytes.length - 5))).toBe(0);

    const outside = await t.http.get(url).set('Range', `bytes=${bytes.length}-`).expect(416);
    expectError(outside.body, 'RANGE_NOT_SATISFIABLE');
    expect(outside.headers['content-range']).toBe(`bytes */${bytes.length}`);

    const etag = `"${record.sha256}"`;
    const cached = await t.http.get(url).set('If-None-Match', etag).expect(304);
    expect(cached.text ?? '').toBe('');
    await t.http.get(url).set('If-None-Match', '"something-else"').expect(200);
  });

  it('deletes everything stored for a media: then GET and a second DELETE give 404', async () => {
    const before = await storedKeys();
    const { body: record } = await upload(fixture('photo.webp'), 'photo.webp').expect(201);
    expect((await storedKeys()).filter((key) => key.includes(record.media_id))).toEqual([
      `media/${record.media_id}/original`,
      `media/${record.media_id}/record.json`,
    ]);
    await store.writeJson(`media/${record.media_id}/derived/thumb.json`, { some: 'derived data' });
    await t.http.delete(`/api/v1/media/${record.media_id}`).expect(204);
    expectError((await t.http.get(`/api/v1/media/${record.media_id}`).expect(404)).body, 'MEDIA_NOT_FOUND');
    await t.http.get(`/api/v1/media/${record.media_id}/download`).expect(404);
    expectError((await t.http.delete(`/api/v1/media/${record.media_id}`).expect(404)).body, 'MEDIA_NOT_FOUND');
    expect(await storedKeys()).toEqual(before);
  });

  it('answers 404 MEDIA_NOT_FOUND for an unknown id and 400 for malformed or traversal ids', async () => {
    const unknown = await t.http.get('/api/v1/media/00000000-0000-4000-8000-000000000000').expect(404);
    expectError(unknown.body, 'MEDIA_NOT_FOUND');
    for (const id of ['not-a-uuid', '..%2F..%2F..%2Fetc%2Fpasswd', '%2E%2E', 'media%2F..%2Frecord.json']) {
      for (const path of [`/api/v1/media/${id}`, `/api/v1/media/${id}/download`]) {
        const res = await t.http.get(path);
        expect([400, 404]).toContain(res.status);
        expect(res.body.error.code).not.toBe('INTERNAL_ERROR');
        expect(res.text).not.toContain('root:');
      }
      const res = await t.http.delete(`/api/v1/media/${id}`).expect(400);
      expectError(res.body, 'VALIDATION_FAILED');
    }
  });

  it('presigned upload: PUT the bytes to the URL, complete, then it is a media like any other', async () => {
    const bytes = fixture('tone.mp3');
    const presign = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'question.mp3', content_type: 'audio/mpeg', size: bytes.length })
      .expect(201);
    const { media_id: mediaId, upload_url: uploadUrl, headers, expires_at: expiresAt } = presign.body;
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 800_000);
    if (driver === 's3') expect(uploadUrl).toContain(s3Settings().endpoint);
    else expect(uploadUrl).toMatch(new RegExp(`/api/v1/upload/${mediaId}\\?token=`));

    await t.http.get(`/api/v1/media/${mediaId}`).expect(404);
    const early = await t.http.post(`/api/v1/media/${mediaId}/complete`).expect(409);
    expectError(early.body, 'FILE_MISSING');

    await putTo(t, uploadUrl, headers, bytes);
    const completed = await t.http.post(`/api/v1/media/${mediaId}/complete`).expect(201);
    expect(completed.body).toMatchObject({
      media_id: mediaId,
      filename: 'question.mp3',
      format: 'mp3',
      size: bytes.length,
      sha256: sha256(bytes),
      sample_rate: 16000,
    });
    expect((await t.http.post(`/api/v1/media/${mediaId}/complete`).expect(200)).body).toEqual(completed.body);
    const download = await t.http.get(`/api/v1/media/${mediaId}/download`).expect(200);
    expect(download.headers.etag).toBe(`"${sha256(bytes)}"`);
    expect((await storedKeys()).filter((key) => key.includes(mediaId))).toEqual([
      `media/${mediaId}/original`,
      `media/${mediaId}/record.json`,
    ]);
  });

  it('presigned upload: bytes that are not what they claim are deleted at complete', async () => {
    const before = await storedKeys();
    const presign = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'photo.jpg', content_type: 'image/jpeg', size: ZIP.length })
      .expect(201);
    await putTo(t, presign.body.upload_url, presign.body.headers, ZIP);
    const res = await t.http.post(`/api/v1/media/${presign.body.media_id}/complete`).expect(415);
    expectError(res.body, 'INVALID_FILE_FORMAT');
    await t.http.get(`/api/v1/media/${presign.body.media_id}`).expect(404);
    await expectNothingLeft(before);

    const truncated = fixture('photo.jpg').subarray(0, 6000);
    const second = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'cut.jpg', content_type: 'image/jpeg', size: truncated.length })
      .expect(201);
    await putTo(t, second.body.upload_url, second.body.headers, truncated);
    expectError((await t.http.post(`/api/v1/media/${second.body.media_id}/complete`).expect(422)).body, 'INVALID_FILE');
    await expectNothingLeft(before);
  });

  it('sweeps presigned uploads never completed, with their bytes, once well past expiry', async () => {
    const before = await storedKeys();
    const bytes = fixture('photo.webp');
    const { body } = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'p.webp', content_type: 'image/webp', size: bytes.length })
      .expect(201);
    await putTo(t, body.upload_url, body.headers, bytes);
    const sweeper = t.app.get(PresignedUploadService);
    expect(await sweeper.sweep(Date.now())).toBe(0); // not expired yet
    expect(await sweeper.sweep(Date.parse(body.expires_at) + 2 * 60 * 60 * 1000)).toBe(1);
    await expectNothingLeft(before);
    expectError((await t.http.post(`/api/v1/media/${body.media_id}/complete`).expect(404)).body, 'MEDIA_NOT_FOUND');
  });

  it('presign refuses unsupported types, oversize and bad bodies up front', async () => {
    const zip = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'a.zip', content_type: 'application/zip', size: 10 })
      .expect(415);
    expectError(zip.body, 'INVALID_FILE_FORMAT');
    const big = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'a.wav', content_type: 'audio/wav', size: MAX_FILE_SIZE + 1 })
      .expect(413);
    expectError(big.body, 'FILE_TOO_LARGE');
    const bad = await t.http.post('/api/v1/upload/presign').send({ filename: '', size: -1 }).expect(400);
    expectError(bad.body, 'VALIDATION_FAILED');
  });

  if (driver === 'local') {
    it('guards the local PUT with an HMAC token bound to the media and its size', async () => {
      const bytes = fixture('photo.png');
      const { body } = await t.http
        .post('/api/v1/upload/presign')
        .send({ filename: 'p.png', content_type: 'image/png', size: bytes.length })
        .expect(201);
      const url = new URL(body.upload_url);
      const token = url.searchParams.get('token') as string;
      const path = `/api/v1/upload/${body.media_id}`;
      expectError((await t.http.put(path).set('Content-Type', 'image/png').send(bytes).expect(403)).body, 'FORBIDDEN');
      const tampered = `${token.slice(0, -2)}${token.endsWith('A') ? 'BB' : 'AA'}`;
      await t.http.put(`${path}?token=${tampered}`).set('Content-Type', 'image/png').send(bytes).expect(403);
      const other = `/api/v1/upload/00000000-0000-4000-8000-000000000000?token=${token}`;
      await t.http.put(other).set('Content-Type', 'image/png').send(bytes).expect(403);
      const tooMuch = await t.http
        .put(`${path}?token=${token}`)
        .set('Content-Type', 'image/png')
        .send(Buffer.concat([bytes, Buffer.alloc(100)]))
        .expect(413);
      expectError(tooMuch.body, 'FILE_TOO_LARGE');
      // The refused body's staging file is removed just after the answer.
      const staged = () => readdirSync(join(t.dataDir, '.tmp'));
      expect(await settle(staged, (names) => names.length === 0)).toEqual([]);
      await t.http.put(`${path}?token=${token}`).set('Content-Type', 'image/png').send(bytes).expect(200);
      await t.http.post(`/api/v1/media/${body.media_id}/complete`).expect(201);
    });

    it('documents every media route in OpenAPI, the upload as multipart with a binary file', async () => {
      const { body: doc } = await t.http.get('/docs-json').expect(200);
      const routes = Object.entries(doc.paths as Record<string, Record<string, { tags: string[] }>>)
        .filter(([path]) => /^\/api\/v1\/(upload|media)\b/.test(path))
        .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method} ${path} ${op.tags}`));
      expect(routes.sort()).toEqual([
        'delete /api/v1/media/{media_id} media',
        'get /api/v1/media/{media_id} media',
        'get /api/v1/media/{media_id}/download media',
        'post /api/v1/media/{media_id}/complete media',
        'post /api/v1/upload media',
        'post /api/v1/upload/presign media',
        'put /api/v1/upload/{media_id} media',
      ]);
      expect(
        doc.paths['/api/v1/upload'].post.requestBody.content['multipart/form-data'].schema.properties.file,
      ).toEqual(expect.objectContaining({ type: 'string', format: 'binary' }));
    });

    it('keeps records across a restart on the same DATA_DIR', async () => {
      const { body: record } = await upload(fixture('photo.jpg'), 'photo.jpg').expect(201);
      const again = await createTestApp({ env: { ...driverEnv('local'), DATA_DIR: t.dataDir } });
      try {
        expect((await again.http.get(`/api/v1/media/${record.media_id}`).expect(200)).body).toEqual(record);
      } finally {
        await again.close(); // removes only its own unused temp dir, not t.dataDir
      }
    });
  } else {
    it('redirect=true answers 302 to a short-lived presigned GET of the same bytes', async () => {
      const bytes = fixture('photo.jpg');
      const { body: record } = await upload(bytes, 'photo.jpg').expect(201);
      const res = await t.http.get(`/api/v1/media/${record.media_id}/download?redirect=true`).expect(302);
      expect(res.headers.location).toContain('X-Amz-Expires=300');
      const direct = await fetch(res.headers.location);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('content-type')).toBe('image/jpeg');
      expect(direct.headers.get('content-disposition')).toContain('photo.jpg');
      expect(Buffer.compare(Buffer.from(await direct.arrayBuffer()), bytes)).toBe(0);
    });

    it('a presigned PUT with another length than announced is refused by S3', async () => {
      const bytes = fixture('photo.png');
      const { body } = await t.http
        .post('/api/v1/upload/presign')
        .send({ filename: 'p.png', content_type: 'image/png', size: bytes.length })
        .expect(201);
      const res = await fetch(body.upload_url, {
        method: 'PUT',
        headers: { ...body.headers, 'Content-Length': String(bytes.length - 10) },
        body: bytes.subarray(0, bytes.length - 10),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
    });
  }

  it('MediaService (for other features): ingestBuffer with accept and owner, withLocalFile, openStream', async () => {
    const media = t.app.get(MediaService);
    const png = fixture('photo.png');
    const record = await media.ingestBuffer(png, { filename: 'from-base64.png', owner: 'user-7', accept: ['image'] });
    expect(record).toMatchObject({ owner: 'user-7', filename: 'from-base64.png', format: 'png', size: png.length });
    // Records are per owner: this one is user-7's, not the anonymous caller's.
    expect(await media.get(record.media_id, 'user-7')).toEqual(record);
    await expect(media.get(record.media_id)).rejects.toMatchObject({ code: 'MEDIA_NOT_FOUND' });

    const refused = await media.ingestBuffer(fixture('tone.wav'), { accept: ['image'] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'INVALID_FILE_FORMAT' });
    expect((refused as AppException).details.supported_formats).toEqual(['jpg', 'jpeg', 'png', 'webp']);
    const tooBig = await media.ingestBuffer(wav(MAX_FILE_SIZE), {}).catch((e: unknown) => e);
    expect(tooBig).toMatchObject({ code: 'FILE_TOO_LARGE' });

    let seen = '';
    const metadata = await media.withLocalFile(record, async (path) => {
      seen = path;
      expect(readFileSync(path).equals(png)).toBe(true);
      return sharp(path).metadata();
    });
    expect(metadata).toMatchObject({ width: 160, height: 120, format: 'png' });
    if (driver === 'local') {
      expect(seen).toBe(join(t.dataDir, 'objects', record.storage_key));
      expect(existsSync(seen)).toBe(true);
    } else {
      expect(seen.endsWith('.png')).toBe(true);
      expect(existsSync(seen)).toBe(false); // the temporary download is gone
    }
    await expect(media.withLocalFile(record, async () => Promise.reject(new Error('engine failed')))).rejects.toThrow(
      'engine failed',
    );

    const chunks: Buffer[] = [];
    for await (const chunk of await media.openStream(record, { start: 0, end: 7 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(png.subarray(0, 8))).toBe(true);

    await media.delete(record.media_id, 'user-7');
    await expect(media.get(record.media_id, 'user-7')).rejects.toMatchObject({ code: 'MEDIA_NOT_FOUND' });
    await expect(media.get('../../x')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('an upload aborted by the client leaves nothing behind', async () => {
    const before = await storedKeys();
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const boundary = 'abortboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/upload',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': 10_000_000 },
    });
    req.on('error', () => undefined);
    req.write(head);
    req.write(wav(400_000).subarray(0, 300_000));
    await new Promise((done) => setTimeout(done, 500));
    req.destroy();
    await eventually(async () => expectNothingLeft(before));
  });
});

async function putTo(t: TestApp, url: string, headers: Record<string, string>, bytes: Buffer): Promise<void> {
  const target = new URL(url);
  if (target.pathname.startsWith('/api/v1/upload/')) {
    await t.http
      .put(`${target.pathname}${target.search}`)
      .set('Content-Type', headers['Content-Type'])
      .send(bytes)
      .expect(200);
    return;
  }
  const res = await fetch(url, { method: 'PUT', headers, body: bytes });
  expect(res.status).toBe(200);
}

async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

describe.each(DRIVERS)('large uploads on %s (e2e)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: driverEnv(driver, { MAX_FILE_SIZE: '32MB' }) });
  });
  afterAll(() => t.close());

  it('streams a 20 MB file through (several S3 multipart parts) and back, byte for byte', async () => {
    const bytes = wav(20 * 1024 * 1024);
    bytes.fill(5, 44);
    const res = await t.http.post('/api/v1/upload').attach('file', bytes, 'long.wav').expect(201);
    expect(res.body).toMatchObject({ format: 'wav', size: bytes.length, sha256: sha256(bytes) });
    expect(res.body.duration).toBeCloseTo((20 * 1024 * 1024) / 32000, 1);
    const download = await t.http
      .get(`/api/v1/media/${res.body.media_id}/download`)
      .buffer(true)
      .parse((response, done) => {
        const hash = createHash('sha256');
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.length;
        });
        response.on('end', () => done(null, { size, sha256: hash.digest('hex') }));
      })
      .expect(200);
    expect(download.body).toEqual({ size: bytes.length, sha256: sha256(bytes) });
  });
});

describe('media storage with S3 unreachable (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    const closed = await freePort();
    t = await createTestApp({
      env: driverEnv('s3', { S3_ENDPOINT: `http://127.0.0.1:${closed}`, AWS_REQUEST_TIMEOUT_MS: '2000' }),
    });
  });
  afterAll(() => t.close());

  it('answers 503 STORAGE_UNAVAILABLE for uploads and reads, and readiness reports storage down', async () => {
    const upload = await t.http.post('/api/v1/upload').attach('file', fixture('photo.png'), 'p.png').expect(503);
    expectError(upload.body, 'STORAGE_UNAVAILABLE');
    const read = await t.http.get('/api/v1/media/00000000-0000-4000-8000-000000000000').expect(503);
    expectError(read.body, 'STORAGE_UNAVAILABLE');
    const presign = await t.http
      .post('/api/v1/upload/presign')
      .send({ filename: 'a.png', content_type: 'image/png', size: 10 })
      .expect(503);
    expectError(presign.body, 'STORAGE_UNAVAILABLE');
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body.error.details.error.storage).toMatchObject({ status: 'down', driver: 's3' });
    expect(readdirSync('/tmp').filter((name) => name.startsWith('media-spool-'))).toEqual([]);
  });
});
