import { request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedCallback } from './callback-url.policy';

/**
 * POSTs a body to a checked callback, connecting only to the addresses the policy approved (the
 * host is not resolved again, so DNS cannot rebind it to an internal address in between).
 * TLS still verifies the certificate against the URL's host name. Redirects are not followed.
 */
export function postToChecked(
  target: CheckedCallback,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<{ status: number }> {
  const { url, addresses } = target;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const family = typeof options === 'object' && options ? options.family : undefined;
    const usable = addresses.filter((a) => !family || a.family === family);
    if (options && typeof options === 'object' && options.all) {
      (callback as unknown as (e: null, list: typeof usable) => void)(null, usable);
      return;
    }
    callback(null, usable[0]?.address ?? addresses[0].address, usable[0]?.family ?? addresses[0].family);
  };
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinned,
    signal,
    // A fresh connection per delivery: a pooled socket could belong to an earlier resolution.
    agent: false,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}
