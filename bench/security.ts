/**
 * npm run bench:security [-- --rounds=3 --requests=400 --only=scan|auth]
 *
 * In one run, on the same machine and data:
 *  - the cost of malware scanning: POST /api/v1/upload of a 10 MB and a 50 MB WAV with
 *    MALWARE_SCANNER=none and =clamav (a real clamd on loopback with the test signatures;
 *    production signature sets are far larger, so the figure is a floor), median of --rounds;
 *  - the auth overhead: GET /api/v1/media/{id} of a stored record, --requests sequential requests
 *    with AUTH_MODE=none, jwt (HS256) and jwt (RS256 from a loopback JWKS), mean ms per request.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtVerifier } from '../src/auth/jwt-verifier';
import type { SecurityConfig } from '../src/config/configuration';
import { startClamd } from '../test/support/clamd';
import { createTestApp, TestApp } from '../test/support/test-app';
import { wavHeader } from '../test/support/wav';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const ROUNDS = Number(args.rounds ?? 3);
const REQUESTS = Number(args.requests ?? 400);
const SECRET = 'bench-secret-of-at-least-32-characters!!';
const BASE_ENV = {
  IMAGE_ANALYSIS_PRELOAD: 'false',
  MAX_FILE_SIZE: '60MB',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: '0',
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const wav = (size: number) => Buffer.concat([wavHeader(size - 44), randomBytes(size - 44)]);

async function timeUpload(t: TestApp, file: Buffer): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await t.http.post('/api/v1/upload').attach('file', file, 'bench.wav');
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function scanCost(): Promise<void> {
  const clamd = await startClamd();
  const plain = await createTestApp({ env: BASE_ENV });
  const scanned = await createTestApp({
    env: { ...BASE_ENV, MALWARE_SCANNER: 'clamav', CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(clamd.port) },
  });
  try {
    for (const mb of [10, 50]) {
      const file = wav(mb * 1024 * 1024);
      const none: number[] = [];
      const clam: number[] = [];
      await timeUpload(plain, file); // warm-up
      await timeUpload(scanned, file);
      for (let round = 0; round < ROUNDS; round += 1) {
        none.push(await timeUpload(plain, file));
        clam.push(await timeUpload(scanned, file));
      }
      const [n, c] = [median(none), median(clam)];
      process.stdout.write(
        `upload ${mb} MB: scanner none ${n.toFixed(0)} ms, clamav ${c.toFixed(0)} ms, ` +
          `scan cost ${(c - n).toFixed(0)} ms (${(c / n).toFixed(2)}x)\n`,
      );
    }
  } finally {
    await plain.close();
    await scanned.close();
    await clamd.stop();
  }
}

async function meanRequestMs(t: TestApp, path: string, headers: Record<string, string>): Promise<number> {
  for (let i = 0; i < 30; i += 1) await t.http.get(path).set(headers).expect(200); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i += 1) await t.http.get(path).set(headers).expect(200);
  return Number(process.hrtime.bigint() - started) / 1e6 / REQUESTS;
}

async function authOverhead(): Promise<void> {
  const keys = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'bench', alg: 'RS256' };
  const jwks = createServer((_req, res) =>
    res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const claims = { sub: 'bench-owner', scope: 'media:read media:write' };
  const hsToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));
  const rsToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setExpirationTime('1h')
    .sign(keys.privateKey);
  const modes: Array<{ name: string; env: Record<string, string | undefined>; headers: Record<string, string> }> = [
    { name: 'AUTH_MODE=none', env: {}, headers: {} },
    {
      name: 'jwt HS256',
      env: { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: SECRET },
      headers: { Authorization: `Bearer ${hsToken}` },
    },
    {
      name: 'jwt RS256 (JWKS)',
      env: { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: jwksUrl },
      headers: { Authorization: `Bearer ${rsToken}` },
    },
  ];
  // One after the other: each app reads its configuration from the environment while it is built.
  const apps: TestApp[] = [];
  for (const mode of modes) apps.push(await createTestApp({ env: { ...BASE_ENV, ...mode.env } }));
  try {
    const paths: string[] = [];
    for (const [index, t] of apps.entries()) {
      const res = await t.http
        .post('/api/v1/upload')
        .set(modes[index].headers)
        .attach('file', wav(4096), 'small.wav')
        .expect(201);
      paths.push(`/api/v1/media/${res.body.media_id}`);
    }
    // Interleaved rounds so background load on the shared machine hits every mode alike.
    const totals = modes.map(() => [] as number[]);
    for (let round = 0; round < 3; round += 1) {
      for (const [index, t] of apps.entries())
        totals[index].push(await meanRequestMs(t, paths[index], modes[index].headers));
    }
    const base = median(totals[0]);
    // The guard's own cost, without HTTP around it: jose verifying the same tokens.
    for (const [index, mode] of modes.entries()) {
      if (index === 0) continue;
      const verifier = new JwtVerifier({
        auth: {
          jwtSecret: mode.env.AUTH_JWT_SECRET,
          jwksUrl: mode.env.AUTH_JWKS_URL,
          jwksTimeoutMs: 5000,
          clockToleranceSeconds: 30,
          ownerClaim: 'sub',
        },
      } as unknown as SecurityConfig);
      const token = mode.headers.Authorization.slice('Bearer '.length);
      await verifier.verify(token);
      const count = 5000;
      const started = process.hrtime.bigint();
      for (let i = 0; i < count; i += 1) await verifier.verify(token);
      const us = Number(process.hrtime.bigint() - started) / 1e3 / count;
      process.stdout.write(`jose verify, ${mode.name.padEnd(18)} ${us.toFixed(1)} µs/token\n`);
    }
    for (const [index, mode] of modes.entries()) {
      const ms = median(totals[index]);
      process.stdout.write(
        `GET /api/v1/media/{id} ${mode.name.padEnd(18)} ${ms.toFixed(3)} ms/request` +
          (index === 0 ? '\n' : `, auth overhead ${(ms - base).toFixed(3)} ms\n`),
      );
    }
  } finally {
    await Promise.all(apps.map((t) => t.close()));
    await new Promise((resolve) => jwks.close(resolve));
  }
}

async function main(): Promise<void> {
  if (args.only !== 'auth') await scanCost();
  if (args.only !== 'scan') await authOverhead();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
