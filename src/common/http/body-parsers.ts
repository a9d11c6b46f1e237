import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Methods whose requests carry no body worth reading here. */
const BODILESS = new Set(['GET', 'HEAD']);

/**
 * A body parser that GET and HEAD requests skip without entering it (the profile of a metadata
 * GET showed body-parser's checks on every request). `name` is the one Nest looks for
 * (jsonParser, urlencodedParser), so it does not add its own default parsers beside this one.
 */
export function forRequestsWithBodies(name: string, parser: RequestHandler): RequestHandler {
  const handler = (req: Request, res: Response, next: NextFunction) =>
    BODILESS.has(req.method) ? next() : parser(req, res, next);
  Object.defineProperty(handler, 'name', { value: name });
  return handler;
}
