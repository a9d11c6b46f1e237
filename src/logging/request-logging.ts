import type { NextFunction } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger as PinoBaseLogger, LevelWithSilent } from 'pino';
import { traceLogFields, traceOfRequest } from '../tracing/trace-context';

type RequestLogger = PinoBaseLogger;

export interface RequestLoggingOptions {
  /** Sets (and answers) the request id; runs on every request. */
  requestId: (req: IncomingMessage, res: ServerResponse) => string;
  /** Requests that get no "request completed" line (probes). */
  ignore: (req: IncomingMessage) => boolean;
  level: (req: IncomingMessage, res: ServerResponse, err?: Error) => LevelWithSilent;
}

type LoggedRequest = IncomingMessage & { id?: string; log?: RequestLogger; originalUrl?: string };
type LoggedResponse = ServerResponse & { log?: RequestLogger; err?: Error };

/**
 * The request's logger for nestjs-pino (PinoLogger reads `store.logger`), made on first use.
 * pino-http makes it on every request, which serialises the request (headers, redaction, JSON)
 * whether or not anything is ever logged: most of a cached read's logging cost at LOG_LEVEL=warn.
 */
class LazyRequestStore {
  private made?: RequestLogger;
  readonly responseLogger = undefined;

  constructor(private readonly make: () => RequestLogger) {}

  get logger(): RequestLogger {
    return (this.made ??= this.make());
  }

  // PinoLogger.assign() replaces the store's logger with a child of it.
  set logger(logger: RequestLogger) {
    this.made = logger;
  }
}

/**
 * What pino-http did for nestjs-pino, with the same lines (`req`, `res`, `responseTime`, the
 * request id and trace fields, "request completed" / "request errored" / "request aborted"), but
 * the request's child logger is only made when a line is written: at LOG_LEVEL=warn a request
 * that succeeds costs a request id, a timestamp and its listeners, no serialisation.
 */
export function requestLoggingMiddleware(options: RequestLoggingOptions) {
  return function requestLogging(req: LoggedRequest, res: LoggedResponse, next: NextFunction): void {
    const root = PinoLogger.root as RequestLogger;
    const started = Date.now();
    req.id = req.id ?? options.requestId(req, res);
    let logger: RequestLogger | undefined;
    const requestLogger = () =>
      (logger ??= root.child({ req }).child(traceLogFields(traceOfRequest(req))) as RequestLogger);
    // req.log / res.log as pino-http set them, made on first use too.
    Object.defineProperty(req, 'log', { configurable: true, enumerable: false, get: requestLogger });
    Object.defineProperty(res, 'log', { configurable: true, enumerable: false, get: requestLogger });

    const finished = (err?: Error) => {
      res.removeListener('close', finished);
      res.removeListener('finish', finished);
      res.removeListener('error', finished);
      const level = options.level(req, res, err);
      if (level === 'silent' || !root.isLevelEnabled(level)) return;
      const responseTime = Date.now() - started;
      const error =
        err ?? res.err ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : undefined);
      if (error) {
        requestLogger()[level]({ res, err: error, responseTime }, 'request errored');
        return;
      }
      const message = !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted';
      requestLogger()[level]({ res, responseTime }, message);
    };
    if (!options.ignore(req)) {
      res.on('close', finished);
      res.on('finish', finished);
    }
    res.on('error', finished);
    storage.run(new LazyRequestStore(requestLogger) as unknown as Store, next);
  };
}
