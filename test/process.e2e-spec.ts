import { request as httpRequest } from 'node:http';
import { startServiceProcess, waitUntilUp } from './support/service-process';

describe('the service as a process (e2e)', () => {
  it('refuses to start on a bad setting, with one line naming the variable', async () => {
    const service = await startServiceProcess({ MAX_FILE_SIZE: 'lots' });
    const code = await service.exited;
    await service.stop();
    expect(code).toBe(1);
    const lines = service.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/MAX_FILE_SIZE/);
    expect(lines[0]).toMatch(/50MB/);
  });

  it('starts, logs JSON lines with the request id and redacted secrets, and exits 0 on SIGTERM', async () => {
    const service = await startServiceProcess();
    try {
      await waitUntilUp(`${service.baseUrl}/health`, 30_000, service.exited);
      const res = await fetch(`${service.baseUrl}/nowhere`, {
        headers: { 'X-Request-Id': 'trace-me-123', Authorization: 'Bearer top-secret-token', Cookie: 'session=abc' },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBe('trace-me-123');
      await new Promise((r) => setTimeout(r, 200));
      const lines = service
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const requestLines = lines.filter((line) => JSON.stringify(line).includes('trace-me-123'));
      expect(requestLines.length).toBeGreaterThan(0);
      expect(service.stdout()).not.toContain('top-secret-token');
      expect(service.stdout()).not.toContain('session=abc');
    } finally {
      expect(await service.stop('SIGTERM')).toBe(0);
    }
  });

  it('lets an in-flight request finish before exiting on SIGTERM', async () => {
    const service = await startServiceProcess();
    try {
      await waitUntilUp(`${service.baseUrl}/health`, 30_000, service.exited);
      // Hold a request open by sending half its body, signal, then send the rest.
      const body = JSON.stringify({ hello: 'world' });
      const response = new Promise<{ status: number; text: string }>((done, fail) => {
        const req = httpRequest(
          `${service.baseUrl}/api/v1/slow-client`,
          { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => done({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', fail);
        req.write(body.slice(0, 5), () => {
          setTimeout(() => {
            service.child.kill('SIGTERM');
            setTimeout(() => req.end(body.slice(5)), 500);
          }, 200);
        });
      });
      const res = await response;
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text).error.code).toBe('NOT_FOUND');
      expect(await service.exited).toBe(0);
      // Once closing, the service accepts no new connections.
      await expect(fetch(`${service.baseUrl}/health`)).rejects.toThrow();
    } finally {
      await service.stop();
    }
  });
});
