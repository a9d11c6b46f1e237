import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { RequestWithCaller } from './auth.guard';

/** Rate limits count per owner when callers are authenticated, per client IP otherwise. */
@Injectable()
export class OwnerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const caller = (req as unknown as RequestWithCaller).caller;
    if (caller?.authenticated) return Promise.resolve(`owner:${caller.owner}`);
    return super.getTracker(req);
  }
}
