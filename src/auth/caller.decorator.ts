import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { RequestWithCaller } from './auth.guard';

/** The authenticated caller (or the anonymous one with AUTH_MODE=none), for handlers that want it. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<RequestWithCaller>().caller,
);
