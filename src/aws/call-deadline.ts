/**
 * A deadline for one AWS call (its retries included): the SDK's own requestTimeout bounds a
 * single attempt only, and only until the response headers arrive.
 */
export class AwsCallTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`AWS call ${command} got no answer within ${timeoutMs} ms (AWS_REQUEST_TIMEOUT_MS)`);
    this.name = 'TimeoutError';
  }
}

/** True for the error a call ended with when its deadline passed (the SDK wraps it in an AbortError). */
export function isAwsCallTimeout(error: unknown): boolean {
  if (error instanceof AwsCallTimeoutError) return true;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof AwsCallTimeoutError;
}

type Send = (command: { constructor: { name: string } }, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/**
 * Makes every `client.send(command, options)` of this client fail within `timeoutMs` (with an
 * AbortError whose cause is an AwsCallTimeoutError), whatever the caller passed. The caller's
 * own abort signal still works. The deadline ends when send resolves: a streamed response body
 * (GetObject) is then bounded by the handler's idle-socket timeout instead.
 *
 * A plain AbortController and setTimeout rather than AbortSignal.timeout/any: those can stop
 * firing once garbage-collected on Node 20 (undici issue 4068).
 */
export function boundCallTime<T extends object>(client: T, timeoutMs: number): T {
  const target = client as unknown as { send: Send };
  // The class's send, looked up at each call: client mocks replace it on the prototype.
  const send: Send = (...args) => (Object.getPrototypeOf(client) as { send: Send }).send.apply(client, args);
  target.send = ((command, options, ...rest: unknown[]) => {
    if (typeof options === 'function' || rest.length > 0)
      return (send as (...args: unknown[]) => unknown)(command, options, ...rest);
    const controller = new AbortController();
    const parent = options?.abortSignal;
    const onParentAbort = () => controller.abort(parent?.reason);
    if (parent?.aborted) onParentAbort();
    else parent?.addEventListener('abort', onParentAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new AwsCallTimeoutError(command.constructor.name, timeoutMs)),
      timeoutMs,
    );
    const clear = () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    };
    // Promise.resolve: a stubbed send (client mocks) may return a bare value.
    return Promise.resolve(send(command, { ...options, abortSignal: controller.signal })).finally(clear);
  }) as Send;
  return client;
}
