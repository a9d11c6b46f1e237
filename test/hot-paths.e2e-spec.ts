import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import sharp from 'sharp';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { wavHeader } from './support/wav';
import { createTestApp, TestApp } from './support/test-app';

const wav = () => Buffer.concat([wavHeader(32_000), Buffer.alloc(32_000, 1)]);

/** Sends one keep-alive GET on an open socket and resolves with the status line. */
function getOn(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const headerEnd = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text);
      if (headerEnd >= 0 && length && text.length >= headerEnd + 4 + Number(length[1])) {
        socket.off('data', onData);
        resolve(text.split('\r\n')[0]);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('hot paths (e2e)', () => {
  describe('record cache', () => {
    let t: TestApp;
    beforeAll(async () => (t = await createTestApp()));
    afterAll(() => t.close());

    it('answers a repeated metadata read from memory, and a delete is seen at once', async () => {
      const { body: record } = await t.http.post('/api/v1/upload').attach('file', wav(), 'a.wav').expect(201);
      await t.http.get(`/api/v1/media/${record.media_id}`).expect(200);
      // Take the record away behind the service's back: a hit must not need the store.
      rmSync(join(t.dataDir, 'objects', 'media', record.media_id, 'record.json'));
      const cached = await t.http.get(`/api/v1/media/${record.media_id}`).expect(200);
      expect(cached.body).toEqual(record);

      const { body: other } = await t.http.post('/api/v1/upload').attach('file', wav(), 'b.wav').expect(201);
      await t.http.get(`/api/v1/media/${other.media_id}`).expect(200);
      await t.http.delete(`/api/v1/media/${other.media_id}`).expect(204);
      await t.http.get(`/api/v1/media/${other.media_id}`).expect(404);
    });

    it('answers a conditional metadata request with 304 from the cache', async () => {
      const { body: record } = await t.http.post('/api/v1/upload').attach('file', wav(), 'c.wav').expect(201);
      const first = await t.http.get(`/api/v1/media/${record.media_id}`).expect(200);
      expect(first.headers.etag).toBeDefined();
      await t.http.get(`/api/v1/media/${record.media_id}`).set('If-None-Match', first.headers.etag).expect(304);
    });

    it("serves the cached record's bytes with the ETag Express gives them, and 304 even with the store gone", async () => {
      const { body: record } = await t.http.post('/api/v1/upload').attach('file', wav(), 'd.wav').expect(201);
      const first = await t.http.get(`/api/v1/media/${record.media_id}`).expect(200);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(first.text).toBe(JSON.stringify(record));
      const sha1 = createHash('sha1').update(first.text).digest('base64').substring(0, 27);
      expect(first.headers.etag).toBe(`W/"${Buffer.byteLength(first.text).toString(16)}-${sha1}"`);
      rmSync(join(t.dataDir, 'objects', 'media', record.media_id, 'record.json'));
      const again = await t.http.get(`/api/v1/media/${record.media_id}`).set('If-None-Match', first.headers.etag);
      expect([again.status, again.text]).toEqual([304, '']);
    });

    it('a cached analysis answers before its record is written, and the record is readable at once', async () => {
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer();
      const body = { image_file: png.toString('base64'), analysis_types: ['colors'] };
      const miss = await t.http.post('/api/v1/analyze-image').send(body).expect(200);
      expect(miss.body.cached).toBe(false);
      const hit = await t.http.post('/api/v1/analyze-image').send(body).expect(200);
      expect(hit.body.cached).toBe(true);
      expect(hit.body.analysis_id).not.toBe(miss.body.analysis_id);
      const stored = await t.http.get(`/api/v1/analyze-image/${hit.body.analysis_id}`).expect(200);
      expect(stored.body).toEqual(hit.body);
    });

    it('has one JSON and one form parser (Nest added none of its own)', () => {
      const stack = (t.app.getHttpAdapter().getInstance() as { router: { stack: { handle: { name: string } }[] } })
        .router.stack;
      const names = stack.map((layer) => layer.handle.name);
      expect(names.filter((name) => name === 'jsonParser')).toHaveLength(1);
      expect(names.filter((name) => name === 'urlencodedParser')).toHaveLength(1);
    });

    it('keeps idle connections longer than an ALB (60 s) by default', () => {
      const server = t.app.getHttpServer() as Server;
      expect(server.keepAliveTimeout).toBe(65_000);
      expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    });
  });

  describe('record cache turned off', () => {
    let t: TestApp;
    beforeAll(async () => (t = await createTestApp({ env: { METADATA_CACHE_TTL_MS: '0' } })));
    afterAll(() => t.close());

    it('reads the store every time', async () => {
      const { body: record } = await t.http.post('/api/v1/upload').attach('file', wav(), 'a.wav').expect(201);
      await t.http.get(`/api/v1/media/${record.media_id}`).expect(200);
      rmSync(join(t.dataDir, 'objects', 'media', record.media_id, 'record.json'));
      await t.http.get(`/api/v1/media/${record.media_id}`).expect(404);
    });
  });

  describe('keep-alive for a load balancer', () => {
    it('reuses an idle connection within HTTP_KEEP_ALIVE_TIMEOUT_MS and closes it after', async () => {
      const t = await createTestApp({ env: { HTTP_KEEP_ALIVE_TIMEOUT_MS: '1500' } });
      try {
        await t.app.listen(0, '127.0.0.1');
        const { port } = (t.app.getHttpServer() as Server).address() as { port: number };
        const socket = connect(port, '127.0.0.1');
        const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
        expect(await getOn(socket, '/health')).toBe('HTTP/1.1 200 OK');
        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(await getOn(socket, '/health')).toBe('HTTP/1.1 200 OK');
        const idleSince = Date.now();
        const closedAt = await closed;
        expect(closedAt - idleSince).toBeGreaterThanOrEqual(1_200);
        expect(closedAt - idleSince).toBeLessThan(5_000);
      } finally {
        await t.close();
      }
    });
  });
});
