import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppException, ErrorBody, ErrorDetails } from '../errors/app.exception';
import { DEFAULT_CODE_BY_STATUS, ErrorCode } from '../errors/error-code';
import { JsonBoundsError } from '../http/json-bounds';

const STANDARD_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The parts of Express 5's router this filter reads to answer 405. */
interface ExpressAppLike {
  router?: { stack?: Array<{ route?: { _methods(): string[] }; match(path: string): unknown }> };
}

/** Errors raised below Nest (body-parser, busboy) carry an HTTP status or an errno-like type. */
interface LowLevelHttpError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/**
 * The one place errors become responses: {"error": {code, message, details}} with the
 * request id in X-Request-Id. A 5xx never shows internals; it is logged with the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (isClientAbort(exception, request)) {
      // The client hung up mid-request (nginx's 499): nobody to answer, nothing went wrong here.
      response.statusCode = CLIENT_CLOSED_REQUEST;
      this.logger.warn({ requestId: request.id, path: redactUrl(request.originalUrl) }, 'client closed the request');
      if (!response.writableEnded) response.destroy();
      return;
    }
    let { status, body } = this.toResponse(exception);
    if (status === HttpStatus.NOT_FOUND && body.error.code === ErrorCode.NOT_FOUND) {
      // A known path asked with a method it does not take: 405 with the methods it does take.
      const allowed = this.methodsServing(request.path);
      // A route that exists for this method and answered 404 itself (an unknown id, a switched-off
      // feature) stays a 404.
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        response.setHeader('Allow', allowed.join(', '));
        status = HttpStatus.METHOD_NOT_ALLOWED;
        body = envelope(
          ErrorCode.METHOD_NOT_ALLOWED,
          `${request.method} is not allowed on ${request.path}; allowed: ${allowed.join(', ')}`,
          { allowed_methods: allowed },
        );
      }
    }

    if (status >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id, code: body.error.code, path: redactUrl(request.originalUrl) },
        `${request.method} ${redactUrl(request.originalUrl)} failed with ${status}`,
      );
    }
    if (response.headersSent) {
      // A stream was already under way: all we can do is cut it so the client sees a short body.
      response.destroy();
      return;
    }
    response.status(status).json(body);
  }

  private methodsServing(path: string): string[] {
    const app = this.adapterHost?.httpAdapter?.getInstance?.() as ExpressAppLike | undefined;
    const methods = new Set<string>();
    for (const layer of app?.router?.stack ?? []) {
      if (!layer.route || !layer.match(path)) continue;
      const served = layer.route._methods().filter((method) => STANDARD_METHODS.includes(method));
      // A catch-all handler (every method) says nothing about what the path itself takes.
      if (served.length === STANDARD_METHODS.length) continue;
      for (const method of served) methods.add(method);
    }
    return [...methods];
  }

  private toResponse(thrown: unknown): { status: number; body: ErrorBody } {
    const exception = thrown instanceof JsonBoundsError ? thrown.reason : thrown;
    if (exception instanceof AppException) {
      return { status: exception.getStatus(), body: exception.getResponse() as ErrorBody };
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception);
    }
    const lowLevel = exception as LowLevelHttpError | undefined;
    const status = lowLevel?.status ?? lowLevel?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code =
        lowLevel?.type === 'entity.too.large'
          ? ErrorCode.FILE_TOO_LARGE
          : (DEFAULT_CODE_BY_STATUS[status] ?? ErrorCode.BAD_REQUEST);
      const message =
        lowLevel?.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON'
          : (lowLevel?.message ?? 'Bad request');
      return { status, body: envelope(code, message) };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: envelope(
        ErrorCode.INTERNAL_ERROR,
        'An unexpected error occurred. Quote the X-Request-Id header when reporting it.',
      ),
    };
  }

  private fromHttpException(exception: HttpException): { status: number; body: ErrorBody } {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    const code = DEFAULT_CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.BAD_REQUEST);
    if (status >= 500) {
      return { status, body: envelope(code, status === 503 ? 'Service unavailable' : 'An unexpected error occurred') };
    }
    let message = exception.message;
    let details: ErrorDetails = {};
    if (typeof payload === 'object' && payload !== null) {
      const record = payload as Record<string, unknown>;
      if (typeof record.message === 'string') message = record.message;
      else if (Array.isArray(record.message)) details = { messages: record.message };
    }
    if (status === HttpStatus.NOT_FOUND && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(message)) {
      message = `No route matches ${message.replace(/^Cannot /, '')}`;
    }
    if (status === HttpStatus.PAYLOAD_TOO_LARGE) message = 'The request body is larger than allowed';
    if (status === HttpStatus.TOO_MANY_REQUESTS) message = 'Too many requests; slow down and retry later';
    return { status, body: envelope(code, message, details) };
  }
}

const CLIENT_CLOSED_REQUEST = 499;

/** An abort caused by the client going away (not by a timeout or a fault of ours). */
function isClientAbort(exception: unknown, request: Request): boolean {
  const error = exception as { name?: string; code?: string; message?: string } | undefined;
  const aborted =
    error?.name === 'AbortError' ||
    error?.code === 'ABORT_ERR' ||
    error?.code === 'ECONNRESET' ||
    error?.message === 'aborted';
  return aborted && (request.destroyed || request.readableAborted || Boolean(request.socket?.destroyed));
}

const SECRET_QUERY_PARAMS = /([?&](?:token|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#]*/gi;

/** A URL fit for logs: the values of token-like query parameters replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY_PARAMS, '$1[REDACTED]');
}

function envelope(code: ErrorCode, message: string, details: ErrorDetails = {}): ErrorBody {
  return { error: { code, message, details } };
}
