import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { json as jsonBodies, urlencoded as formBodies, type Request } from 'express';
import { forRequestsWithBodies } from './common/http/body-parsers';
import { requestContextMiddleware } from './common/http/request-context.middleware';
import { takesRawBody, verifyJsonBounds } from './common/http/json-bounds';
import { createValidationPipe } from './common/http/validation-pipe.factory';
import type { IncomingMessage, Server } from 'node:http';
import {
  appConfig,
  AppConfig,
  observabilityConfig,
  ObservabilityConfig,
  queueConfig,
  QueueConfig,
  storageConfig,
  StorageConfig,
} from './config/configuration';
import { setupOpenApi } from './docs/openapi';
import { REQUEST_LOG_POLICY, requestIdFor } from './logging/logging.module';
import { recordHttpRequest } from './metrics/http-metrics';
import { workerRoutesOnly } from './queue/worker-role.middleware';
import { applyHttpSecurity } from './security/http-security';

/**
 * Everything main.ts and the e2e tests share, so the tests exercise the app exactly as it runs:
 * logger, request context, validation pipe, body limits and the docs.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  // Before anything else, so that every answer (CORS preflights and the docs too) has an id, a log line and a metric.
  const { metricsEnabled } = app.get<ObservabilityConfig>(observabilityConfig.KEY);
  app.use(
    requestContextMiddleware({
      requestId: requestIdFor,
      logging: REQUEST_LOG_POLICY,
      recordMetric: metricsEnabled ? recordHttpRequest : undefined,
    }),
  );
  app.useGlobalPipes(createValidationPipe());
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  applyHttpSecurity(app);
  if (app.get<QueueConfig>(queueConfig.KEY).role === 'worker') app.use(workerRoutesOnly);

  // JSON bodies may carry a base64 file (4/3 of its size) plus a few options.
  const storage = app.get<StorageConfig>(storageConfig.KEY);
  const jsonLimit = Math.ceil((storage.maxFileSize * 4) / 3) + 64 * 1024;
  // A presigned PUT streams its raw bytes to the store: no parser may read them, whatever the type.
  // (typed as body-parser takes it; Express hands it its Request)
  const parsed = (type: string) => (message: IncomingMessage) => {
    const req = message as Request;
    return !takesRawBody(req) && Boolean(req.is(type));
  };
  // The shape of a JSON body (depth, keys, items) is bounded on its bytes before it is parsed.
  const json = { limit: jsonLimit, type: parsed('application/json'), verify: verifyJsonBounds };
  app.use(forRequestsWithBodies('jsonParser', jsonBodies(json)));
  app.use(
    forRequestsWithBodies(
      'urlencodedParser',
      formBodies({
        limit: '64kb',
        extended: false,
        type: parsed('application/x-www-form-urlencoded'),
      }),
    ),
  );

  // Idle keep-alive sockets outlive the load balancer's idle timeout, and a request's headers may
  // take a little longer still (Node requires headersTimeout above keepAliveTimeout to be useful).
  const server = app.getHttpServer() as Server;
  const { keepAliveTimeoutMs } = app.get<AppConfig>(appConfig.KEY);
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.headersTimeout = keepAliveTimeoutMs + 1_000;

  setupOpenApi(app);
  return app;
}
