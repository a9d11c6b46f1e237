import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorBody } from '../common/errors/app.exception';
import { AllExceptionsFilter } from '../common/filters/all-exceptions.filter';

/** Our field names where they differ from OpenAI's parameter names. */
const PARAM_NAMES: Record<string, string> = { language_code: 'language', media_id: 'file' };

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** OpenAI's error `type` for an HTTP status. */
function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The service's error envelope in OpenAI's shape, which the openai clients parse. */
export function toOpenAiError(status: number, body: ErrorBody): OpenAiErrorBody {
  const { code, message, details } = body.error;
  const fields = details?.fields;
  const field = fields && typeof fields === 'object' ? Object.keys(fields)[0] : undefined;
  const fileError = /FILE/.test(code) && !field;
  return {
    error: {
      message,
      type: typeOf(status),
      param: field ? (PARAM_NAMES[field] ?? field) : fileError ? 'file' : null,
      code: code.toLowerCase(),
    },
  };
}

/**
 * On the OpenAI-compatible routes only: the same status, logging and request id as everywhere
 * (AllExceptionsFilter decides them), with the body rewritten into OpenAI's error shape.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  private readonly filter = new AllExceptionsFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const json = response.json.bind(response);
    response.json = (body: ErrorBody) => json(toOpenAiError(response.statusCode, body));
    this.filter.catch(exception, host);
  }
}
