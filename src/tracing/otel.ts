import type { ObservabilityConfig } from '../config/configuration';

let provider: { shutdown(): Promise<void> } | undefined;

/**
 * Starts the OpenTelemetry SDK (otel-sdk.ts). Loaded only when the endpoint is set, and before
 * the modules it patches are required, so without it no OTel code runs at all.
 */
export function startOpenTelemetry(config: ObservabilityConfig): void {
  if (provider || !config.otlpEndpoint || !config.tracingEnabled) return;
  const sdk = require('./otel-sdk') as typeof import('./otel-sdk');
  provider = sdk.registerTracerProvider(config, config.otlpEndpoint);
}

/** Flushes the spans still buffered (at shutdown). */
export async function stopOpenTelemetry(): Promise<void> {
  const current = provider;
  provider = undefined;
  await current?.shutdown();
}
