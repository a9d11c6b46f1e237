import { exportJWK, generateKeyPair, JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTestApp, TestApp } from './support/test-app';

const SECRET = 'test-secret-of-at-least-32-characters!!';
const ISSUER = 'https://id.test.local/';
const AUDIENCE = 'media-service';
const ALL_SCOPES = 'media:read media:write transcribe analyze';
const FIXTURES = join(__dirname, 'fixtures', 'media');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const hs256 = (claims: JWTPayload, options: { secret?: string; expiresIn?: string | number } = {}) =>
  new SignJWT({ scope: ALL_SCOPES, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));

const JWT_ENV = {
  AUTH_MODE: 'jwt',
  AUTH_JWT_SECRET: SECRET,
  AUTH_JWT_ISSUER: ISSUER,
  AUTH_JWT_AUDIENCE: AUDIENCE,
  AUTH_CLOCK_TOLERANCE_S: '5',
  IMAGE_ANALYSIS_PRELOAD: 'false',
};

/** Every operation of the OpenAPI document under /api/v1 and the OpenAI front door /v1, with ids filled in. */
async function apiOperations(
  t: TestApp,
): Promise<Array<{ method: string; path: string; op: Record<string, unknown> }>> {
  const { body: doc } = await t.http.get('/docs-json').expect(200);
  return Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)
    .filter(([path]) => path.startsWith('/api/v1') || path.startsWith('/v1/'))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method, path: path.replace(/\{[^}]+\}/g, UNKNOWN_ID), op })),
    );
}

describe('JWT authentication (HS256)', () => {
  let t: TestApp;
  let tokenA: string;

  beforeAll(async () => {
    t = await createTestApp({ env: JWT_ENV });
    tokenA = await hs256({ sub: 'owner-a' });
  });
  afterAll(async () => t?.close());

  it('refuses every /api/v1 operation without a token with 401 and WWW-Authenticate', async () => {
    const operations = await apiOperations(t);
    expect(operations.length).toBeGreaterThanOrEqual(14);
    for (const { method, path } of operations) {
      const res = await (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method](path);
      if (method === 'put' && path.startsWith('/api/v1/upload/')) {
        // The presigned PUT authenticates with its own upload token instead.
        expect(res.status).toBe(403);
        continue;
      }
      if (method === 'options' && path.startsWith('/api/v1/uploads')) {
        // tus discovery (Tus-Version, Tus-Extension) is open: it reveals nothing of anyone's data.
        expect(res.status).toBe(204);
        continue;
      }
      expect({ op: `${method} ${path}`, status: res.status }).toEqual({ op: `${method} ${path}`, status: 401 });
      // The OpenAI-compatible routes answer in OpenAI's error shape, where codes are lower case.
      const code = path.startsWith('/api/v1/openai/') || path.startsWith('/v1/') ? 'unauthorized' : 'UNAUTHORIZED';
      if (method !== 'head') expect(res.body.error.code).toBe(code); // a HEAD answer has no body
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="media-service"/);
    }
  });

  it('documents a bearer security scheme on every protected operation', async () => {
    const { body: doc } = await t.http.get('/docs-json').expect(200);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { method, path, op } of await apiOperations(t)) {
      if (method === 'put' && path.startsWith('/api/v1/upload/')) {
        expect(op.security).toEqual([]); // the upload token authenticates it
        continue;
      }
      if (method === 'options' && path.startsWith('/api/v1/uploads')) {
        expect(op.security).toEqual([]); // tus discovery is open
        continue;
      }
      expect({ op: `${method} ${path}`, security: op.security }).toEqual({
        op: `${method} ${path}`,
        security: [{ bearer: [] }],
      });
    }
  });

  it('keeps health and docs open', async () => {
    await t.http.get('/health').expect(200);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.details.auth).toMatchObject({ status: 'up', mode: 'jwt' });
    await t.http.get('/docs/').expect(200);
    await t.http.get('/redoc').expect(200);
    await t.http.get('/docs-json').expect(200);
  });

  it('answers 401 for every kind of bad token', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const bad: Record<string, string> = {
      malformed: 'not.a.jwt',
      garbage: 'abc',
      expired: await hs256({ sub: 'owner-a' }, { expiresIn: now - 60 }),
      wrongIssuer: await new SignJWT({ sub: 'a', scope: ALL_SCOPES })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('https://evil.example/')
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET)),
      wrongAudience: await new SignJWT({ sub: 'a', scope: ALL_SCOPES })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience('another-service')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET)),
      wrongSecret: await hs256({ sub: 'owner-a' }, { secret: 'another-secret-of-at-least-32-characters' }),
      algNone: new UnsecuredJWT({ sub: 'a', scope: ALL_SCOPES })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .encode(),
      rs256OnHmacService: await new SignJWT({ sub: 'a', scope: ALL_SCOPES })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(privateKey),
      noSubject: await new SignJWT({ scope: ALL_SCOPES })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET)),
    };
    for (const [kind, token] of Object.entries(bad)) {
      const res = await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${token}`);
      expect({ kind, status: res.status, code: res.body.error?.code }).toEqual({
        kind,
        status: 401,
        code: 'UNAUTHORIZED',
      });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    }
    // Not a bearer scheme at all.
    await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Basic ${SECRET}`).expect(401);
    // A valid token passes the guard (the media is unknown).
    await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${tokenA}`).expect(404);
  });

  it('answers 403 FORBIDDEN for a token without the operation scope', async () => {
    const readOnly = await hs256({ sub: 'owner-a', scope: 'media:read' });
    const none = await hs256({ sub: 'owner-a', scope: '' });
    const upload = await t.http
      .post('/api/v1/upload')
      .set('Authorization', `Bearer ${readOnly}`)
      .attach('file', fixture('photo.png'), 'p.png');
    expect(upload.status).toBe(403);
    expect(upload.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_scope: 'media:write' } });
    expect(upload.headers['www-authenticate']).toContain('insufficient_scope');
    await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${readOnly}`).expect(404);
    // Every operation that documents a 403 answers it, in its documented shape (the checked agent).
    const documented403 = (await apiOperations(t)).filter(
      ({ method, path, op }) =>
        // The presigned PUT's own 403 is for a refused upload token (covered in the media specs).
        '403' in (op.responses as Record<string, unknown>) && !(method === 'put' && path.startsWith('/api/v1/upload/')),
    );
    expect(documented403.length).toBeGreaterThanOrEqual(20);
    for (const { method, path } of documented403) {
      const res = await (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)
        [method](path)
        .set('Authorization', `Bearer ${none}`);
      expect({ op: `${method} ${path}`, status: res.status }).toEqual({ op: `${method} ${path}`, status: 403 });
    }
    for (const [method, path, scope] of [
      ['get', `/api/v1/media/${UNKNOWN_ID}`, 'media:read'],
      ['post', '/api/v1/transcribe', 'transcribe'],
      ['post', '/api/v1/analyze-image', 'analyze'],
      ['post', '/api/v1/extract-attributes', 'analyze'],
    ]) {
      const res = await (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)
        [method](path)
        .set('Authorization', `Bearer ${none}`);
      expect({ path, status: res.status, scope: res.body.error?.details?.required_scope }).toEqual({
        path,
        status: 403,
        scope,
      });
    }
  });
});

