import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, Optional } from '@nestjs/common';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppException } from '../../common/errors/app.exception';
import { transcriptionConfig, TranscriptionConfig } from '../../config/configuration';
import { OBJECT_STORE, ObjectStore } from '../../storage/object-store';
import { mediaMetrics } from '../../metrics/media-metrics';
import { traceHeaders } from '../../tracing/trace-context';
import { CallbackUrlPolicy } from '../../security/callbacks/callback-url.policy';
import { postToChecked } from '../../security/callbacks/pinned-post';
import { JobQueue, RetryLaterError } from '../jobs/job-queue';

export const SIGNATURE_HEADER = 'x-signature-sha256';
export const TIMESTAMP_HEADER = 'x-signature-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** hex HMAC-SHA256 of `${timestamp}.${body}`: the receiver recomputes it and checks the timestamp is recent. */
export function signCallback(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Injection token of the shared queue of callback deliveries (null without REDIS_URL). */
export const CALLBACK_QUEUE = Symbol('CALLBACK_QUEUE');

/** callbacks/pending/<id>.json: a delivery not done yet, read by whichever worker takes it. */
interface PendingDelivery {
  url: string;
  body: string;
  context: Record<string, unknown>;
  /** The submitting request's trace headers, so a delivery run elsewhere stays in its trace. */
  trace: Record<string, string>;
  /** Attempts started so far (counted before each, so a worker killed mid-attempt counts too). */
  attempts: number;
  created_at: string;
}

const pendingKey = (id: string) => `callbacks/pending/${id}.json`;

type AttemptOutcome = { delivered: true } | { delivered: false; retryable: boolean; reason: string; refused?: boolean };

/**
 * POSTs finished jobs to the orchestrator (or a request's callback_url): JSON body, HMAC-SHA256
 * signature, each attempt bounded by CALLBACK_TIMEOUT_MS, retried with exponential backoff on
 * network errors, 429 and 5xx. Never throws: a failing callback never fails the job.
 *
 * With REDIS_URL a delivery is a queued job (its body in the store, its id in Redis): any worker
 * runs its attempts, so deliveries pending on a replica that dies are made by another
 * (at-least-once; the Idempotency-Key header lets the receiver drop repeats). Without Redis they
 * run in this process.
 */
@Injectable()
export class CallbackNotifier implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackNotifier.name);
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<boolean>>();

  constructor(
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
    private readonly policy: CallbackUrlPolicy,
    @Optional() @Inject(CALLBACK_QUEUE) private readonly queue?: JobQueue | null,
    @Optional() @Inject(OBJECT_STORE) private readonly store?: ObjectStore,
  ) {
    this.queue?.process((id, signal) => this.runQueued(id, signal));
  }

  /**
   * Starts delivery in the background; resolves (for tests) with whether it was delivered, or
   * with a shared queue, whether it was queued.
   */
  notify(url: string, payload: unknown, context: Record<string, unknown>): Promise<boolean> {
    const body = JSON.stringify(payload);
    const delivery = (this.queue && this.store ? this.enqueue(url, body, context) : this.deliver(url, body, context))
      .catch((error: unknown) => {
        this.logger.error({ ...context, url, err: error }, 'callback not delivered');
        return false;
      })
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
    return delivery;
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.queue) this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * After every module's destroy hook, so jobs that finish while their queues drain still get
   * their deliveries queued; a delivery still running then goes back to the queue for another worker.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
    await this.queue?.close();
  }

  private async enqueue(url: string, body: string, context: Record<string, unknown>): Promise<boolean> {
    const queue = this.queue as JobQueue;
    const store = this.store as ObjectStore;
    // The same event to the same URL is one delivery, whoever asks for it.
    const id = context.idempotencyKey
      ? createHash('sha256')
          .update(`${url}\n${String(context.idempotencyKey)}`)
          .digest('hex')
          .slice(0, 40)
      : randomUUID();
    const pending: PendingDelivery = {
      url,
      body,
      context,
      trace: traceHeaders(),
      attempts: 0,
      created_at: new Date().toISOString(),
    };
    try {
      await store.writeJson(pendingKey(id), pending);
      await queue.enqueue(`cb-${id}`);
      return true;
    } catch (error) {
      // Redis or the store is away: deliver from here rather than lose the callback.
      this.logger.warn({ ...context, url, err: error }, 'callback not queued; delivering in this process');
      await store.delete(pendingKey(id)).catch(() => undefined);
      return this.deliver(url, body, context);
    }
  }

  /** The shared queue's handler: one attempt; a retryable failure goes back with a backoff. */
  private async runQueued(jobId: string, signal: AbortSignal): Promise<void> {
    const store = this.store as ObjectStore;
    const id = jobId.replace(/^cb-/, '');
    const { maxAttempts, retryBaseMs } = this.config.callback;
    let pending: PendingDelivery | null;
    try {
      pending = await store.readJson<PendingDelivery>(pendingKey(id));
      if (!pending) return; // delivered (or given up) already
      pending.attempts += 1;
      await store.writeJson(pendingKey(id), pending);
    } catch (error) {
      throw new RetryLaterError(`the store is unavailable: ${(error as Error).message}`, retryBaseMs);
    }
    const { url, body, context, trace, attempts: attempt } = pending;
    const outcome = await this.attemptOnce(url, body, { ...context, delivery: id }, attempt, signal, trace);
    if (!outcome.delivered && signal.aborted && !outcome.refused) {
      // Shutdown or the queue's timeout: another worker (or this one later) tries again.
      throw new RetryLaterError('delivery interrupted', retryBaseMs);
    }
    const givesUp = !outcome.delivered && (!outcome.retryable || attempt >= maxAttempts);
    if (!outcome.delivered && !outcome.refused) mediaMetrics.callbackDelivery(givesUp ? 'failed' : 'retried');
    if (outcome.delivered || givesUp) {
      await store.delete(pendingKey(id)).catch(() => undefined);
      return;
    }
    throw new RetryLaterError(outcome.reason, retryBaseMs * 2 ** (attempt - 1));
  }

  private async deliver(url: string, body: string, context: Record<string, unknown>): Promise<boolean> {
    const { maxAttempts, retryBaseMs } = this.config.callback;
    const trace = traceHeaders();
    for (let attempt = 1; attempt <= maxAttempts && !this.stopping.signal.aborted; attempt += 1) {
      const outcome = await this.attemptOnce(url, body, context, attempt, this.stopping.signal, trace);
      if (outcome.delivered) return true;
      if (outcome.refused) return false;
      const givesUp = !outcome.retryable || attempt === maxAttempts || this.stopping.signal.aborted;
      mediaMetrics.callbackDelivery(givesUp ? 'failed' : 'retried');
      if (!outcome.retryable || attempt === maxAttempts) break;
      const delay = retryBaseMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
      try {
        await sleep(delay, undefined, { signal: this.stopping.signal });
      } catch {
        break;
      }
    }
    return false;
  }

  /** One POST, bounded by CALLBACK_TIMEOUT_MS and by `stop`; the URL is checked again first. */
  private async attemptOnce(
    url: string,
    body: string,
    context: Record<string, unknown>,
    attempt: number,
    stop: AbortSignal,
    trace: Record<string, string>,
  ): Promise<AttemptOutcome> {
    const { timeoutMs } = this.config.callback;
    const secret = this.config.callbackSigningSecret;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'media-service',
      [TIMESTAMP_HEADER]: timestamp,
      ...trace,
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
    if (stop.aborted) attemptAbort.abort();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      // Checked again at delivery (DNS may have changed since submit), then connected to the
      // very addresses checked; redirects are not followed.
      const target = await this.policy.check(url);
      const response = await postToChecked(target, headers, body, attemptAbort.signal);
      if (response.status >= 200 && response.status < 300) {
        this.logger.log({ ...context, url, attempt }, 'callback delivered');
        mediaMetrics.callbackDelivery('delivered');
        return { delivered: true };
      }
      retryable = response.status === 429 || response.status >= 500;
      reason = `HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof AppException) {
        this.logger.warn({ ...context, url, reason: error.message }, 'callback refused: not an allowed address');
        return { delivered: false, retryable: false, reason: error.message, refused: true };
      }
      reason = timedOut ? `timed out after ${timeoutMs} ms` : (error as Error).message;
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
    this.logger.warn({ ...context, url, attempt, reason }, 'callback failed');
    return { delivered: false, retryable, reason };
  }
}
