import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppException } from '../../common/errors/app.exception';
import type { SecurityConfig } from '../../config/configuration';
import { CallbackUrlPolicy, HostResolver } from './callback-url.policy';
import { postToChecked } from './pinned-post';

const config = (allowed: string[] = [], orchestratorUrl?: string) =>
  ({ callbackAllowedHosts: allowed, orchestratorUrl }) as unknown as SecurityConfig;

/** Stands in for DNS: answers from a table the test changes between calls. */
function fakeDns(table: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = ((hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) return Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as HostResolver & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

async function reason(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).code).toBe('CALLBACK_NOT_ALLOWED');
    return (error as AppException).details.reason as string;
  }
}

describe('CallbackUrlPolicy', () => {
  it('refuses a host when any of its addresses is internal', async () => {
    const dns = fakeDns({ 'mixed.test': ['93.184.216.34', '10.0.0.5'], 'public.test': ['93.184.216.34'] });
    const policy = new CallbackUrlPolicy(config(), dns);
    expect(await reason(policy.check('https://mixed.test/cb'))).toBe('private');
    expect(await reason(policy.check('https://nowhere.test/cb'))).toBe('unresolvable');
    await expect(policy.check('https://public.test/cb')).resolves.toMatchObject({
      addresses: [{ address: '93.184.216.34', family: 4 }],
    });
  });

  it('refuses IPv4-mapped IPv6 answers by their IPv4 range', async () => {
    const policy = new CallbackUrlPolicy(config(), fakeDns({ 'mapped.test': ['::ffff:192.168.0.1'] }));
    expect(await reason(policy.check('http://mapped.test/'))).toBe('private');
  });

  it('allows listed hosts and CIDRs, and the orchestrator', async () => {
    const dns = fakeDns({
      'hooks.internal': ['10.1.1.1'],
      'orchestrator.internal': ['10.2.2.2'],
      'other.internal': ['10.9.9.9'],
    });
    const policy = new CallbackUrlPolicy(
      config(['hooks.internal', '192.168.0.0/16'], 'http://orchestrator.internal:8000'),
      dns,
    );
    await expect(policy.check('http://hooks.internal/cb')).resolves.toBeDefined();
    await expect(policy.check('http://orchestrator.internal:8000/jobs')).resolves.toBeDefined();
    await expect(policy.check('http://192.168.4.4/cb')).resolves.toBeDefined();
    expect(await reason(policy.check('http://other.internal/cb'))).toBe('private');
    expect(await reason(policy.check('http://192.169.0.1.internal/cb'))).toBe('unresolvable');
  });

  it('answers the check again at delivery time: a host rebound to loopback is refused', async () => {
    const table: Record<string, string[]> = { 'rebind.test': ['93.184.216.34'] };
    const policy = new CallbackUrlPolicy(config(), fakeDns(table));
    await expect(policy.check('http://rebind.test/cb')).resolves.toBeDefined();
    table['rebind.test'] = ['127.0.0.1'];
    expect(await reason(policy.check('http://rebind.test/cb'))).toBe('loopback');
  });
});

describe('postToChecked', () => {
  let receiver: Server;
  let port = 0;
  const seen: Array<{ host?: string; body: string }> = [];

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ host: req.headers.host, body });
        res.writeHead(req.url === '/redirect' ? 302 : 200, { Location: 'http://127.0.0.1:1/elsewhere' }).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => receiver.close(resolve)));

  it('connects to the checked address, not to what the name resolves to now, and follows no redirect', async () => {
    // "receiver.test" exists only in the fake DNS: reaching the server proves the pinned address was used.
    const dns = fakeDns({ 'receiver.test': ['127.0.0.1'] });
    const policy = new CallbackUrlPolicy(config(['receiver.test']), dns);
    const target = await policy.check(`http://receiver.test:${port}/hook`);
    const ok = await postToChecked(
      target,
      { 'content-type': 'application/json' },
      '{"a":1}',
      AbortSignal.timeout(2000),
    );
    expect(ok.status).toBe(200);
    expect(seen.at(-1)).toEqual({ host: `receiver.test:${port}`, body: '{"a":1}' });
    const redirect = await policy.check(`http://receiver.test:${port}/redirect`);
    const moved = await postToChecked(redirect, {}, '{}', AbortSignal.timeout(2000));
    expect(moved.status).toBe(302);
    expect(seen).toHaveLength(2);
    expect(dns.calls).toEqual(['receiver.test', 'receiver.test']);
  });
});