describe('JWT authentication (RS256 from a JWKS on loopback)', () => {
  let t: TestApp;
  let jwks: Server;
  let jwksHits = 0;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      jwksHits += 1;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    t = await createTestApp({
      env: {
        ...JWT_ENV,
        AUTH_JWT_SECRET: undefined,
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  const rs256 = (claims: JWTPayload, kid = 'k1') =>
    new SignJWT({ scope: ALL_SCOPES, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(keys.privateKey);

  it('accepts a token signed by a key of the set, and caches the set', async () => {
    const token = await rs256({ sub: 'owner-r' });
    await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${token}`).expect(404);
    await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${token}`).expect(404);
    expect(jwksHits).toBe(1);
  });

  it('refuses HS256 signed with the public key (algorithm confusion) and tokens from another key', async () => {
    const publicJwk = await exportJWK(keys.publicKey);
    const confused = await new SignJWT({ sub: 'x', scope: ALL_SCOPES })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const other = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ sub: 'x', scope: ALL_SCOPES })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(other.privateKey);
    for (const token of [confused, foreign]) {
      const res = await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
  });
});

describe('configuration', () => {
  it('refuses AUTH_MODE=jwt without keys, naming the variable', async () => {
    await expect(createTestApp({ env: { AUTH_MODE: 'jwt' } })).rejects.toThrow(/AUTH_JWT_SECRET or AUTH_JWKS_URL/);
  });

  it('AUTH_MODE=none reports auth disabled in readiness', async () => {
    const t = await createTestApp({ env: { IMAGE_ANALYSIS_PRELOAD: 'false' } });
    try {
      const ready = await t.http.get('/health/ready').expect(200);
      expect(ready.body.details.auth).toMatchObject({ status: 'up', mode: 'disabled' });
      await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).expect(404);
    } finally {
      await t.close();
    }
  });
});

describe('per-owner access', () => {
  let t: TestApp;
  let a: string;
  let b: string;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await createTestApp({ env: { ...JWT_ENV, RATE_LIMIT_PER_MINUTE: '0' } });
    [a, b] = await Promise.all([hs256({ sub: 'owner-a' }), hs256({ sub: 'owner-b' })]);
  });
  afterAll(async () => t?.close());

  /** Another owner's id must answer exactly what an unknown id answers (status, code, shape). */
  async function expectHidden(
    send: (id: string) => import('supertest').Test,
    id: string,
    unknownId = UNKNOWN_ID,
  ): Promise<void> {
    const [foreign, unknown] = await Promise.all([send(id), send(unknownId)]);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe(unknown.body.error.code);
    expect(foreign.body.error.message.replace(id, '<id>')).toBe(unknown.body.error.message.replace(unknownId, '<id>'));
  }

  it('hides every record type from other owners, on every id and media_id route', async () => {
    const image = await t.http
      .post('/api/v1/upload')
      .set(as(a))
      .attach('file', fixture('photo.png'), 'p.png')
      .expect(201);
    const audio = await t.http
      .post('/api/v1/upload')
      .set(as(a))
      .attach('file', fixture('tone.wav'), 't.wav')
      .expect(201);
    expect(image.body.owner).toBe('owner-a');
    const imageId = image.body.media_id as string;
    const audioId = audio.body.media_id as string;

    const job = await t.http.post('/api/v1/transcribe').set(as(a)).send({ media_id: audioId }).expect(202);
    const jobId = job.body.transcription_id as string;
    const batch = await t.http
      .post('/api/v1/transcribe/batch')
      .set(as(a))
      .send({ items: [{ media_id: audioId }] })
      .expect(202);
    const analysis = await t.http
      .post('/api/v1/analyze-image')
      .set(as(a))
      .send({ media_id: imageId, analysis_types: ['colors'] })
      .expect(200);
    const analysisId = analysis.body.analysis_id as string;
    const imageBatch = await t.http
      .post('/api/v1/analyze-image/batch')
      .set(as(a))
      .send({ items: [{ media_id: imageId }], analysis_types: ['colors'] })
      .expect(200);
    const presign = await t.http
      .post('/api/v1/upload/presign')
      .set(as(a))
      .send({ filename: 'p.png', content_type: 'image/png', size: fixture('photo.png').length })
      .expect(201);
    const pendingId = presign.body.media_id as string;

    // The owner sees everything.
    await t.http.get(`/api/v1/media/${imageId}`).set(as(a)).expect(200);
    await t.http.get(`/api/v1/transcribe/${jobId}`).set(as(a)).expect(200);
    await t.http.get(`/api/v1/transcribe/batch/${batch.body.batch_id}`).set(as(a)).expect(200);
    await t.http.get(`/api/v1/analyze-image/${analysisId}`).set(as(a)).expect(200);
    await t.http.get(`/api/v1/analyze-image/batch/${imageBatch.body.batch_id}`).set(as(a)).expect(200);

    // Another owner sees nothing of it.
    const asB = (req: import('supertest').Test) => req.set(as(b));
    await expectHidden((id) => asB(t.http.get(`/api/v1/media/${id}`)), imageId);
    await expectHidden((id) => asB(t.http.get(`/api/v1/media/${id}/download`)), imageId);
    await expectHidden((id) => asB(t.http.delete(`/api/v1/media/${id}`)), imageId);
    await expectHidden((id) => asB(t.http.post(`/api/v1/media/${id}/complete`)), pendingId);
    await expectHidden((id) => asB(t.http.delete(`/api/v1/media/${id}`)), pendingId);
    await expectHidden((id) => asB(t.http.get(`/api/v1/transcribe/${id}`)), jobId);
    await expectHidden((id) => asB(t.http.get(`/api/v1/transcribe/batch/${id}`)), batch.body.batch_id);
    await expectHidden((id) => asB(t.http.get(`/api/v1/analyze-image/${id}`)), analysisId);
    await expectHidden((id) => asB(t.http.get(`/api/v1/analyze-image/${id}/annotated`)), analysisId);
    await expectHidden((id) => asB(t.http.get(`/api/v1/analyze-image/batch/${id}`)), imageBatch.body.batch_id);
    // media_id as an input
    await expectHidden((id) => asB(t.http.post('/api/v1/transcribe').send({ media_id: id })), audioId);
    await expectHidden((id) => asB(t.http.post('/api/v1/analyze-image').send({ media_id: id })), imageId);
    await expectHidden((id) => asB(t.http.post('/api/v1/extract-attributes').send({ media_id: id })), imageId);
    const foreignItem = await asB(t.http.post('/api/v1/transcribe/batch').send({ items: [{ media_id: audioId }] }));
    expect(JSON.stringify(foreignItem.body)).toContain('MEDIA_NOT_FOUND');
    const foreignImageItem = await asB(
      t.http.post('/api/v1/analyze-image/batch').send({ items: [{ media_id: imageId }], analysis_types: ['colors'] }),
    );
    expect(foreignImageItem.body.items[0]).toMatchObject({ status: 'failed', error: { code: 'MEDIA_NOT_FOUND' } });

    // Nothing of A's was deleted by B's attempts.
    await t.http.get(`/api/v1/media/${imageId}`).set(as(a)).expect(200);
  });

  it('binds the presigned upload to its owner', async () => {
    const bytes = fixture('photo.png');
    const presign = await t.http
      .post('/api/v1/upload/presign')
      .set(as(a))
      .send({ filename: 'p.png', content_type: 'image/png', size: bytes.length })
      .expect(201);
    const url = new URL(presign.body.upload_url as string);
    // The PUT needs no bearer: its token says who started the upload.
    await t.http
      .put(url.pathname + url.search)
      .set('Content-Type', 'image/png')
      .send(bytes)
      .expect(200);
    await t.http.post(`/api/v1/media/${presign.body.media_id}/complete`).set(as(b)).expect(404);
    const done = await t.http.post(`/api/v1/media/${presign.body.media_id}/complete`).set(as(a)).expect(201);
    expect(done.body.owner).toBe('owner-a');
  });

  it('keeps result caches per owner', async () => {
    const bytes = fixture('photo.webp').toString('base64');
    const first = await t.http
      .post('/api/v1/analyze-image')
      .set(as(a))
      .send({ image_file: bytes, analysis_types: ['colors'] })
      .expect(200);
    const again = await t.http
      .post('/api/v1/analyze-image')
      .set(as(a))
      .send({ image_file: bytes, analysis_types: ['colors'] })
      .expect(200);
    const other = await t.http
      .post('/api/v1/analyze-image')
      .set(as(b))
      .send({ image_file: bytes, analysis_types: ['colors'] })
      .expect(200);
    expect([first.body.cached, again.body.cached, other.body.cached]).toEqual([false, true, false]);
    expect(other.body.media_id).not.toBe(first.body.media_id);
    expect(other.body.owner).toBe('owner-b');
  });
});

