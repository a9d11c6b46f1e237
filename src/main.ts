// First: OpenTelemetry (when exporting) must patch http/express before they load.
import './tracing/register';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { appConfig, AppConfig } from './config/configuration';
import { validateProcessEnvironment } from './config/environment';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    validateProcessEnvironment();
  } catch (error) {
    // One clear line naming the variable, not a stack trace.
    process.stderr.write(`media-service: ${(error as Error).message}\n`);
    process.exit(1);
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: true });
  configureApp(app);
  const config = app.get<AppConfig>(appConfig.KEY);
  await app.listen(config.port, '0.0.0.0');
  shutDownGracefullyOn(app, config.shutdownGraceMs, ['SIGTERM', 'SIGINT']);
}

/**
 * On SIGTERM (ECS) or SIGINT: stop accepting connections, let in-flight requests finish within
 * the grace period, run the modules' shutdown hooks, exit 0. Nest's enableShutdownHooks would
 * re-raise the signal after closing (exit 143) and runs the module hooks before the in-flight
 * requests finish; this does it in the right order.
 */
function shutDownGracefullyOn(app: NestExpressApplication, graceMs: number, signals: NodeJS.Signals[]): void {
  let closing = false;
  const handler = async () => {
    if (closing) return;
    closing = true;
    const server = app.getHttpServer() as Server;
    const deadline = setTimeout(() => {
      process.stderr.write(`media-service: requests still running after ${graceMs} ms; closing them\n`);
      server.closeAllConnections();
    }, graceMs);
    deadline.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(deadline);
    await app.close();
    process.exit(0);
  };
  for (const signal of signals) process.once(signal, () => void handler());
}

void bootstrap();
