import type { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

/** What a service answers a route with when the status or headers vary: Nest sends the body. */
export interface HttpAnswer<B> {
  status: HttpStatus;
  headers: Record<string, string>;
  body: B;
}

/** For `@Res({ passthrough: true })` handlers: status and headers on the response, the body back to Nest. */
export function reply<B>(res: Response, answer: HttpAnswer<B>): B {
  res.status(answer.status).set(answer.headers);
  return answer.body;
}
