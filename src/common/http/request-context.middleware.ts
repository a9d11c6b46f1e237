import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lazyRequestLogger, logRequestEnd, type RequestLogPolicy } from '../../logging/request-logging';
import { traceOfRequest } from '../../tracing/trace-context';
import { runInScope, WorkScope } from '../context/work-scope';

export interface RequestContextOptions {
  /** Decides (and answers) the request id. */
  requestId: (req: IncomingMessage, res: ServerResponse) => string;
  logging: RequestLogPolicy;
  /** The request's timing, once its response has closed (absent with METRICS_ENABLED=false). */
  recordMetric?: (req: Request, res: Response, seconds: number) => void;
}

/**
 * The first thing every request meets, docs and unknown routes included: its id, its trace, its
 * lazy logger and its caller slot (one WorkScope for the rest of the request), then one listener
 * that writes the log line and the metric when the response closes.
 *
 * One Express layer, one AsyncLocalStorage and one listener, where there were four Nest
 * middlewares (each an `app.all('{*path}')` route), three storages and three listeners: on a
 * cached read those cost more than the route's own work.
 */
export function requestContextMiddleware(options: RequestContextOptions) {
  const { requestId, logging, recordMetric } = options;
  return function requestContext(req: Request & { id?: string }, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    req.id ??= requestId(req, res);
    const trace = traceOfRequest(req);
    const requestLogger = lazyRequestLogger(req, res, trace);
    const ended = (err?: Error) => {
      res.removeListener('close', ended);
      res.removeListener('error', ended);
      const elapsedNs = Number(process.hrtime.bigint() - started);
      recordMetric?.(req, res, elapsedNs / 1e9);
      logRequestEnd(logging, req, res, requestLogger, Math.round(elapsedNs / 1e6), err);
    };
    res.on('close', ended);
    res.on('error', ended);
    runInScope(new WorkScope(requestLogger, trace), next);
  };
}
