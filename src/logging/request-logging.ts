import type { IncomingMessage, ServerResponse } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as PinoBaseLogger, LevelWithSilent } from 'pino';
import { traceLogFields, type TraceContext } from '../tracing/trace-context';

type RequestLogger = PinoBaseLogger;

/** Which requests get a "request completed" line, and at what level. */
export interface RequestLogPolicy {
  /** Requests that get no "request completed" line (probes). */
  ignore: (req: IncomingMessage) => boolean;
  level: (req: IncomingMessage, res: ServerResponse, err?: Error) => LevelWithSilent;
}

type LoggedRequest = IncomingMessage & { id?: string; log?: RequestLogger; originalUrl?: string };
type LoggedResponse = ServerResponse & { log?: RequestLogger; err?: Error };

/**
 * The request's logger, made on first use (and req.log / res.log, as pino-http set them). pino-http
 * makes it on every request, which serialises the request (headers, redaction, JSON) whether or
 * not anything is ever logged: most of a cached read's logging cost at LOG_LEVEL=warn.
 */
export function lazyRequestLogger(
  req: LoggedRequest,
  res: LoggedResponse,
  trace: TraceContext | undefined,
): () => RequestLogger {
  let logger: RequestLogger | undefined;
  const requestLogger = () =>
    (logger ??= (PinoLogger.root as RequestLogger).child({ req }).child(traceLogFields(trace)) as RequestLogger);
  Object.defineProperty(req, 'log', { configurable: true, enumerable: false, get: requestLogger });
  Object.defineProperty(res, 'log', { configurable: true, enumerable: false, get: requestLogger });
  return requestLogger;
}

/**
 * pino-http's closing line (`req`, `res`, `responseTime`, the request id and trace fields,
 * "request completed" / "request errored" / "request aborted"); nothing is made when the line's
 * level is off.
 */
export function logRequestEnd(
  policy: RequestLogPolicy,
  req: LoggedRequest,
  res: LoggedResponse,
  requestLogger: () => RequestLogger,
  responseTime: number,
  err?: Error,
): void {
  if (policy.ignore(req)) return;
  const level = policy.level(req, res, err);
  if (level === 'silent' || !(PinoLogger.root as RequestLogger).isLevelEnabled(level)) return;
  const error =
    err ?? res.err ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : undefined);
  if (error) {
    requestLogger()[level]({ res, err: error, responseTime }, 'request errored');
    return;
  }
  const message = !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted';
  requestLogger()[level]({ res, responseTime }, message);
}
