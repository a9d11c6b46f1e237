import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ObservabilityConfig } from '../config/configuration';

/**
 * The OpenTelemetry SDK, required by otel.ts only when tracing is exported (so without an OTLP
 * endpoint none of these packages load): HTTP server/client, Express, Nest and AWS SDK spans,
 * exported over OTLP/HTTP to `${otlpEndpoint}/v1/traces`.
 */
export function registerTracerProvider(config: ObservabilityConfig, otlpEndpoint: string): NodeTracerProvider {
  const tracerProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpEndpoint}/v1/traces` }))],
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
  return tracerProvider;
}
