import { createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, TestApp } from './support/test-app';

const AUDIO = readFileSync(join(__dirname, 'fixtures', 'audio', 'keyboard.wav')).toString('base64');

/** A loopback TCP listener that counts every connection it is offered. */
async function tripwire(): Promise<{ server: TcpServer; port: number; connections: () => number }> {
  let count = 0;
  const server = createTcpServer((socket: Socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

describe('callback_url: no requests into the service’s own network', () => {
  let t: TestApp;
  let wire: Awaited<ReturnType<typeof tripwire>>;

  beforeAll(async () => {
    wire = await tripwire();
    t = await createTestApp({ env: { IMAGE_ANALYSIS_PRELOAD: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => wire?.server.close(resolve));
  });

  it('refuses every internal spelling with 400 CALLBACK_NOT_ALLOWED and sends nothing', async () => {
    const p = wire.port;
    const refused = [
      `http://127.0.0.1:${p}/cb`,
      `http://localhost:${p}/cb`,
      `http://0x7f.1:${p}/cb`,
      `http://2130706433:${p}/cb`,
      `http://0177.0.0.1:${p}/cb`,
      `http://127.1:${p}/cb`,
      `http://[::ffff:127.0.0.1]:${p}/cb`,
      `http://[::ffff:7f00:1]:${p}/cb`,
      `http://[::1]:${p}/cb`,
      `http://0.0.0.0:${p}/cb`,
      `http://[::]:${p}/cb`,
      'http://10.1.2.3/cb',
      'http://172.16.0.1/cb',
      'http://192.168.1.1/cb',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/cb',
      'http://224.0.0.1/cb',
      'http://255.255.255.255/cb',
      'http://[fc00::1]/cb',
      'http://[fd12:3456::1]/cb',
      'http://[fe80::1]/cb',
      'http://[ff02::1]/cb',
      'http://[64:ff9b::7f00:1]/cb',
      'http://[2002:7f00:1::]/cb',
      `ftp://127.0.0.1:${p}/cb`,
      'file:///etc/passwd',
      'http://user:secret@93.184.216.34/cb',
      `http://93.184.216.34/${'a'.repeat(2050)}`,
    ];
    for (const url of refused) {
      const res = await t.http.post('/api/v1/transcribe').send({ audio_file: AUDIO, callback_url: url });
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({
        url,
        status: 400,
        code: 'CALLBACK_NOT_ALLOWED',
      });
    }
    // The multipart form and batches go through the same check.
    const multipart = await t.http
      .post('/api/v1/transcribe')
      .field('callback_url', `http://0x7f.1:${p}/cb`)
      .attach('file', Buffer.from(AUDIO, 'base64'), 'k.wav');
    expect(multipart.status).toBe(400);
    expect(multipart.body.error.code).toBe('CALLBACK_NOT_ALLOWED');
    const batch = await t.http
      .post('/api/v1/transcribe/batch')
      .send({ items: [{ audio_file: AUDIO }], callback_url: `http://2130706433:${p}/cb` });
    expect(JSON.stringify(batch.body)).toContain('CALLBACK_NOT_ALLOWED');
    // Nothing was left behind for the refused requests.
    const mediaDir = join(t.dataDir, 'objects', 'media');
    const left = existsSync(mediaDir) ? readdirSync(mediaDir) : [];
    expect(left).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wire.connections()).toBe(0);
  });
});

describe('callback_url: an allowlisted loopback receiver', () => {
  let t: TestApp;
  let receiver: Server;
  const received: Array<{ body: string; host?: string }> = [];
  let port = 0;

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, host: req.headers.host });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
    t = await createTestApp({
      env: { IMAGE_ANALYSIS_PRELOAD: 'false', CALLBACK_ALLOWED_HOSTS: '127.0.0.0/8', CALLBACK_RETRY_BASE_MS: '50' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('gets the finished job', async () => {
    const res = await t.http
      .post('/api/v1/transcribe?wait=30')
      .send({ audio_file: AUDIO, callback_url: `http://127.0.0.1:${port}/done` })
      .expect(200);
    expect(res.body.status).toBe('completed');
    for (let i = 0; i < 50 && received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0].body)).toMatchObject({ transcription_id: res.body.transcription_id });
  });
});