describe('CACHE_SCOPE=global and per-owner rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...JWT_ENV, CACHE_SCOPE: 'global', RATE_LIMIT_PER_MINUTE: '4' } });
  });
  afterAll(async () => t?.close());

  it('shares results across owners without revealing the other owner’s ids', async () => {
    const [a, b] = await Promise.all([hs256({ sub: 'cache-a' }), hs256({ sub: 'cache-b' })]);
    const bytes = fixture('photo.jpg').toString('base64');
    const first = await t.http
      .post('/api/v1/analyze-image')
      .set('Authorization', `Bearer ${a}`)
      .send({ image_file: bytes, analysis_types: ['colors'] })
      .expect(200);
    const other = await t.http
      .post('/api/v1/analyze-image')
      .set('Authorization', `Bearer ${b}`)
      .send({ image_file: bytes, analysis_types: ['colors'] })
      .expect(200);
    expect(other.body.cached).toBe(true);
    expect(other.body.colors).toEqual(first.body.colors);
    expect(other.body.media_id).not.toBe(first.body.media_id);
    expect(other.body.analysis_id).not.toBe(first.body.analysis_id);
    await t.http.get(`/api/v1/media/${other.body.media_id}`).set('Authorization', `Bearer ${b}`).expect(200);
  });

  it('counts requests per owner', async () => {
    const [c, d] = await Promise.all([hs256({ sub: 'rate-c' }), hs256({ sub: 'rate-d' })]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${c}`)).status);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 429]);
    await t.http.get(`/api/v1/media/${UNKNOWN_ID}`).set('Authorization', `Bearer ${d}`).expect(404);
  });
});
