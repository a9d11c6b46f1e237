import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceProcess, startServiceProcess, waitUntilUp } from '../support/service-process';
// Every response of the service is checked against the OpenAPI document it serves.
import { checkedFetch as fetch } from '../support/openapi-contract';

const TONE = readFileSync(join(__dirname, '..', 'fixtures', 'media', 'tone.wav'));

/** What the real process logged, one JSON object a line. */
function logLines(service: ServiceProcess): Array<Record<string, unknown>> {
  return service
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function presign(service: ServiceProcess, size: number) {
  const res = await fetch(`${service.baseUrl}/api/v1/upload/presign`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ filename: 'tone.wav', content_type: 'audio/wav', size }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { media_id: string; upload_url: string };
  const url = new URL(body.upload_url);
  return { id: body.media_id, path: `${url.pathname}${url.search}`, token: url.searchParams.get('token') as string };
}

describe('request logs of the real process', () => {
  let service: ServiceProcess;
  beforeAll(async () => {
    service = await startServiceProcess({ IMAGE_ANALYSIS_PRELOAD: 'false', RATE_LIMIT_PER_MINUTE: '0' });
    await waitUntilUp(`${service.baseUrl}/health`, 60_000, service.exited);
  });
  afterAll(() => service?.stop());

  it('never contain an upload token', async () => {
    const { path, token } = await presign(service, TONE.length);
    const put = await fetch(`${service.baseUrl}${path}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'audio/wav' },
      body: TONE,
    });
    expect(put.status).toBe(200);
    const refused = await fetch(`${service.baseUrl}${path}`, { method: 'PUT', body: TONE });
    expect(refused.status).toBe(409);
    await new Promise((done) => setTimeout(done, 200));
    expect(token.length).toBeGreaterThan(20);
    expect(service.stdout() + service.stderr()).not.toContain(token);
    expect(service.stdout()).toContain('token=[REDACTED]');
  });

  it('log a client that hangs up during a presigned PUT as a client abort (499, warn), not a 500', async () => {
    const { id, path } = await presign(service, TONE.length);
    await new Promise<void>((done) => {
      const req = httpRequest(`${service.baseUrl}${path}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'audio/wav', 'Content-Length': TONE.length },
      });
      req.on('error', () => done());
      req.write(TONE.subarray(0, 1000), () => setTimeout(() => req.destroy(), 150));
      req.on('close', () => done());
    });
    await new Promise((done) => setTimeout(done, 500));
    const lines = logLines(service).filter((line) => JSON.stringify(line).includes(id));
    expect(lines.find((line) => line.msg === 'request aborted')).toMatchObject({ level: 40 });
    expect(lines.find((line) => line.msg === 'client closed the request')).toMatchObject({ level: 40 });
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
    // And nothing was kept: the PUT can be made again.
    const retry = await fetch(`${service.baseUrl}${path}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'audio/wav' },
      body: TONE,
    });
    expect(retry.status).toBe(200);
  });
});
