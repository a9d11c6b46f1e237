import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { OpenApiDocument } from './support/openapi-contract';
import { createTestApp, TestApp } from './support/test-app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'test-output', 'typed-client');
const CLIENT = join(__dirname, 'typed-client', 'client.ts');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

describe('a client generated from the document (openapi-typescript + openapi-fetch)', () => {
  let t: TestApp;
  let baseUrl: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await createTestApp({ env: { STORAGE_DRIVER: 'local', TRANSCRIBE_PROVIDER: 'local' } });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    document = (await t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'openapi.json'), JSON.stringify(document, null, 2));
    await run(process.execPath, [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, 'support', 'generate-client-types.ts'),
      join(OUT, 'openapi.json'),
      join(OUT, 'api.d.ts'),
    ]);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('type-checks strictly (tsc)', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(__dirname, 'typed-client', 'tsconfig.json')]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
  }, 120_000);

  it('has no casts, no `any` and no suppressed errors', async () => {
    const eslint = new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      overrideConfig: {
        files: ['**/*.ts'],
        languageOptions: { parser: (await import('typescript-eslint')).parser },
        plugins: { '@typescript-eslint': (await import('typescript-eslint')).plugin },
        rules: {
          '@typescript-eslint/no-explicit-any': 'error',
          '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
          '@typescript-eslint/no-non-null-assertion': 'error',
          '@typescript-eslint/ban-ts-comment': [
            'error',
            { 'ts-expect-error': true, 'ts-ignore': true, 'ts-nocheck': true },
          ],
        },
      },
    });
    const [report] = await eslint.lintFiles([CLIENT]);
    expect(report.messages.map((m) => `${m.line}: ${m.ruleId}: ${m.message}`)).toEqual([]);
  }, 60_000);

  it('calls every operation of the document against the real app, each answering as expected', async () => {
    const result = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', CLIENT], {
      cwd: ROOT,
      env: { ...process.env, BASE_URL: baseUrl, TS_NODE_PROJECT: join(__dirname, 'typed-client', 'tsconfig.json') },
      timeout: 240_000,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const last = result.stdout.trim().split('\n').pop() ?? '';
    if (!last.startsWith('{')) throw new Error(`the client printed no report:\n${result.stderr.slice(-3000)}`);
    const report = JSON.parse(last) as { calls: Array<{ operation: string }>; failure?: string };
    expect(report.failure).toBeUndefined();
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const calledOperations = new Set(report.calls.map((call) => call.operation));
    expect(documented.filter((operation) => !calledOperations.has(operation))).toEqual([]);
  }, 300_000);
});
