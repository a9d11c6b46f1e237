/**
 * `node -r ts-node/register/transpile-only test/support/docs-browser-driver.ts ORIGIN SHOTS CHROMIUM`:
 * drives Debian's chromium through puppeteer-core (an ES module, so not inside Jest's loader) over
 * the service's /docs and /redoc, and prints one JSON report. test/docs-browser.e2e-spec.ts asserts it.
 */
import { join } from 'node:path';
import puppeteer, { Browser, ElementHandle } from 'puppeteer-core';

export interface UploadCase {
  block: string;
  fixture: string;
}
export interface BrowserReport {
  uploads: Array<{ block: string; status?: string; body?: string; failure?: string }>;
  redoc: { rendered: boolean; elsewhere: string[] };
}

const firstFileInput = (block: ElementHandle) => block.$('input[type=file]');

async function tryUpload(browser: Browser, origin: string, shots: string, { block, fixture }: UploadCase) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1280, height: 1600 });
    await page.goto(`${origin}/docs`, { waitUntil: 'networkidle0' });
    // `name*`: the first block whose id starts so (Swagger UI mangles ids like `OpenAi_transcribe[0]`).
    const selector = block.endsWith('*') ? `[id^="${block.slice(0, -1)}"]` : `[id="${block}"]`;
    await page.waitForSelector(selector, { timeout: 30_000 });
    await page.click(`${selector} .opblock-summary`);
    await page.waitForSelector(`${selector} .try-out__btn`);
    await page.click(`${selector} .try-out__btn`);
    const operation = await page.$(selector);
    if (!operation) throw new Error(`no ${selector}`);
    // The request body's content type: multipart/form-data (the file picker), not JSON.
    const contentType = await operation.$('.opblock-section-request-body select');
    if (contentType) await contentType.select('multipart/form-data');
    // Swagger UI fills a `format: uri` field (callback_url) with https://example.com/, a host the
    // service refuses to call back (400 CALLBACK_NOT_ALLOWED): a user clears it, so does this.
    for (const text of await operation.$$('.opblock-section-request-body input[type=text]')) {
      const value = await text.evaluate((node) => ('value' in node ? String(node.value) : ''));
      if (value.startsWith('http')) {
        // Select the whole value (a multi-click may select one word only), then delete it.
        await text.click();
        await text.evaluate((node) => (node as unknown as { select(): void }).select());
        await text.press('Backspace');
      }
    }
    let input = await firstFileInput(operation);
    if (!input) {
      // A list of files (`files`) starts empty: add one item.
      const add = await operation.$('.json-schema-form-item-add');
      await add?.click();
      input = await firstFileInput(operation);
    }
    if (!input) throw new Error('no file input shown');
    await input.uploadFile(fixture);
    await page.click(`${selector} .execute`);
    const cell = await page.waitForSelector(`${selector} .live-responses-table tbody .response-col_status`, {
      timeout: 90_000,
    });
    const status = ((await cell?.evaluate((node) => node.textContent ?? '')) ?? '').trim();
    // A refusal says why: the response body Swagger UI shows.
    const shown = await operation.$('.live-responses-table tbody .response-col_description pre');
    const body = status.startsWith('2') ? undefined : await shown?.evaluate((node) => node.textContent ?? '');
    await operation.screenshot({ path: join(shots, `${block.replace(/[^\w-]/g, '_')}.png`) });
    return { block, status, body };
  } catch (error) {
    await page.screenshot({ path: join(shots, `${block.replace(/[^\w-]/g, '_')}-failed.png`), fullPage: true });
    return { block, failure: String(error) };
  } finally {
    await page.close();
  }
}

async function redoc(browser: Browser, origin: string, shots: string) {
  const page = await browser.newPage();
  const elsewhere: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== origin) elsewhere.push(request.url());
  });
  try {
    await page.goto(`${origin}/redoc`, { waitUntil: 'networkidle0' });
    const rendered = Boolean(await page.waitForSelector('.api-content', { timeout: 30_000 }).catch(() => null));
    await page.screenshot({ path: join(shots, 'redoc.png') });
    return { rendered, elsewhere };
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const [origin, shots, executablePath, cases] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  try {
    const report: BrowserReport = { uploads: [], redoc: { rendered: false, elsewhere: [] } };
    for (const upload of JSON.parse(cases) as UploadCase[])
      report.uploads.push(await tryUpload(browser, origin, shots, upload));
    report.redoc = await redoc(browser, origin, shots);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
