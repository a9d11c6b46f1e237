import type { NextFunction, Request, Response } from 'express';
import { mediaMetrics } from './media-metrics';

/** Requests no route matched share one label, so scanners cannot blow up the series count. */
export const UNMATCHED_ROUTE = 'unmatched';
// Nest mounts middleware for every route as app.all('{*path}'), which sets req.route too: a request
// whose last matched route is that one reached no controller.
const MIDDLEWARE_ROUTE = '/{*path}';

/**
 * Times every request from its first middleware to the response's end, labelled by the route
 * template Express matched (`/api/v1/media/:media_id`), never the raw path. A middleware rather
 * than an interceptor so guard refusals (401, 429) and unknown routes are counted too.
 */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const route = (req.route as { path?: unknown } | undefined)?.path;
    // A client that hung up before the response was sent: 499, as nginx logs it.
    const status = res.writableFinished ? res.statusCode : 499;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const template = typeof route === 'string' && route !== MIDDLEWARE_ROUTE ? route : UNMATCHED_ROUTE;
    mediaMetrics.httpRequest(req.method, template, status, seconds);
  });
  next();
}
