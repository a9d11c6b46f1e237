import { Controller, Get, Header, Headers, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { observabilityConfig, ObservabilityConfig } from '../config/configuration';
import { mediaMetrics } from './media-metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

@ApiTags('health')
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  private readonly tokenDigest?: Buffer;

  constructor(@Inject(observabilityConfig.KEY) config: ObservabilityConfig) {
    this.tokenDigest = config.metricsToken ? digest(config.metricsToken) : undefined;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Open unless METRICS_TOKEN is set; then `Authorization: Bearer <METRICS_TOKEN>` is required.',
  })
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Every media_service_ series plus the process metrics',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: METRICS_TOKEN is set and the bearer token is not it' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: METRICS_ENABLED=false' })
  async scrape(
    @Res({ passthrough: true }) res: Response,
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    if (!mediaMetrics.enabled) {
      throw AppException.notFound(ErrorCode.NOT_FOUND, 'Metrics are turned off (METRICS_ENABLED=false)');
    }
    this.authorize(authorization);
    const text = await mediaMetrics.metricsText();
    // Set here, not by decorator: an error answer stays JSON.
    res.setHeader('Content-Type', mediaMetrics.registry.contentType);
    return text;
  }

  private authorize(authorization: string | undefined): void {
    if (!this.tokenDigest) return;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    // Compared as digests: equal lengths for timingSafeEqual, no timing hint about the token.
    if (match && timingSafeEqual(digest(match[1]), this.tokenDigest)) return;
    throw new AppException(
      ErrorCode.UNAUTHORIZED,
      'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
      HttpStatus.UNAUTHORIZED,
    );
  }
}
