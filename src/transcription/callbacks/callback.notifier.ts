import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppException } from '../../common/errors/app.exception';
import { transcriptionConfig, TranscriptionConfig } from '../../config/configuration';
import { mediaMetrics } from '../../metrics/media-metrics';
import { traceHeaders } from '../../tracing/trace-context';
import { CallbackUrlPolicy } from '../../security/callbacks/callback-url.policy';
import { postToChecked } from '../../security/callbacks/pinned-post';

export const SIGNATURE_HEADER = 'x-signature-sha256';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** hex HMAC-SHA256 of `${timestamp}.${body}`: the receiver recomputes it and checks the timestamp is recent. */
export function signCallback(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * POSTs finished jobs to the orchestrator (or a request's callback_url): JSON body, HMAC-SHA256
 * signature, each attempt bounded by CALLBACK_TIMEOUT_MS, retried with exponential backoff on
 * network errors, 429 and 5xx. Never throws: a failing callback never fails the job.
 */
@Injectable()
export class CallbackNotifier implements OnModuleDestroy {
  private readonly logger = new Logger(CallbackNotifier.name);
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<boolean>>();

  constructor(
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    private readonly policy: CallbackUrlPolicy,
  ) {}

  /** Starts delivery in the background; resolves (for tests) with whether it was delivered. */
  notify(url: string, payload: unknown, context: Record<string, unknown>): Promise<boolean> {
    const delivery = this.deliver(url, JSON.stringify(payload), context).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
    return delivery;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(url: string, body: string, context: Record<string, unknown>): Promise<boolean> {
    const { maxAttempts, retryBaseMs, timeoutMs } = this.config.callback;
    const secret = this.config.callbackSigningSecret;
    for (let attempt = 1; attempt <= maxAttempts && !this.stopping.signal.aborted; attempt += 1) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'media-service',
        [TIMESTAMP_HEADER]: timestamp,
        ...traceHeaders(),
      };
      // The same for every attempt and replica: the receiver drops repeats (delivery is at-least-once).
      if (context.idempotencyKey) headers[IDEMPOTENCY_HEADER] = String(context.idempotencyKey);
      if (secret) headers[SIGNATURE_HEADER] = `sha256=${signCallback(secret, timestamp, body)}`;
      let retryable = true;
      let reason: string;
      // Our own timer and controller: on Node 20, AbortSignal.any([AbortSignal.timeout()]) can be
      // collected and never fire (undici #4068), leaving an attempt open without bound.
      const attemptAbort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attemptAbort.abort();
      }, timeoutMs);
      const onStop = () => attemptAbort.abort();
      this.stopping.signal.addEventListener('abort', onStop, { once: true });
      try {
        // Checked again at delivery (DNS may have changed since submit), then connected to the
        // very addresses checked; redirects are not followed.
        const target = await this.policy.check(url);
        const response = await postToChecked(target, headers, body, attemptAbort.signal);
        if (response.status >= 200 && response.status < 300) {
          this.logger.log({ ...context, url, attempt }, 'callback delivered');
          mediaMetrics.callbackDelivery('delivered');
          return true;
        }
        retryable = response.status === 429 || response.status >= 500;
        reason = `HTTP ${response.status}`;
      } catch (error) {
        if (error instanceof AppException) {
          this.logger.warn({ ...context, url, reason: error.message }, 'callback refused: not an allowed address');
          return false;
        }
        reason = timedOut ? `timed out after ${timeoutMs} ms` : (error as Error).message;
      } finally {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener('abort', onStop);
      }
      this.logger.warn({ ...context, url, attempt, reason }, 'callback failed');
      const givesUp = !retryable || attempt === maxAttempts || this.stopping.signal.aborted;
      mediaMetrics.callbackDelivery(givesUp ? 'failed' : 'retried');
      if (!retryable || attempt === maxAttempts) break;
      const delay = retryBaseMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
      try {
        await sleep(delay, undefined, { signal: this.stopping.signal });
      } catch {
        break;
      }
    }
    return false;
  }
}
