import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCode } from './error-code';

export type ErrorDetails = Record<string, unknown>;

/** The body every error response carries. */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetails };
}

/**
 * An error the API answers with on purpose: a status, a code from ErrorCode, a message meant
 * for the caller and optional structured details. Anything else thrown becomes INTERNAL_ERROR.
 */
export class AppException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    status: HttpStatus,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super({ error: { code, message, details } } satisfies ErrorBody, status, options);
    // HttpException derives `message` from the class name ("App Exception") for an object body.
    this.message = message;
  }

  static notFound(code: ErrorCode, message: string, details?: ErrorDetails): AppException {
    return new AppException(code, message, HttpStatus.NOT_FOUND, details);
  }

  static badRequest(code: ErrorCode, message: string, details?: ErrorDetails): AppException {
    return new AppException(code, message, HttpStatus.BAD_REQUEST, details);
  }

  static unavailable(code: ErrorCode, message: string, details?: ErrorDetails, cause?: unknown): AppException {
    return new AppException(code, message, HttpStatus.SERVICE_UNAVAILABLE, details, { cause });
  }
}
