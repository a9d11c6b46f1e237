import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { currentScope, runInScope, WorkScope } from '../common/context/work-scope';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { securityConfig, SecurityConfig } from '../config/configuration';

/** Who is calling: the owner every record they create carries, and what their token allows. */
export interface Caller {
  owner: string;
  scopes: string[];
  /** false with AUTH_MODE=none (everyone is the anonymous owner). */
  authenticated: boolean;
}

/** The owner of everything created while authentication is off (as before auth existed). */
export const ANONYMOUS_OWNER = '';

/** Runs `work` with `caller` as the current caller (keeping the current logger and trace). */
export function runAsCaller<T>(caller: Caller, work: () => T): T {
  const scope = currentScope()?.actingAs(caller) ?? new WorkScope(() => undefined, undefined, caller);
  return runInScope(scope, work);
}

/** The guard's verdict becomes the current caller of the rest of the request (its WorkScope). */
export function setRequestCaller(caller: Caller): void {
  const scope = currentScope();
  if (scope) scope.caller = caller;
}

/**
 * The current caller for services, so ownership is enforced where records are read and written
 * rather than in every controller. Work that runs outside a request (job queue, recovery) passes
 * the record's owner explicitly.
 */
@Injectable()
export class CallerContext {
  constructor(@Inject(securityConfig.KEY) private readonly config: SecurityConfig) {}

  get authEnabled(): boolean {
    return this.config.auth.mode !== 'none';
  }

  get requireScopes(): boolean {
    return this.config.auth.requireScopes;
  }

  current(): Caller | undefined {
    return currentScope()?.caller;
  }

  /**
   * The owner of the current request. With auth on, asking outside a request is a programming
   * error: failing loudly beats creating or reading records under a made-up owner.
   */
  owner(): string {
    const caller = currentScope()?.caller;
    if (caller) return caller.owner;
    if (!this.authEnabled) return ANONYMOUS_OWNER;
    throw new AppException(ErrorCode.INTERNAL_ERROR, 'No caller for this operation', HttpStatus.INTERNAL_SERVER_ERROR);
  }

  /** The one ownership check: another owner's record is answered exactly like an unknown one. */
  assertOwner<T extends { owner?: string }>(
    record: T | null | undefined,
    notFound: () => Error,
    owner = this.owner(),
  ): T {
    if (!record || (record.owner ?? ANONYMOUS_OWNER) !== owner) throw notFound();
    return record;
  }

  /**
   * A path segment that scopes result caches: per owner by default (a shared cache would tell a
   * caller that someone else sent the same bytes), '' with CACHE_SCOPE=global.
   */
  cacheNamespace(owner = this.owner()): string {
    if (this.config.cacheScope === 'global') return '';
    return `owner-${createHash('sha256').update(owner).digest('hex').slice(0, 32)}/`;
  }
}
