import type { ObservabilityConfig } from '../config/configuration';

let provider: { shutdown(): Promise<void> } | undefined;

/**
 * Starts the OpenTelemetry SDK: HTTP server/client, Express, Nest and AWS SDK spans, exported
 * over OTLP/HTTP to `${otlpEndpoint}/v1/traces`. Loaded only when the endpoint is set, and before
 * the modules it patches are required, so without it no OTel code runs at all.
 */
export function startOpenTelemetry(config: ObservabilityConfig): void {
  if (provider || !config.otlpEndpoint || !config.tracingEnabled) return;
  const { NodeTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { NestInstrumentation } =
    require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { AwsInstrumentation } =
    require('@opentelemetry/instrumentation-aws-sdk') as typeof import('@opentelemetry/instrumentation-aws-sdk');

  const tracerProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` }))],
  });
  // Registers the async context manager and the W3C traceparent/tracestate propagator.
  tracerProvider.register();
  registerInstrumentations({
    tracerProvider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds are noise in a trace store.
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)(\/|\?|$)/.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      new AwsInstrumentation(),
    ],
  });
  provider = tracerProvider;
}

/** Flushes the spans still buffered (at shutdown). */
export async function stopOpenTelemetry(): Promise<void> {
  const current = provider;
  provider = undefined;
  await current?.shutdown();
}
