import { Controller, Get, HttpStatus, Inject, Req, ServiceUnavailableException } from '@nestjs/common';
import type { Request } from 'express';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  MemoryHealthIndicator,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { getHeapStatistics } from 'node:v8';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { OBJECT_STORE, ObjectStore } from '../storage/object-store';
import { ReadinessRegistry } from './readiness.registry';
import { withTimeout } from '../common/async/with-timeout';
import { SERVICE_NAME, SERVICE_VERSION } from '../config/service-info';
import { appConfig, AppConfig } from '../config/configuration';

const STORAGE_PING_TIMEOUT_MS = 4_000;
const ENGINE_CHECK_TIMEOUT_MS = 3_000;
// Not ready once the heap is within 10% of V8's limit: the next large request would crash it.
const HEAP_THRESHOLD_BYTES = Math.floor(getHeapStatistics().heap_size_limit * 0.9);
const startedAt = Date.now();
// Readiness writes (and deletes) a small object: a store that answers reads but refuses writes
// (full disk, unsupported S3_SSE) is not ready. Probes every few seconds share one result.
const WRITE_PROBE_BYTES = 4096;
const WRITE_PROBE_CACHE_MS = 5_000;
const WRITE_PROBE_KEY = `health/write-probe-${randomUUID()}`;
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

type IndicatorResults = Record<string, { status: string; [detail: string]: unknown }>;

/** Terminus' result: each component `up`/`down` (with details for operators only). */
const HEALTH_COMPONENTS = {
  type: 'object',
  additionalProperties: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
};
const READINESS_SCHEMA = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: HEALTH_COMPONENTS,
    error: HEALTH_COMPONENTS,
    details: HEALTH_COMPONENTS,
  },
};

@ApiTags('health')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly memory: MemoryHealthIndicator,
    private readonly readiness: ReadinessRegistry,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  private storageProbe?: { at: number; result: Promise<void> };

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiOkResponse({ schema: { example: { status: 'ok', service: 'media-service', uptime: 12.3 } } })
  liveness() {
    return {
      status: 'ok',
      service: SERVICE_NAME,
      version: SERVICE_VERSION,
      uptime: Math.round((Date.now() - startedAt) / 100) / 10,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: storage reachable, enabled engines usable, heap healthy' })
  @ApiOkResponse({ description: 'Ready to serve', schema: READINESS_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'Not ready; details name what is missing' })
  async readinessCheck(@Req() req: Request): Promise<HealthCheckResult> {
    const detailed = this.mayShowDetails(req);
    try {
      const result = await this.health.check([
        () => this.checkStorage(),
        () => this.memory.checkHeap('heap', HEAP_THRESHOLD_BYTES),
        ...this.readiness.entries().map(
          ([name, check]) =>
            () =>
              this.checkRegistered(name, check),
        ),
      ]);
      return detailed ? result : publicView(result);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as HealthCheckResult;
        throw new AppException(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The service is not ready',
          HttpStatus.SERVICE_UNAVAILABLE,
          {
            ...(detailed ? result : publicView(result)),
          },
        );
      }
      throw error;
    }
  }

  /**
   * Details (paths, versions, messages) are for operators: a caller with the
   * HEALTH_DETAILS_TOKEN bearer token, or one on loopback that no proxy forwarded (a shell on the
   * host, a container HEALTHCHECK). Everyone else learns only up/down per component.
   */
  private mayShowDetails(req: Request): boolean {
    const token = this.config.healthDetailsToken;
    const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token && given) {
      const [a, b] = [Buffer.from(given), Buffer.from(token)];
      if (a.length === b.length && timingSafeEqual(a, b)) return true;
    }
    const peer = req.socket.remoteAddress ?? '';
    const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
    return loopback && FORWARDING_HEADERS.every((header) => req.headers[header] === undefined);
  }

  private async checkStorage() {
    const indicator = this.indicators.check('storage');
    try {
      // The cheap ping every time (reachable), the write probe at most every few seconds.
      await withTimeout(Promise.all([this.store.ping(), this.probeWrite()]), STORAGE_PING_TIMEOUT_MS, 'storage check');
      return indicator.up({ driver: this.store.driver });
    } catch (error) {
      return indicator.down({ driver: this.store.driver, message: describeError(error) });
    }
  }

  /** Puts and deletes a small object, at most once per WRITE_PROBE_CACHE_MS. */
  private probeWrite(): Promise<void> {
    const now = Date.now();
    if (!this.storageProbe || now - this.storageProbe.at > WRITE_PROBE_CACHE_MS) {
      const result = (async () => {
        await this.store.put(WRITE_PROBE_KEY, randomBytes(WRITE_PROBE_BYTES), {
          contentType: 'application/octet-stream',
        });
        await this.store.delete(WRITE_PROBE_KEY);
      })();
      result.catch(() => undefined);
      this.storageProbe = { at: now, result };
    }
    return this.storageProbe.result;
  }

  private async checkRegistered(name: string, check: () => unknown) {
    const indicator = this.indicators.check(name);
    try {
      const { ready, ...details } = (await withTimeout(
        Promise.resolve(check()),
        ENGINE_CHECK_TIMEOUT_MS,
        `${name} check`,
      )) as { ready: boolean; [key: string]: unknown };
      return ready ? indicator.up(details) : indicator.down(details);
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

/** The message an AppException carries in its body (its Error message is generic). */
function describeError(error: unknown): string {
  if (error instanceof AppException) return (error.getResponse() as { error: { message: string } }).error.message;
  return (error as Error)?.message ?? String(error);
}

/** Only each component's up/down: what an anonymous caller may know. */
function publicView(result: HealthCheckResult): HealthCheckResult {
  const statusOnly = (part?: IndicatorResults) =>
    Object.fromEntries(Object.entries(part ?? {}).map(([name, value]) => [name, { status: value.status }]));
  return {
    status: result.status,
    info: statusOnly(result.info as IndicatorResults),
    error: statusOnly(result.error as IndicatorResults),
    details: statusOnly(result.details as IndicatorResults),
  } as HealthCheckResult;
}
