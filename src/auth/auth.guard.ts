import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { ANONYMOUS_OWNER, Caller, CallerContext, setRequestCaller } from './caller-context';
import { JwtVerifier, KeySetUnavailable, TokenRejected } from './jwt-verifier';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, SCOPES } from './scopes';

/** Routes that need a caller; /health and the docs stay open. */
// The API and the OpenAI-compatible front door at /v1 (where OpenAI clients send their bearer token).
export const PROTECTED_PATH = /^\/(api\/)?v1(\/|$)/;

const ANONYMOUS: Caller = Object.freeze({ owner: ANONYMOUS_OWNER, scopes: [...SCOPES], authenticated: false });

export type RequestWithCaller = Request & { caller?: Caller };

/**
 * Global guard: with AUTH_MODE=jwt every /api/v1 route needs a valid bearer token (401
 * UNAUTHORIZED otherwise) carrying the route's scope (403 FORBIDDEN). The caller is put on the
 * request and in the request's WorkScope (opened by the request-context middleware), as the services'
 * current caller.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: CallerContext,
    private readonly verifier: JwtVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<RequestWithCaller>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!this.callers.authEnabled) {
      req.caller = ANONYMOUS;
      setRequestCaller(ANONYMOUS);
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    if (!PROTECTED_PATH.test(req.path) || this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const token = bearerToken(req.headers.authorization);
    if (!token) throw unauthorized(res, 'Send a bearer token: Authorization: Bearer <JWT>');
    let caller: Caller;
    try {
      const verified = await this.verifier.verify(token);
      caller = { owner: verified.owner, scopes: verified.scopes, authenticated: true };
    } catch (error) {
      if (error instanceof TokenRejected)
        throw unauthorized(res, `The bearer token was refused: ${error.reason}`, true);
      if (error instanceof KeySetUnavailable) {
        throw AppException.unavailable(ErrorCode.SERVICE_UNAVAILABLE, 'The token keys cannot be fetched right now');
      }
      throw error;
    }
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, targets);
    if (this.callers.requireScopes) {
      // A route without a declared scope is refused rather than open to any token.
      if (!scope || !caller.scopes.includes(scope)) {
        res.setHeader('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${scope ?? ''}"`);
        throw new AppException(
          ErrorCode.FORBIDDEN,
          scope ? `The token lacks the scope ${scope}` : 'This route declares no scope',
          HttpStatus.FORBIDDEN,
          { required_scope: scope ?? null },
        );
      }
    }
    req.caller = caller;
    setRequestCaller(caller);
    return true;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function unauthorized(res: Response, message: string, invalidToken = false): AppException {
  const description = message.replace(/["\\]/g, '');
  res.setHeader(
    'WWW-Authenticate',
    invalidToken
      ? `Bearer realm="media-service", error="invalid_token", error_description="${description}"`
      : 'Bearer realm="media-service"',
  );
  return new AppException(ErrorCode.UNAUTHORIZED, message, HttpStatus.UNAUTHORIZED);
}
