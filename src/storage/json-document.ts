import { createHash } from 'node:crypto';
import type { JsonDocument } from './object-store';

/**
 * A value as it is served (`res.json` bytes) with the weak ETag Express would compute for them
 * (the `etag` package's format: W/"<length hex>-<sha1 base64, 27 chars>"), so conditional
 * requests behave the same whether Express or the record cache made it.
 */
export function jsonDocument<T>(value: T, body: Buffer = Buffer.from(JSON.stringify(value))): JsonDocument<T> {
  const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
  return { value, body, etag: `W/"${body.length.toString(16)}-${hash}"` };
}
