import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { createValidationPipe } from './common/http/validation.pipe';
import { queueConfig, QueueConfig, storageConfig, StorageConfig } from './config/configuration';
import { setupOpenApi } from './docs/openapi';
import { workerRoutesOnly } from './queue/worker-role.middleware';

/**
 * Everything main.ts and the e2e tests share, so the tests exercise the app exactly as it runs:
 * logger, validation pipe, body limits and the docs.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.useGlobalPipes(createValidationPipe());
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  if (app.get<QueueConfig>(queueConfig.KEY).role === 'worker') app.use(workerRoutesOnly);

  // JSON bodies may carry a base64 file (4/3 of its size) plus a few options.
  const storage = app.get<StorageConfig>(storageConfig.KEY);
  const jsonLimit = Math.ceil((storage.maxFileSize * 4) / 3) + 64 * 1024;
  app.useBodyParser('json', { limit: jsonLimit });
  app.useBodyParser('urlencoded', { limit: '64kb', extended: false });

  setupOpenApi(app);
  return app;
}
