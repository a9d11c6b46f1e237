/*
 * Imported first by main.ts: the OpenTelemetry instrumentations must patch http/express before
 * those modules load. Reads the environment through the same validation as the app; an invalid
 * environment is reported by main.ts, so it is ignored here.
 */
import { existsSync } from 'node:fs';
import { observabilityConfig } from '../config/configuration';

if (existsSync('.env')) process.loadEnvFile('.env');
let config: ReturnType<typeof observabilityConfig> | undefined;
try {
  config = observabilityConfig();
} catch {
  config = undefined;
}
if (config?.otlpEndpoint && config.tracingEnabled) {
  (require('./otel') as typeof import('./otel')).startOpenTelemetry(config);
}
