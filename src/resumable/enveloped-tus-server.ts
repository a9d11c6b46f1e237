import { HttpStatus } from '@nestjs/common';
import { Server } from '@tus/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppException } from '../common/errors/app.exception';
import { DEFAULT_CODE_BY_STATUS, ErrorCode } from '../common/errors/error-code';

/**
 * @tus/server answers some refusals itself, in plain text: a request without `Tus-Resumable` (412),
 * headers it cannot parse (400), and its own errors (a wrong Upload-Offset, 409). Every error
 * leaves through `write`, so this is where they get the service's error format; the ones the
 * service's hooks raised are JSON already and pass as they are.
 */
export class EnvelopedTusServer extends Server {
  override write(
    context: Parameters<Server['write']>[0],
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body = '',
    headers: Record<string, string | number> = {},
  ): ServerResponse {
    if (status < 400 || isJson(body)) return super.write(context, req, res, status, body, headers);
    const code = DEFAULT_CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.BAD_REQUEST);
    const message = body.trim() || `The upload request was refused (${status})`;
    const enveloped = new AppException(code, message, status, { protocol: 'tus' }).getResponse();
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    // tus 1.0: a 412 names the versions this server speaks.
    if (status === HttpStatus.PRECONDITION_FAILED) res.setHeader('Tus-Version', '1.0.0');
    return super.write(context, req, res, status, JSON.stringify(enveloped), headers);
  }
}

function isJson(body: string): boolean {
  return body.trimStart().startsWith('{');
}
