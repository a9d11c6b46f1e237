import type { AsyncLocalStorage } from 'node:async_hooks';
import { storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import type { Caller } from '../../auth/caller-context';
import type { TraceContext } from '../../tracing/trace-context';

/**
 * What a unit of work (a request, or a queued job) carries without passing it along: the logger
 * nestjs-pino's PinoLogger writes with (`logger`, made on first use), its trace and its caller.
 *
 * All three live in one AsyncLocalStorage, nestjs-pino's own (PinoLogger reads only that one):
 * each storage that is entered adds work to every promise created after it, and a request
 * creates hundreds. Three storages cost a cached read more than its own work.
 */
export class WorkScope {
  /** nestjs-pino's Store has it; pino-http sets it, nothing here does. */
  readonly responseLogger = undefined;
  private made?: Logger;

  constructor(
    private readonly makeLogger: () => Logger | undefined,
    readonly trace?: TraceContext,
    /** Filled by AuthGuard once the request's token is verified. */
    public caller?: Caller,
  ) {}

  /** PinoLogger falls back to the root logger while this is undefined (outside a request). */
  get logger(): Logger | undefined {
    return (this.made ??= this.makeLogger());
  }

  // PinoLogger.assign() replaces the scope's logger with a child of it.
  set logger(logger: Logger | undefined) {
    this.made = logger;
  }

  /** The same work (logger, trace) done for another caller: a job run for a record's owner. */
  actingAs(caller: Caller): WorkScope {
    return new WorkScope(() => this.logger, this.trace, caller);
  }
}

const scopes = storage as unknown as AsyncLocalStorage<WorkScope>;

/** The scope of the work running now, if any. */
export function currentScope(): WorkScope | undefined {
  return scopes.getStore();
}

export function runInScope<T>(scope: WorkScope, work: () => T): T {
  return scopes.run(scope, work);
}
