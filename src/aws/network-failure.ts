/** Socket-level failures, by Node's error code or the name the SDK's HTTP handler gives them. */
const NETWORK_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
  'RequestTimeout',
  'NetworkingError',
]);

/**
 * The same failures when only the message is left: the SDK's retry middleware turns anything that
 * is not `instanceof Error` (an error from another realm, as Node's own socket errors are under
 * Jest's vm) into `new Error('AWS SDK error wrapper for TimeoutError: socket hang up')`, without
 * the name or code, and then neither retries it itself nor lets a caller recognise it.
 */
const NETWORK_FAILURE_MESSAGE = /\b(socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|TimeoutError)\b/;

/** True for a connection that failed, dropped or timed out: worth trying again, never the caller's fault. */
export function isNetworkFailure(error: unknown): boolean {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  return (
    NETWORK_FAILURES.has(String(name)) ||
    NETWORK_FAILURES.has(String(code)) ||
    (typeof message === 'string' &&
      message.startsWith('AWS SDK error wrapper for ') &&
      NETWORK_FAILURE_MESSAGE.test(message))
  );
}
