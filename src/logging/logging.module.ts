import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appConfig, AppConfig } from '../config/configuration';
import { redactUrl } from '../common/filters/all-exceptions.filter';
import type { RequestLogPolicy } from './request-logging';

export const REQUEST_ID_HEADER = 'x-request-id';
// A caller-supplied id is echoed only if it is short and plain, so it cannot inject into logs or headers.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const supplied = req.headers[REQUEST_ID_HEADER];
  const id = typeof supplied === 'string' && ACCEPTABLE_REQUEST_ID.test(supplied) ? supplied : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

export const REQUEST_LOG_POLICY: RequestLogPolicy = {
  // Probes every few seconds would drown the useful lines.
  ignore: (req) => req.url?.startsWith('/health') ?? false,
  // A client that hung up before the answer (499-style) is a warning, whatever status was set.
  level: (_req, res, err) =>
    !res.writableEnded ? 'warn' : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
};

/**
 * JSON-lines logging; every line of a request carries its id and trace. nestjs-pino provides the
 * root logger (its own pino-http middleware is not mounted: forRoutes is empty); the request-context
 * middleware writes pino-http's lines with REQUEST_LOG_POLICY, making the request's logger only when needed.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => ({
        forRoutes: [],
        pinoHttp: {
          level: config.logLevel,
          customAttributeKeys: { reqId: 'requestId' },
          // Upload tokens (and any presigned signature) travel in the query string: never log them.
          serializers: {
            req: (req: { url?: string }) => Object.assign(req, { url: redactUrl(req.url) }),
          },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-api-key"]',
              'req.query.token',
              'res.headers["set-cookie"]',
            ],
            censor: '[REDACTED]',
          },
          transport:
            config.logFormat === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
