import { SignJWT } from 'jose';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { createTestApp, TestApp } from './support/test-app';

const SECRET = 'test-secret-of-at-least-32-characters!!';
const SHOP = 'https://shop.example.com';

describe('CORS and security headers', () => {
  describe('without CORS_ORIGINS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { IMAGE_ANALYSIS_PRELOAD: 'false' } });
    });
    afterAll(async () => t?.close());

    it('sends no CORS headers, even to a preflight', async () => {
      const preflight = await t.http
        .options('/api/v1/upload')
        .set('Origin', SHOP)
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const get = await t.http.get('/health').set('Origin', SHOP).expect(200);
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('sets nosniff everywhere, a deny-all CSP on the API and a working one on the docs', async () => {
      for (const path of [
        '/health',
        '/api/v1/media/00000000-0000-4000-8000-000000000000',
        '/docs/',
        '/redoc',
        '/docs-json',
      ]) {
        const res = await t.http.get(path);
        expect({ path, nosniff: res.headers['x-content-type-options'] }).toEqual({ path, nosniff: 'nosniff' });
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
      const api = await t.http.get('/health');
      expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      const docs = await t.http.get('/docs/');
      expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
      expect(docs.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      const redoc = await t.http.get('/redoc');
      expect(redoc.headers['content-security-policy']).toContain("worker-src 'self' blob:");
    });

    it('Swagger UI and ReDoc still render under their CSP (headless Chromium, offline)', async () => {
      const server = t.app.getHttpServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const render = async (path: string) => {
        const { stdout } = await promisify(execFile)(
          'chromium',
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--no-first-run',
            '--virtual-time-budget=5000',
            '--dump-dom',
            `http://127.0.0.1:${port}${path}`,
          ],
          { timeout: 45_000, maxBuffer: 64 * 1024 * 1024 },
        );
        return stdout;
      };
      try {
        const swagger = await render('/docs/');
        expect(swagger).toContain('opblock');
        expect(swagger).toContain('/api/v1/upload');
        const redoc = await render('/redoc');
        expect(redoc).toContain('Upload one audio or image file');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }, 120_000);
  });

  describe('with CORS_ORIGINS', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { IMAGE_ANALYSIS_PRELOAD: 'false', CORS_ORIGINS: `${SHOP},https://admin.example.com` },
      });
    });
    afterAll(async () => t?.close());

    it('answers preflights with 204 and the allowed methods and headers', async () => {
      const res = await t.http
        .options('/api/v1/upload')
        .set('Origin', SHOP)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(SHOP);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
    });

    it('exposes the headers clients read, and ignores other origins', async () => {
      const res = await t.http
        .get('/api/v1/media/00000000-0000-4000-8000-000000000000')
        .set('Origin', SHOP)
        .expect(404);
      expect(res.headers['access-control-allow-origin']).toBe(SHOP);
      const exposed = (res.headers['access-control-expose-headers'] ?? '').split(',');
      expect(exposed).toEqual(expect.arrayContaining(['X-Request-Id', 'Location', 'ETag', 'Retry-After']));
      const other = await t.http.get('/health').set('Origin', 'https://evil.example.net').expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('CORS_ORIGINS=* allows any origin', async () => {
    const t = await createTestApp({ env: { IMAGE_ANALYSIS_PRELOAD: 'false', CORS_ORIGINS: '*' } });
    try {
      const res = await t.http
        .options('/api/v1/upload')
        .set('Origin', SHOP)
        .set('Access-Control-Request-Method', 'POST');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    } finally {
      await t.close();
    }
  });

  it('refuses a malformed CORS_ORIGINS at start, naming it', async () => {
    await expect(createTestApp({ env: { CORS_ORIGINS: 'shop.example.com' } })).rejects.toThrow(/CORS_ORIGINS/);
  });

  it('AUTH_DOCS_PUBLIC=false puts the docs behind a bearer token', async () => {
    const t = await createTestApp({
      env: { IMAGE_ANALYSIS_PRELOAD: 'false', AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET, AUTH_DOCS_PUBLIC: 'false' },
    });
    try {
      const token = await new SignJWT({ sub: 'docs-reader' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET));
      for (const path of ['/docs-json', '/docs/', '/redoc']) {
        const res = await t.http.get(path).expect(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
      await t.http.get('/docs-json').set('Authorization', `Bearer ${token}`).expect(200);
      await t.http.get('/health').expect(200);
    } finally {
      await t.close();
    }
  });
});
