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

/**
 * Sends a JSON document already serialised (the record cache's bytes and ETag) with `@Res()`:
 * Express answers 304 itself when If-None-Match matches the ETag, and sends no other ETag.
 */
export function sendDocument(res: Response, document: { body: Buffer; etag: string }): void {
  res.setHeader('ETag', document.etag);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.send(document.body);
}
