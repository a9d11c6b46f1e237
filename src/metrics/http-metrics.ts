import type { Request, Response } from 'express';
import { mediaMetrics } from './media-metrics';

/** Requests no route matched share one label, so scanners cannot blow up the series count. */
export const UNMATCHED_ROUTE = 'unmatched';
// A Nest middleware for every route is mounted as app.all('{*path}'), which sets req.route too: a
// request whose last matched route is that one reached no controller.
const MIDDLEWARE_ROUTE = '/{*path}';

/**
 * One request's timing (from the request-context middleware, the first thing every request meets,
 * to the response's end), labelled by the route template Express matched
 * (`/api/v1/media/:media_id`), never the raw path. Guard refusals (401, 429) and unknown routes count too.
 */
export function recordHttpRequest(req: Request, res: Response, seconds: number): void {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  // A client that hung up before the response was sent: 499, as nginx logs it.
  const status = res.writableFinished ? res.statusCode : 499;
  const template = typeof route === 'string' && route !== MIDDLEWARE_ROUTE ? route : UNMATCHED_ROUTE;
  mediaMetrics.httpRequest(req.method, template, status, seconds);
}
