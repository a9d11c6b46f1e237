import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserReport } from './support/docs-browser-driver';
import { createTestApp, TestApp } from './support/test-app';

/** Debian's chromium (scripts/debian-packages.txt: `test chromium`); no browser is downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', 'test-output', 'docs-browser');
const AUDIO = join(__dirname, 'fixtures', 'audio', 'monitor.wav');
const IMAGE = join(__dirname, 'fixtures', 'images', 'coffee.jpg');

/** Swagger UI's id of an operation block: `operations-<tag>-<operationId>`. */
const UPLOADS: Array<{ block: string; fixture: string }> = [
  { block: 'operations-media-Media_upload', fixture: IMAGE },
  { block: 'operations-transcription-Transcription_submit', fixture: AUDIO },
  { block: 'operations-transcription-Transcription_submitBatch', fixture: AUDIO },
  { block: 'operations-image-analysis-ImageAnalysis_analyze', fixture: IMAGE },
  { block: 'operations-image-analysis-ImageAnalysis_batch', fixture: IMAGE },
  { block: 'operations-image-analysis-Attributes_extract', fixture: IMAGE },
  { block: 'operations-openai-OpenAi_transcribe*', fixture: AUDIO },
];

const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  process.stdout.write(`docs-browser: skipped, no chromium at ${CHROMIUM} (apt-get install chromium)\n`);
}

describeWithChromium('Swagger UI and ReDoc in a real browser (chromium)', () => {
  let t: TestApp;
  let report: BrowserReport;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestApp({ env: { STORAGE_DRIVER: 'local', TRANSCRIBE_PROVIDER: 'local' } });
    await t.app.listen(0, '127.0.0.1');
    const origin = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const driver = join(__dirname, 'support', 'docs-browser-driver.ts');
    const args = ['-r', 'ts-node/register/transpile-only', driver, origin, SHOTS, CHROMIUM, JSON.stringify(UPLOADS)];
    const result = await promisify(execFile)(process.execPath, args, {
      env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
      timeout: 400_000,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const last = result.stdout.trim().split('\n').pop() ?? '';
    if (!last.startsWith('{')) throw new Error(`the browser driver printed no report:\n${result.stderr.slice(-3000)}`);
    report = JSON.parse(last) as BrowserReport;
  }, 480_000);

  afterAll(async () => {
    await t?.close();
  });

  const shows2xx = (block: string) => {
    const seen = report.uploads.find((upload) => upload.block === block);
    expect(seen?.failure).toBeUndefined();
    expect(`${seen?.status} ${seen?.body ?? ''}`).toMatch(/^2\d\d $/);
  };
  it.each(UPLOADS.map((u) => u.block))('%s: Try it out with a fixture file shows a 2xx', shows2xx);

  it('/redoc renders and asks no host but the service', () => {
    expect(report.redoc.rendered).toBe(true);
    expect(report.redoc.elsewhere).toEqual([]);
  });
});
