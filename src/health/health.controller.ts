import { Controller, Get, HttpStatus, Inject, ServiceUnavailableException } from '@nestjs/common';
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
import { MEDIA_STORE, MediaStore } from '../media/storage/media-store';
import { ReadinessRegistry } from './readiness.registry';
import { withTimeout } from '../common/async/with-timeout';
import { SERVICE_VERSION } from '../config/service-info';

const STORAGE_PING_TIMEOUT_MS = 3_000;
const ENGINE_CHECK_TIMEOUT_MS = 3_000;
// Not ready once the heap is within 10% of V8's limit: the next large request would crash it.
const HEAP_THRESHOLD_BYTES = Math.floor(getHeapStatistics().heap_size_limit * 0.9);
const startedAt = Date.now();

@ApiTags('health')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly memory: MemoryHealthIndicator,
    private readonly readiness: ReadinessRegistry,
    @Inject(MEDIA_STORE) private readonly store: MediaStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiOkResponse({ schema: { example: { status: 'ok', service: 'media-service', uptime: 12.3 } } })
  liveness() {
    return {
      status: 'ok',
      service: 'media-service',
      version: SERVICE_VERSION,
      uptime: Math.round((Date.now() - startedAt) / 100) / 10,
      timestamp: new Date().toISOString(),
    };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: storage reachable, enabled engines usable, heap healthy' })
  @ApiOkResponse({ description: 'Ready to serve' })
  @ApiServiceUnavailableResponse({ description: 'Not ready; details name what is missing' })
  async readinessCheck(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.checkStorage(),
        () => this.memory.checkHeap('heap', HEAP_THRESHOLD_BYTES),
        ...this.readiness.entries().map(
          ([name, check]) =>
            () =>
              this.checkRegistered(name, check),
        ),
      ]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as HealthCheckResult;
        throw new AppException(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The service is not ready',
          HttpStatus.SERVICE_UNAVAILABLE,
          {
            ...result,
          },
        );
      }
      throw error;
    }
  }

  private async checkStorage() {
    const indicator = this.indicators.check('storage');
    try {
      await withTimeout(this.store.ping(), STORAGE_PING_TIMEOUT_MS, 'storage ping');
      return indicator.up({ driver: this.store.driver });
    } catch (error) {
      return indicator.down({ driver: this.store.driver, message: (error as Error).message });
    }
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
