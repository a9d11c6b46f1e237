import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { RequestWithCaller } from './auth.guard';
import { runAsCaller } from './caller-context';

/** Runs the handler with the guard's caller as the current one (see CallerContext). */
@Injectable()
export class CallerContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
    if (!caller) return next.handle();
    // next.handle() binds the handler to the async context it is called in: call it inside.
    return new Observable((subscriber) => runAsCaller(caller, () => next.handle().subscribe(subscriber)));
  }
}
