import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '../common/errors/error-code';

const WORKER_ROUTES = new Set(['/health', '/health/ready']);

/** SERVICE_ROLE=worker: the process runs jobs and answers only its probes. */
export function workerRoutesOnly(request: Request, response: Response, next: NextFunction): void {
  if (WORKER_ROUTES.has(request.path.replace(/\/+$/, '') || '/')) return next();
  response.status(404).json({
    error: {
      code: ErrorCode.NOT_FOUND,
      message: 'This process is a worker (SERVICE_ROLE=worker): it serves only /health and /health/ready',
      details: { role: 'worker' },
    },
  });
}
