import { HttpException } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withSpan } from '../tracing/trace-context';
import {
  AwsPriceTable,
  DEFAULT_AWS_PRICES,
  rekognitionImagePrice,
  s3RequestPrice,
  transcribePrice,
} from './aws-prices';

export const METRIC_PREFIX = 'media_service_';

export type Outcome = 'success' | 'client_error' | 'failed';
/** local or aws (a storage driver s3 counts as aws). */
export type Provider = string;
export type CallbackOutcome = 'delivered' | 'retried' | 'failed';
export type AwsService = 'transcribe' | 'rekognition' | 's3';

/** What a queue reports: jobs waiting and jobs running now. */
export interface QueueDepth {
  queued: number;
  running: number;
}

export type QueueDepthSource = () => QueueDepth;
export type EngineReadinessSource = () => Promise<{ ready: boolean; provider?: unknown }> | { ready: boolean };

/** Engine errors that are the caller's audio, not our fault. */
const CLIENT_ERROR_CODES = new Set([
  'INVALID_FILE_FORMAT',
  'INVALID_FILE',
  'EDECODE',
  'DECODE_FAILED',
  'ENOAUDIO',
  'NO_AUDIO',
  'MEDIA_NOT_FOUND',
]);

/** The local image analysis types and the Rekognition image API AWS would have billed for each. */
const REKOGNITION_API_FOR_TYPE: Record<string, string> = {
  labels: 'DetectLabels',
  objects: 'DetectLabels',
  text: 'DetectText',
  faces: 'DetectFaces',
  moderation: 'DetectModerationLabels',
};

export function outcomeOf(error: unknown): Outcome {
  if (error instanceof HttpException) return error.getStatus() < 500 ? 'client_error' : 'failed';
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && CLIENT_ERROR_CODES.has(code) ? 'client_error' : 'failed';
}

/** The provider label of a storage driver. */
export const storageProvider = (driver: string): Provider => (driver === 's3' ? 'aws' : 'local');

const seconds = (startedNs: bigint) => Number(process.hrtime.bigint() - startedNs) / 1e9;

/**
 * Every media_service_ series, on one registry that lives as long as the process (several Nest
 * apps in one test process share it; tests compare before/after values). Services call the
 * small methods below; `enabled=false` (METRICS_ENABLED) makes each of them return at once.
 */
export class MediaMetrics {
  readonly registry = new Registry();
  enabled = true;
  prices: AwsPriceTable = DEFAULT_AWS_PRICES;
  private readonly queues = new Map<string, QueueDepthSource>();
  private readonly engines = new Map<string, EngineReadinessSource>();

  readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly operations = new Counter({
    name: `${METRIC_PREFIX}operations_total`,
    help: 'Media operations by operation, provider and outcome',
    labelNames: ['operation', 'provider', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly operationDuration = new Histogram({
    name: `${METRIC_PREFIX}operation_duration_seconds`,
    help: 'Time media operations took, by operation, provider and outcome',
    labelNames: ['operation', 'provider', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  readonly fileSize = new Histogram({
    name: `${METRIC_PREFIX}file_size_bytes`,
    help: 'Sizes of the files stored, by media type',
    labelNames: ['media_type'] as const,
    buckets: [1e3, 1e4, 1e5, 5e5, 1e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 5e8, 2e9],
    registers: [this.registry],
  });
  readonly audioDuration = new Histogram({
    name: `${METRIC_PREFIX}audio_duration_seconds`,
    help: 'Durations of the audio transcribed, by provider',
    labelNames: ['provider'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400],
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Jobs in each queue by state (queued, running)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectQueues(),
  });
  readonly cacheRequests = new Counter({
    name: `${METRIC_PREFIX}cache_requests_total`,
    help: 'Result cache look-ups by cache and result (hit, miss)',
    labelNames: ['cache', 'result'] as const,
    registers: [this.registry],
  });
  readonly engineReady = new Gauge({
    name: `${METRIC_PREFIX}engine_ready`,
    help: '1 when the engine can serve requests now, else 0',
    labelNames: ['engine', 'provider'] as const,
    registers: [this.registry],
    collect: () => this.collectEngines(),
  });
  readonly callbackDeliveries = new Counter({
    name: `${METRIC_PREFIX}callback_deliveries_total`,
    help: 'Callback attempts by outcome: delivered, retried (a failed attempt that is retried), failed (given up)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly awsRequests = new Counter({
    name: `${METRIC_PREFIX}aws_requests_total`,
    help: 'AWS SDK calls by service, operation and outcome',
    labelNames: ['service', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly awsCost = new Counter({
    name: `${METRIC_PREFIX}aws_cost_usd_total`,
    help: 'USD AWS billed for the calls made, by service and operation (from the price table)',
    labelNames: ['service', 'operation'] as const,
    registers: [this.registry],
  });
  readonly awsCostAvoided = new Counter({
    name: `${METRIC_PREFIX}aws_cost_avoided_usd_total`,
    help: 'USD AWS would have billed for the work the local engines did, by service and operation',
    labelNames: ['service', 'operation'] as const,
    registers: [this.registry],
  });
  readonly priceTableInfo = new Gauge({
    name: `${METRIC_PREFIX}aws_price_table_info`,
    help: 'The price table in use (always 1): its region and the date its prices were read',
    labelNames: ['region', 'read_on'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  configure(options: { enabled: boolean; prices: AwsPriceTable }): void {
    this.enabled = options.enabled;
    this.prices = options.prices;
    this.priceTableInfo.reset();
    this.priceTableInfo.set({ region: options.prices.region, read_on: options.prices.read_on }, 1);
  }

  /** Runs an operation and records its count, duration and outcome (and a span when exporting). */
  async track<T>(operation: string | string[], provider: Provider, work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    const names = Array.isArray(operation) ? operation : [operation];
    const started = process.hrtime.bigint();
    try {
      const result = await withSpan(names.join(','), { provider }, work);
      for (const name of names) this.operationFinished(name, provider, 'success', seconds(started));
      return result;
    } catch (error) {
      for (const name of names) this.operationFinished(name, provider, outcomeOf(error), seconds(started));
      throw error;
    }
  }

  operationFinished(operation: string, provider: Provider, outcome: Outcome, durationSeconds: number): void {
    if (!this.enabled) return;
    const labels = { operation, provider, outcome };
    this.operations.inc(labels);
    this.operationDuration.observe(labels, durationSeconds);
  }

  httpRequest(method: string, route: string, status: number, durationSeconds: number): void {
    if (!this.enabled) return;
    this.httpDuration.observe({ method, route, status: String(status) }, durationSeconds);
  }

  fileStored(mediaType: string, sizeBytes: number): void {
    if (this.enabled) this.fileSize.observe({ media_type: mediaType }, sizeBytes);
  }

  cacheRequest(cache: string, hit: boolean): void {
    if (this.enabled) this.cacheRequests.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  callbackDelivery(outcome: CallbackOutcome): void {
    if (this.enabled) this.callbackDeliveries.inc({ outcome });
  }

  /** A finished transcription: its audio length, and what Transcribe billed (or would have). */
  transcribed(provider: Provider, audioSeconds: number | null | undefined): void {
    if (!this.enabled || typeof audioSeconds !== 'number' || !(audioSeconds >= 0)) return;
    this.audioDuration.observe({ provider }, audioSeconds);
    const cost = transcribePrice(this.prices, audioSeconds);
    const labels = { service: 'transcribe', operation: 'StartTranscriptionJob' };
    if (provider === 'aws') this.awsCost.inc(labels, cost);
    else this.awsCostAvoided.inc(labels, cost);
  }

  /** An image analysis answered: cache hit or miss; a miss on the local engines avoided Rekognition calls. */
  imageAnalysis(cached: boolean, provider: string, types: readonly string[]): void {
    if (!this.enabled) return;
    this.cacheRequest('image_analysis', cached);
    if (!cached && provider === 'local') this.localImageAnalysis(types);
  }

  /** An image the local engines analysed: one Rekognition call per API the asked types need. */
  localImageAnalysis(types: readonly string[]): void {
    if (!this.enabled) return;
    const apis = new Set(types.map((type) => REKOGNITION_API_FOR_TYPE[type]).filter(Boolean));
    for (const api of apis) {
      this.awsCostAvoided.inc({ service: 'rekognition', operation: api }, rekognitionImagePrice(this.prices, api));
    }
  }

  /** One AWS SDK call, as the client instrumentation saw it; bills what AWS bills per call. */
  awsCall(service: AwsService, operation: string, outcome: Outcome): void {
    if (!this.enabled) return;
    this.awsRequests.inc({ service, operation, outcome });
    let cost = 0;
    // Rekognition bills an image only when the API analysed it; S3 bills requests it answered
    // (errors such as NoSuchKey included). Transcribe API calls are free: jobs are billed by length.
    if (service === 'rekognition' && outcome === 'success') cost = rekognitionImagePrice(this.prices, operation);
    if (service === 's3' && outcome !== 'failed') cost = s3RequestPrice(this.prices, operation);
    if (cost > 0) this.awsCost.inc({ service, operation }, cost);
  }

  reportQueue(queue: string, source: QueueDepthSource): void {
    this.queues.set(queue, source);
  }

  reportEngine(engine: string, source: EngineReadinessSource): void {
    this.engines.set(engine, source);
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  private collectQueues(): void {
    this.queueJobs.reset();
    for (const [queue, source] of this.queues) {
      const depth = source();
      this.queueJobs.set({ queue, state: 'queued' }, depth.queued);
      this.queueJobs.set({ queue, state: 'running' }, depth.running);
    }
  }

  private async collectEngines(): Promise<void> {
    this.engineReady.reset();
    await Promise.all(
      [...this.engines].map(async ([engine, source]) => {
        let ready = false;
        let provider = '';
        try {
          const report = (await Promise.race([
            Promise.resolve(source()),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000).unref()),
          ])) as { ready: boolean; provider?: unknown };
          ready = report.ready;
          provider = typeof report.provider === 'string' ? report.provider : '';
        } catch {
          ready = false;
        }
        this.engineReady.set({ engine, provider }, ready ? 1 : 0);
      }),
    );
  }
}

/** The process's metrics. */
export const mediaMetrics = new MediaMetrics();

type ProviderOf<S> = (service: S, args: unknown[]) => Provider;

/**
 * Records each call of the decorated async method as an operation (count, duration, outcome):
 * `@TrackOperation('upload', (s: { store: { driver: string } }) => storageProvider(s.store.driver))`.
 * `operation` may derive several names from the call (one per analysis type asked).
 */
export function TrackOperation<S>(
  operation: string | ((service: S, args: unknown[]) => string[]),
  provider: ProviderOf<S>,
): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const method = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    descriptor.value = function (this: S, ...args: unknown[]) {
      if (!mediaMetrics.enabled) return method.apply(this, args);
      const names = typeof operation === 'string' ? operation : operation(this, args);
      return mediaMetrics.track(names, provider(this, args), () => method.apply(this, args));
    };
    return descriptor;
  };
}
