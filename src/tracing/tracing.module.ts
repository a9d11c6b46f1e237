import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { observabilityConfig, ObservabilityConfig } from '../config/configuration';
import { stopOpenTelemetry } from './otel';
import { configureTracing } from './trace-context';

/**
 * Tracing on or off, from config. Every request's trace is decided by the request-context
 * middleware (traceOfRequest), so logs, callbacks and AWS calls made for it carry it.
 */
@Module({})
export class TracingModule implements OnApplicationShutdown {
  constructor(@Inject(observabilityConfig.KEY) config: ObservabilityConfig) {
    configureTracing({ enabled: config.tracingEnabled, otel: Boolean(config.otlpEndpoint) });
  }

  async onApplicationShutdown(): Promise<void> {
    await stopOpenTelemetry();
  }
}
