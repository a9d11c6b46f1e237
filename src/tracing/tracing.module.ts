import { Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { EVERY_ROUTE } from '../common/http/every-route';
import { observabilityConfig, ObservabilityConfig } from '../config/configuration';
import { stopOpenTelemetry } from './otel';
import { configureTracing, runWithTrace, traceOfRequest } from './trace-context';

/** Every request runs inside its trace, so logs, callbacks and AWS calls made for it carry it. */
export function traceMiddleware(req: Request, _res: Response, next: NextFunction): void {
  runWithTrace(traceOfRequest(req), next);
}

@Module({})
export class TracingModule implements NestModule, OnApplicationShutdown {
  constructor(@Inject(observabilityConfig.KEY) private readonly config: ObservabilityConfig) {
    configureTracing({ enabled: config.tracingEnabled, otel: Boolean(config.otlpEndpoint) });
  }

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.tracingEnabled) {
      consumer.apply(traceMiddleware).forRoutes(EVERY_ROUTE);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await stopOpenTelemetry();
  }
}
