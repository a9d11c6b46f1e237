import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

export const SCOPES = ['media:read', 'media:write', 'transcribe', 'analyze'] as const;
export type Scope = (typeof SCOPES)[number];

export const REQUIRED_SCOPE = 'auth:required-scope';
export const PUBLIC_ROUTE = 'auth:public';
export const BEARER_SCHEME = 'bearer';
/** The 403 every scoped operation may answer; an open route (@PublicRoute) never does. */
export const SCOPE_FORBIDDEN_DESCRIPTION = 'FORBIDDEN: the token lacks the scope the operation needs';

/**
 * The scope a route (or every route of a controller) needs from the token's `scope` claim. On a
 * controller it also adds the OpenAPI bearer requirement and the 401/403 answers; on a method it
 * overrides the controller's scope.
 */
export function RequireScope(scope: Scope): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      SetMetadata(REQUIRED_SCOPE, scope)(target, key as string | symbol, descriptor);
      return;
    }
    applyDecorators(
      SetMetadata(REQUIRED_SCOPE, scope),
      ApiBearerAuth(BEARER_SCHEME),
      ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: no, malformed, expired or foreign bearer token' }),
      ApiForbiddenResponse({ description: SCOPE_FORBIDDEN_DESCRIPTION }),
    )(target as () => void);
  };
}

/** Marks operations that need no bearer token in the OpenAPI document (see openapi.ts). */
export const NO_BEARER_EXTENSION = 'x-no-bearer';

/** A route under /api/v1 that authenticates by other means (the presigned upload token). */
export function PublicRoute(): MethodDecorator {
  return applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiExtension(NO_BEARER_EXTENSION, true));
}
